import threading

from django.db import connections
from django.test import RequestFactory, TransactionTestCase
from django_redis import get_redis_connection

from tokens.core.issuing import TokenPair, login
from tokens.core.rotation import rotate
from tokens.exceptions import TokenReusedError, TokenRevokedError
from tokens.store.breaker import breaker
from tokens.tests.support import (
    AuthAPITestCase,
    RealRedisMixin,
    bearer,
    claims,
    make_user,
    token_settings,
)


def _request():
    return RequestFactory().post("/api/auth/refresh/", HTTP_USER_AGENT="race-test")


class ConcurrentRefreshTests(RealRedisMixin, TransactionTestCase):
    """Twenty threads present one refresh token at the same moment."""

    threads = 20

    def race(self, raw_refresh):
        barrier = threading.Barrier(self.threads)
        results = []

        def refresh():
            barrier.wait()
            try:
                results.append(rotate(_request(), raw_refresh))
            except (TokenReusedError, TokenRevokedError) as exc:
                results.append(exc)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=refresh) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self.assertEqual(len(results), self.threads)
        return results

    def test_with_the_grace_window_every_racer_gets_the_one_successor(self):
        pair = login(_request(), make_user())
        results = self.race(pair.refresh_token)
        successors = {result.refresh_token for result in results if isinstance(result, TokenPair)}
        self.assertEqual(len(successors), 1, results)
        self.assertEqual(sum(isinstance(result, TokenPair) for result in results), self.threads)
        self.assertEqual(rotate(_request(), successors.pop()).session_id, pair.session_id)

    @token_settings(ROTATION_GRACE_PERIOD=0)
    def test_without_it_exactly_one_racer_wins_and_no_second_session_lives(self):
        pair = login(_request(), make_user())
        results = self.race(pair.refresh_token)
        winners = [result for result in results if isinstance(result, TokenPair)]
        self.assertEqual(len(winners), 1, results)
        # The losers presented a consumed token: reuse, so the session (winner included) is revoked.
        self.assertTrue(
            all(
                isinstance(result, TokenReusedError | TokenRevokedError)
                for result in results
                if result is not winners[0]
            )
        )
        with self.assertRaises(TokenRevokedError):
            rotate(_request(), winners[0].refresh_token)


class HeldConnectionTests(AuthAPITestCase):
    """The store's commands go on each thread's own connection (``store._send``)."""

    def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_failure(self):
        pair = self.login()
        headers = bearer(pair["access_token"])
        self.assertEqual(self.client.get("/api/auth/session/", **headers).status_code, 200)
        # What Redis's idle ``timeout`` or a restart does: every client connection but this one
        # is closed by the server.
        killed = get_redis_connection("default").client_kill_filter(_type="normal", skipme=True)
        self.assertGreaterEqual(killed, 1)
        response = self.client.get("/api/auth/session/", **headers)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["session_id"], claims(pair["access_token"])["sid"])
        # Answered by Redis, not by the record after a failure: the breaker never opened.
        self.assertTrue(breaker.allows())
        self.assertIsNone(breaker.opened_at)
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)


class StoreKeyTests(AuthAPITestCase):
    def test_every_key_has_an_expiry_and_the_user_hash_tag(self):
        pair = self.login()
        self.refresh(pair["refresh_token"])
        redis = get_redis_connection("default")
        names = [name.decode() for name in redis.scan_iter("jwt:*")]
        self.assertGreaterEqual(len(names), 2)
        for name in names:
            with self.subTest(key=name):
                # -1: no expiry (the outage epoch's lease of a second may even have ended: -2).
                self.assertNotEqual(redis.pttl(name), -1)
                # Rate-limit counters are per client, tallies per hour and the epoch global.
                if not name.startswith(("jwt:t:", "jwt:{stats}:", "jwt:epoch")):
                    self.assertIn(f"{{u:{self.user.pk}}}", name)

    def test_session_key_lives_as_long_as_the_refresh_token(self):
        pair = self.login()
        redis = get_redis_connection("default")
        [name] = [n for n in redis.scan_iter("jwt:*:s:*")]
        refresh_exp = claims(pair["refresh_token"])["exp"]
        self.assertAlmostEqual(
            redis.ttl(name), refresh_exp - claims(pair["refresh_token"])["iat"], delta=2
        )

    def test_logout_leaves_a_tombstone_as_long_as_any_token_could_live(self):
        pair = self.login()
        self.refresh(pair["refresh_token"])
        self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))
        redis = get_redis_connection("default")
        [name] = [n.decode() for n in redis.scan_iter("jwt:{u:*")]
        self.assertEqual(redis.hgetall(name), {b"x": b"logout"})  # the successor key went with it
        # A refresh token lives until the idle end, an access token at most its lifetime past that.
        lifetime = claims(pair["refresh_token"])["exp"] - claims(pair["refresh_token"])["iat"] + 900
        self.assertAlmostEqual(redis.ttl(name), lifetime, delta=2)
