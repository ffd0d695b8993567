from tokens.models import AuthEvent, Session
from tokens.tests.support import AuthAPITestCase, FrozenClock, claims, token_settings


class GraceWindowTests(AuthAPITestCase):
    """A consumed refresh token: the same successor within the window, reuse after it."""

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.pair = self.login()
        self.successor = self.refresh(self.pair["refresh_token"]).json()

    def test_within_the_window_the_same_successor_is_returned(self):
        self.clock.advance(9)
        retry = self.refresh(self.pair["refresh_token"])
        self.assertEqual(retry.status_code, 200)
        self.assertEqual(retry.json()["refresh_token"], self.successor["refresh_token"])
        self.assertEqual(retry.json()["access_token"], self.successor["access_token"])
        self.assertEqual(self.me(self.successor["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(self.successor["refresh_token"]).status_code, 200)

    def test_after_the_window_reuse_revokes_the_whole_session(self):
        self.clock.advance(11)
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")
        self.assertError(self.me(self.successor["access_token"]), 401, "token_revoked")
        self.assertError(self.me(self.pair["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.successor["refresh_token"]), 401, "token_revoked")
        session = Session.objects.get(pk=self.pair["session_id"])
        self.assertEqual((session.state, session.revoked_reason), ("revoked", "reuse_detected"))
        event = AuthEvent.objects.get(kind="reuse_detected")
        self.assertEqual((event.user, str(event.session_id)), (self.user, self.pair["session_id"]))

    def test_a_token_two_rotations_old_is_reuse_even_within_the_window(self):
        self.refresh(self.successor["refresh_token"])
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")

    def test_another_session_is_untouched_by_reuse(self):
        other = self.login()
        self.clock.advance(11)
        self.refresh(self.pair["refresh_token"])
        self.assertEqual(self.me(other["access_token"]).status_code, 200)

    @token_settings(ROTATION_GRACE_PERIOD=0)
    def test_a_grace_period_of_zero_turns_the_window_off(self):
        pair = self.login()
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_reused")


@token_settings(ACCESS_TOKEN_LIFETIME=30, REFRESH_TOKEN_LIFETIME=60, SESSION_LIFETIME=100)
class LifetimeTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.clock = FrozenClock(start=1_900_000_000).install(self)
        self.pair = self.login()
        self.start = self.clock.current

    def test_each_rotation_extends_the_idle_lifetime(self):
        self.clock.advance(50)
        first = self.refresh(self.pair["refresh_token"]).json()
        self.assertEqual(
            claims(first["refresh_token"])["exp"], self.start + 100
        )  # capped by the session
        self.clock.advance(40)  # 90 s in: past the first token's idle end, within the rotated one's
        self.assertEqual(self.refresh(first["refresh_token"]).status_code, 200)

    def test_idle_expiry(self):
        self.clock.advance(61)
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_expired")

    def test_no_token_outlives_its_session(self):
        pair = self.pair
        for _ in range(3):
            self.clock.advance(25)
            pair = self.refresh(pair["refresh_token"]).json()
            for token in (pair["access_token"], pair["refresh_token"]):
                self.assertLessEqual(claims(token)["exp"], self.start + 100)
        self.assertEqual(pair["refresh_expires_in"], self.start + 100 - self.clock.current)
        self.clock.advance(26)  # 101 s in
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_expired")
        self.assertError(self.me(pair["access_token"]), 401, "token_expired")
