import time

from django.db import transaction
from django_redis import get_redis_connection

from tokens import conf
from tokens.models import AuthEvent, Session, StoreEpoch
from tokens.store.breaker import breaker
from tokens.tests.servers import use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    AuthAPITransactionTestCase,
    bearer,
    count_redis_round_trips,
    database_fault,
    login_name,
    token_settings,
    without_rate_limits,
)

# "Within about a second": the socket timeouts are 0.5 s; allow for a slow, shared machine.
DEADLINE = 1.5


@token_settings(STORE_EPOCH_LEASE=1, STORE_RETRY_INTERVAL=30)
class RedisOutageTests(AuthAPITestCase):
    """The app on a real Redis process of the test's own, paused (SIGSTOP) or stopped: it goes on
    from the record, with the same answers, and trusts no copy that missed a write afterwards.
    """

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.pair = self.login()
        self.other = self.login()
        self.me(self.pair["access_token"])  # Redis holds the epoch

    def pause_redis(self):
        """SIGSTOP, then past the local copy's lag: a copy that hears nothing from Redis answers
        for no longer (``tokens.tests.store.test_local_copy``), so the next request asks Redis.
        Sooner, the copy may answer it, as it may answer any request within the lag.
        """
        self.redis.pause()
        time.sleep(2 * conf.token_settings.LOCAL_SESSION_COPY_LAG)

    def timed(self, call):
        started = time.monotonic()
        response = call()
        return response, time.monotonic() - started

    def during_the_outage(self) -> dict:
        """Every kind of request, answered from the record; returns what they issued."""
        first, elapsed = self.timed(lambda: self.me(self.pair["access_token"]))
        self.assertEqual(first.status_code, 200)
        self.assertLess(elapsed, DEADLINE, "one socket timeout, then the breaker opens")
        self.assertTrue(breaker.is_open)
        # The first write waits out the epoch's lease (1 s here) once; nothing else waits.
        rotated, elapsed = self.timed(lambda: self.refresh(self.pair["refresh_token"]))
        self.assertEqual(rotated.status_code, 200)
        self.assertLess(elapsed, 1 + DEADLINE)
        calls = {
            "session": lambda: self.client.get(
                "/api/auth/session/", **bearer(self.pair["access_token"])
            ),
            "me with the new pair": lambda: self.me(rotated.json()["access_token"]),
            "login": lambda: self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
            ),
            "logout": lambda: self.client.post(
                "/api/auth/logout/", **bearer(self.other["access_token"])
            ),
        }
        answers = {}
        for name, call in calls.items():
            with self.subTest(call=name), count_redis_round_trips() as sent:
                response = call()
                self.assertIn(response.status_code, (200, 204), response.content)
                self.assertEqual(sent, [], "the breaker is open: nothing waits on Redis")
                answers[name] = response
        self.assertRefusedNow(rotated.json())
        return {"rotated": rotated.json(), "new": answers["login"].json()}

    def assertRefusedNow(self, rotated):
        """What the record alone decided is refused at once."""
        self.assertError(self.me(self.other["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.other["refresh_token"]), 401, "token_revoked")
        # The consumed token: its successor pair lived in Redis only, so it is not given again.
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_revoked")
        self.assertEqual(self.me(rotated["access_token"]).status_code, 200)

    def after_the_outage(self, issued):
        # The breaker tries Redis again at the next request.
        with token_settings(STORE_RETRY_INTERVAL=0):
            self.assertEqual(self.me(issued["new"]["access_token"]).status_code, 200)
        self.assertFalse(breaker.is_open)
        self.assertRefusedNow(issued["rotated"])
        self.assertEqual(self.refresh(issued["rotated"]["refresh_token"]).status_code, 200)
        self.assertEqual(
            AuthEvent.objects.filter(kind="logout", session_id=self.other["session_id"]).count(),
            1,
        )

    def test_a_hanging_redis_is_left_out_and_its_stale_copies_never_answer(self):
        self.pause_redis()
        try:
            issued = self.during_the_outage()
        finally:
            self.redis.resume()
        # It kept the copies it had before the pause: the logged-out session's copy still says
        # live. The epoch's lease lapsed during the outage, so it is not trusted.
        self.after_the_outage(issued)

    def test_a_stopped_redis_is_left_out_and_a_restarted_empty_one_revives_nothing(self):
        self.redis.stop()
        issued = self.during_the_outage()
        self.redis.start()
        self.after_the_outage(issued)

    def test_the_first_write_after_a_short_outage_asks_redis_again(self):
        self.pause_redis()
        try:
            self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        finally:
            self.redis.resume()
        self.assertTrue(breaker.is_open)
        # It waits out the epoch's lease, then finds Redis back: the copy is written as usual.
        rotated = self.refresh(self.pair["refresh_token"])
        self.assertEqual(rotated.status_code, 200)
        self.assertFalse(breaker.is_open)
        self.assertFalse(StoreEpoch.objects.exists(), "nothing was written to the record alone")
        self.assertEqual(self.me(rotated.json()["access_token"]).status_code, 200)
        # Its successor pair is in Redis too: a retry within the grace window gets it again.
        retried = self.refresh(self.pair["refresh_token"])
        self.assertEqual(retried.json()["refresh_token"], rotated.json()["refresh_token"])

    def test_a_login_that_reaches_the_store_first_is_recorded(self):
        # Without rate limits the first Redis call of a login is the store's own, inside the
        # transaction: it goes on from the record all the same.
        self.redis.stop()
        with without_rate_limits():
            response = self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.user.token_sessions.count(), 3)
        self.assertEqual(self.me(response.json()["access_token"]).status_code, 200)


class DatabaseFaultTests(AuthAPITransactionTestCase):
    """A statement that fails as a terminated backend does: a read is tried again, a write is a
    503 that decided nothing. (Outside a test transaction: a read inside one is not retried.)
    """

    def setUp(self):
        super().setUp()
        self.pair = self.login()

    def test_an_idempotent_read_is_tried_again_on_a_new_connection(self):
        get_redis_connection("default").flushdb()  # a miss: the session's row is read too
        with database_fault("SELECT", statements=2) as failed:
            response = self.me(self.pair["access_token"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(failed), 2, "the session's row and the user's row")

    def test_a_read_inside_a_transaction_is_a_503(self):
        with database_fault("SELECT"), transaction.atomic():
            response = self.me(self.pair["access_token"])
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(response["Retry-After"], "1")

    def test_a_failed_login_write_issues_nothing(self):
        sessions, events = Session.objects.count(), AuthEvent.objects.count()
        with database_fault('INSERT INTO "TOKENS_SESSION"'):
            response = self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
            )
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(response["Retry-After"], "1")
        self.assertEqual((Session.objects.count(), AuthEvent.objects.count()), (sessions, events))

    def test_a_failed_rotation_leaves_the_presented_token_current(self):
        with database_fault('UPDATE "TOKENS_SESSION"'):
            response = self.refresh(self.pair["refresh_token"])
        self.assertError(response, 503, "service_unavailable")
        retried = self.refresh(self.pair["refresh_token"])
        self.assertEqual(retried.status_code, 200)
        self.assertEqual(self.me(retried.json()["access_token"]).status_code, 200)

    def test_a_failed_logout_revokes_nothing(self):
        with database_fault('UPDATE "TOKENS_SESSION"'):
            response = self.client.post("/api/auth/logout/", **bearer(self.pair["access_token"]))
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        self.assertIsNone(Session.objects.get(pk=self.pair["session_id"]).revoked_at)
