"""The database keeps the record, Redis a copy: losing Redis's data loses no session and revives no
token.
"""

from django_redis import get_redis_connection

from tokens.models import Session
from tokens.tests.support import AuthAPITestCase, FrozenClock, bearer

SESSION_KEYS = "jwt:{u:*"


class RedisLossScenario:
    """One chain of rotations, a second live session and a logged-out one; then Redis loses its
    data.

    Subclasses say how (``lose_data``): ``FLUSHALL``, a restart without persistence, eviction.
    """

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.first = self.login()
        self.second = self.refresh(self.first["refresh_token"]).json()
        self.current = self.refresh(self.second["refresh_token"]).json()
        self.other = self.login()
        self.gone = self.login()
        self.assertEqual(
            self.client.post("/api/auth/logout/", **bearer(self.gone["access_token"])).status_code,
            204,
        )
        self.clock.advance(11)  # past every grace window
        self.lose_data()
        self.assertEqual(
            list(get_redis_connection("default").scan_iter(SESSION_KEYS)), [], "nothing was lost"
        )

    def lose_data(self):
        raise NotImplementedError

    def test_every_live_session_keeps_working(self):
        for pair in (self.current, self.other):
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)
            self.assertEqual(
                self.client.get("/api/auth/session/", **bearer(pair["access_token"])).status_code,
                200,
            )
            self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)

    def test_a_logged_out_session_stays_refused(self):
        self.assertError(self.me(self.gone["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.gone["refresh_token"]), 401, "token_revoked")
        self.assertError(
            self.me(self.gone["access_token"]), 401, "token_revoked"
        )  # now from the tombstone

    def test_the_token_before_the_current_one_is_reuse_and_revokes_the_session(self):
        self.assertError(self.refresh(self.second["refresh_token"]), 401, "token_reused")
        self.assertError(self.me(self.current["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.current["refresh_token"]), 401, "token_revoked")
        self.assertEqual(
            Session.objects.get(pk=self.current["session_id"]).revoked_reason, "reuse_detected"
        )
        self.assertEqual(self.me(self.other["access_token"]).status_code, 200)

    def test_an_older_token_is_reuse_too(self):
        self.assertError(self.refresh(self.first["refresh_token"]), 401, "token_reused")
        self.assertError(self.me(self.current["access_token"]), 401, "token_revoked")

    def test_sessions_lists_only_live_sessions(self):
        response = self.client.get("/api/auth/sessions/", **bearer(self.current["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {session["id"] for session in response.json()},
            {self.current["session_id"], self.other["session_id"]},
        )


class FlushallTests(RedisLossScenario, AuthAPITestCase):
    def lose_data(self):
        get_redis_connection("default").flushall()
