from unittest import skipUnless

from tokens.tests.servers import AppServer
from tokens.tests.support import (
    AuthAPITransactionTestCase,
    bearer,
    login_name,
    make_user,
    uses_accounts,
)


class TwoProcessTests(AuthAPITransactionTestCase):
    """This process and a gunicorn server in another one share the database and Redis."""

    def setUp(self):
        super().setUp()
        self.other = AppServer().start()
        self.addCleanup(self.other.stop)

    def test_logout_here_is_honoured_there(self):
        pair = self.login()
        status, body = self.other.request("GET", "/api/auth/me/", token=pair["access_token"])
        self.assertEqual((status, body["username"]), (200, login_name("alice")))
        self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))
        status, body = self.other.request("GET", "/api/auth/me/", token=pair["access_token"])
        self.assertEqual((status, body["code"]), (401, "token_revoked"))

    def test_logout_there_is_honoured_here(self):
        pair = self.login()
        status, _ = self.other.request("POST", "/api/auth/logout/", token=pair["access_token"])
        self.assertEqual(status, 204)
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")

    def test_a_refresh_there_then_reuse_here(self):
        pair = self.login()
        status, rotated = self.other.request(
            "POST", "/api/auth/refresh/", {"refresh_token": pair["refresh_token"]}
        )
        self.assertEqual(status, 200)
        self.assertEqual(self.me(rotated["access_token"]).status_code, 200)
        # Within the grace window this process returns the same successor.
        self.assertEqual(
            self.refresh(pair["refresh_token"]).json()["refresh_token"], rotated["refresh_token"]
        )

    @skipUnless(uses_accounts(), "the project's user admin")
    def test_admin_disable_here_is_honoured_there(self):
        pair = self.login()
        staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.force_login(staff)
        self.client.post(
            "/admin/accounts/user/",
            {"action": "disable_and_revoke", "_selected_action": [self.user.pk]},
        )
        status, body = self.other.request("GET", "/api/auth/me/", token=pair["access_token"])
        self.assertEqual((status, body["code"]), (401, "user_inactive"))
