from tokens.models import AuthEvent, Session
from tokens.tests.support import AuthAPITestCase, bearer


class LogoutTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.pair = self.login()

    def logout(self, **kwargs):
        return self.client.post("/api/auth/logout/", **kwargs)

    def assertSessionDead(self, pair):
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked")

    def test_logout_with_bearer_kills_both_tokens(self):
        self.assertEqual(self.logout(**bearer(self.pair["access_token"])).status_code, 204)
        self.assertSessionDead(self.pair)
        session = Session.objects.get(pk=self.pair["session_id"])
        self.assertEqual(session.state, "revoked")
        self.assertEqual(session.revoked_reason, "logout")
        self.assertTrue(AuthEvent.objects.filter(kind="logout", user=self.user).exists())

    def test_logout_with_the_refresh_token(self):
        response = self.client.post(
            "/api/auth/logout/", {"refresh_token": self.pair["refresh_token"]}, format="json"
        )
        self.assertEqual(response.status_code, 204)
        self.assertSessionDead(self.pair)

    def test_logout_with_the_refresh_token_as_bearer(self):
        self.assertEqual(self.logout(**bearer(self.pair["refresh_token"])).status_code, 204)
        self.assertSessionDead(self.pair)

    def test_logout_only_ends_its_own_session(self):
        other = self.login()
        self.logout(**bearer(self.pair["access_token"]))
        self.assertEqual(self.me(other["access_token"]).status_code, 200)

    def test_logout_twice_or_without_a_token(self):
        self.logout(**bearer(self.pair["access_token"]))
        self.assertError(self.logout(**bearer(self.pair["access_token"])), 401, "token_revoked")
        self.assertError(self.logout(), 401, "not_authenticated")
        self.assertError(self.logout(**bearer("garbage")), 401, "token_invalid")

    def test_tokens_rotated_before_logout_die_too(self):
        rotated = self.refresh(self.pair["refresh_token"]).json()
        self.logout(**bearer(rotated["access_token"]))
        self.assertSessionDead(rotated)
        self.assertError(self.me(self.pair["access_token"]), 401, "token_revoked")
