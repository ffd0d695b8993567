import time

from tokens.tests.servers import use_private_redis
from tokens.tests.support import PASSWORD, AuthAPITestCase, bearer, login_name, without_rate_limits

# "Within about a second": the socket timeouts are 0.5 s; allow for a slow, shared machine.
DEADLINE = 1.5


class RedisOutageTests(AuthAPITestCase):
    """The app on a real Redis process of the test's own, paused (SIGSTOP) or stopped."""

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.pair = self.login()

    def timed(self, call):
        started = time.monotonic()
        response = call()
        return response, time.monotonic() - started

    def calls(self):
        return {
            "login": lambda: self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
            ),
            "refresh": lambda: self.refresh(self.pair["refresh_token"]),
            "logout": lambda: self.client.post(
                "/api/auth/logout/", **bearer(self.pair["access_token"])
            ),
            "me": lambda: self.me(self.pair["access_token"]),
        }

    def assertAllUnavailable(self):
        sessions_before = self.user.token_sessions.count()
        for name, call in self.calls().items():
            with self.subTest(call=name):
                response, elapsed = self.timed(call)
                self.assertError(response, 503, "service_unavailable")
                self.assertLess(elapsed, DEADLINE)
        self.assertEqual(self.user.token_sessions.count(), sessions_before, "nothing may be issued")

    def test_a_hanging_redis_gives_503_quickly_and_service_resumes(self):
        self.redis.pause()
        try:
            self.assertAllUnavailable()
        finally:
            self.redis.resume()
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(self.pair["refresh_token"]).status_code, 200)

    def test_a_stopped_redis_gives_503_and_a_restarted_one_serves_again(self):
        self.redis.stop()
        self.assertAllUnavailable()
        self.redis.start()
        # This private server keeps nothing on disk, yet the session lives on: it is read from its
        # record.
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(self.pair["refresh_token"]).status_code, 200)
        self.assertEqual(self.me(self.login()["access_token"]).status_code, 200)

    def test_a_login_that_reaches_the_store_is_rolled_back(self):
        # Without rate limits the first Redis call of a login is the store's own.
        self.redis.stop()
        with without_rate_limits():
            response = self.calls()["login"]()
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(self.user.token_sessions.count(), 1)  # only setUp's login
