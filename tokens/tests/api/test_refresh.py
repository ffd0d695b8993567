from tokens.browser.cookies import refresh_cookie_name
from tokens.models import Session
from tokens.tests.support import AuthAPITestCase, bearer, claims, token_settings


class RefreshTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.pair = self.login()

    def test_refresh_returns_a_new_pair_in_the_same_session(self):
        response = self.refresh(self.pair["refresh_token"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        body = response.json()
        self.assertEqual(
            set(body),
            {
                "access_token",
                "refresh_token",
                "token_type",
                "expires_in",
                "refresh_expires_in",
                "session_id",
            },
        )
        self.assertEqual(body["session_id"], self.pair["session_id"])
        self.assertNotEqual(body["refresh_token"], self.pair["refresh_token"])
        self.assertNotEqual(
            claims(body["refresh_token"])["jti"], claims(self.pair["refresh_token"])["jti"]
        )
        self.assertEqual(claims(body["access_token"])["sid"], self.pair["session_id"])
        self.assertEqual(self.me(body["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(body["refresh_token"]).status_code, 200)

    def test_refresh_token_from_the_authorization_header(self):
        response = self.client.post("/api/auth/refresh/", **bearer(self.pair["refresh_token"]))
        self.assertEqual(response.status_code, 200)

    def test_refresh_token_from_the_cookie(self):
        self.client.cookies[refresh_cookie_name()] = self.pair["refresh_token"]
        response = self.client.post("/api/auth/refresh/")
        self.assertEqual(response.status_code, 200)
        # The successor travels in the cookie alone (nothing for a script to read).
        self.assertNotIn("refresh_token", response.json())
        successor = response.cookies[refresh_cookie_name()].value
        self.assertEqual(claims(successor)["sid"], self.pair["session_id"])
        self.assertEqual(self.refresh(successor).status_code, 200)

    def test_refresh_records_last_use(self):
        before = Session.objects.get(pk=self.pair["session_id"]).last_used_at
        self.refresh(self.pair["refresh_token"])
        self.assertGreaterEqual(
            Session.objects.get(pk=self.pair["session_id"]).last_used_at, before
        )

    @token_settings(ROTATION_GRACE_PERIOD=0)
    def test_a_refresh_token_is_single_use(self):
        self.assertEqual(self.refresh(self.pair["refresh_token"]).status_code, 200)
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")

    def test_garbage_bodies_get_4xx(self):
        for raw in (
            "[1]",
            "7",
            '"x"',
            "{bad",
            '{"refresh_token": ["a"]}',
            '{"refresh_token": "' + "x" * 20000 + '"}',
        ):
            with self.subTest(body=raw[:30]):
                response = self.client.generic(
                    "POST", "/api/auth/refresh/", raw, content_type="application/json"
                )
                self.assertGreaterEqual(response.status_code, 400)
                self.assertLess(response.status_code, 500)
        self.assertEqual(self.refresh(self.pair["refresh_token"]).status_code, 200)
