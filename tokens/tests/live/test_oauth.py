"""RFC 7009 and RFC 7662 through an OAuth 2 client library, against the app under gunicorn."""

import requests
from authlib.integrations.requests_client import OAuth2Session

from tokens.tests.servers import AppServer
from tokens.tests.support import (
    AuthAPITransactionTestCase,
    login_name,
    make_user,
)


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class OAuthClientLibraryTests(AuthAPITransactionTestCase):
    """authlib's RFC 7009 and RFC 7662 client helpers against the app under gunicorn.

    Tokens are issued here (the server process hashes passwords differently from the test
    runner) and used there: both share the test database and Redis.
    """

    def setUp(self):
        super().setUp()
        self.server = AppServer().start()
        self.addCleanup(self.server.stop)
        make_user("service", is_staff=True)
        self.oauth = OAuth2Session(client_id="resource-server")
        self.addCleanup(self.oauth.close)

    def test_introspect_then_revoke_then_introspect(self):
        pair = self.login("alice")
        service = BearerAuth(self.login("service")["access_token"])
        introspect_url = f"{self.server.base_url}/api/auth/introspect/"
        response = self.oauth.introspect_token(
            introspect_url, token=pair["access_token"], token_type_hint="access_token", auth=service
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (response.json()["active"], response.json()["username"]), (True, login_name("alice"))
        )

        response = self.oauth.revoke_token(
            f"{self.server.base_url}/api/auth/revoke/",
            token=pair["refresh_token"],
            token_type_hint="refresh_token",
        )
        self.assertEqual(response.status_code, 200)

        for token in (pair["access_token"], pair["refresh_token"]):
            response = self.oauth.introspect_token(introspect_url, token=token, auth=service)
            self.assertEqual(response.json(), {"active": False})
        status, body = self.server.request("GET", "/api/auth/me/", token=pair["access_token"])
        self.assertEqual((status, body["code"]), (401, "token_revoked"))

    def test_introspection_refuses_callers_without_the_permission(self):
        pair = self.login("alice")
        response = self.oauth.introspect_token(
            f"{self.server.base_url}/api/auth/introspect/",
            token=pair["access_token"],
            auth=BearerAuth(pair["access_token"]),
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (403, "permission_denied")
        )
