from tokens.tests.servers import AppServer, set_server_password
from tokens.tests.support import PASSWORD, AuthAPITransactionTestCase, login_name


class ManyProcessesTests(AuthAPITransactionTestCase):
    """Two gunicorn servers of two workers each on one Redis and one database: one service."""

    def setUp(self):
        super().setUp()
        set_server_password(self.user, PASSWORD)
        self.first = AppServer(workers=2).start()
        self.addCleanup(self.first.stop)
        self.second = AppServer(workers=2).start()
        self.addCleanup(self.second.stop)

    def test_login_here_refresh_there_logout_honoured_everywhere(self):
        credentials = {"username": login_name("alice"), "password": PASSWORD}
        status, pair = self.first.request("POST", "/api/auth/login/", credentials)
        self.assertEqual(status, 200, pair)
        status, rotated = self.second.request(
            "POST", "/api/auth/refresh/", {"refresh_token": pair["refresh_token"]}
        )
        self.assertEqual(status, 200, rotated)
        self.assertEqual(rotated["session_id"], pair["session_id"])
        # Within the grace window the first server answers the consumed token with the same
        # successor.
        status, again = self.first.request(
            "POST", "/api/auth/refresh/", {"refresh_token": pair["refresh_token"]}
        )
        self.assertEqual((status, again["refresh_token"]), (200, rotated["refresh_token"]))
        for server in (self.first, self.second) * 2:
            self.assertEqual(
                server.request("GET", "/api/auth/me/", token=rotated["access_token"])[0], 200
            )

        status, _ = self.first.request("POST", "/api/auth/logout/", token=rotated["access_token"])
        self.assertEqual(status, 204)
        # Every worker of the other server refuses the session from the next request on.
        for _ in range(4):
            status, body = self.second.request(
                "GET", "/api/auth/me/", token=rotated["access_token"]
            )
            self.assertEqual((status, body["code"]), (401, "token_revoked"))
        status, body = self.second.request(
            "POST", "/api/auth/refresh/", {"refresh_token": rotated["refresh_token"]}
        )
        self.assertEqual((status, body["code"]), (401, "token_revoked"))
