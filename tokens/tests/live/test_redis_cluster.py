import json
from unittest import mock

from django.conf import settings
from django.test import override_settings
from django_redis import get_redis_connection
from redis.cluster import RedisCluster, key_slot

from tokens.store import redis_keys
from tokens.tests.servers import LocalRedisCluster
from tokens.tests.support import PASSWORD, AuthAPITestCase, FrozenClock, bearer, login_name


class RedisClusterTests(AuthAPITestCase):
    """The store's key design on a real three-master Redis Cluster, through django-redis.

    The write script's two keys and the tombstones of a revocation all carry the user's
    hash tag ``{u:<id>}``, so each runs in one slot on one node.
    """

    @classmethod
    def setUpClass(cls):
        cls.cluster = LocalRedisCluster().start()
        cls.addClassCleanup(cls.cluster.stop)
        options = {
            **settings.CACHES["default"]["OPTIONS"],
            "CONNECTION_FACTORY": "config.redis_cluster.ClusterConnectionFactory",
        }
        cls.enterClassContext(
            override_settings(
                CACHES={
                    "default": {
                        **settings.CACHES["default"],
                        "LOCATION": cls.cluster.url,
                        "OPTIONS": options,
                    }
                }
            )
        )
        super().setUpClass()

    def test_the_store_talks_to_the_cluster(self):
        connection = get_redis_connection("default")
        self.assertIsInstance(connection, RedisCluster)
        self.assertEqual(len(connection.get_primaries()), 3)

    def test_a_users_keys_share_one_slot(self):
        for user_id in (1, 2, 99999):
            names = (
                redis_keys.session(user_id, "s1"),
                redis_keys.successor(user_id, "s1"),
                redis_keys.session(user_id, "s2"),
            )
            slots = {key_slot(name.encode()) for name in names}
            self.assertEqual(len(slots), 1)

    def test_refreshes_are_tallied_on_the_node_of_the_tallies(self):
        clock = FrozenClock().install(self)
        pair = self.login()
        self.refresh(self.refresh(pair["refresh_token"]).json()["refresh_token"])
        tally = redis_keys.refresh_tally(clock.current // 3600)
        self.assertEqual(int(get_redis_connection("default").get(tally)), 2)

    def test_login_refresh_reuse_and_logout(self):
        pair = self.login()
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        rotated = self.refresh(pair["refresh_token"]).json()
        # The script's successor key was written next to the session hash.
        successor = get_redis_connection("default").get(
            redis_keys.successor(self.user.pk, pair["session_id"])
        )
        self.assertEqual(json.loads(successor)["pair"]["refresh_token"], rotated["refresh_token"])
        self.assertEqual(
            self.refresh(pair["refresh_token"]).json()["refresh_token"], rotated["refresh_token"]
        )
        self.assertEqual(
            self.client.post("/api/auth/logout/", **bearer(rotated["access_token"])).status_code,
            204,
        )
        self.assertError(self.me(rotated["access_token"]), 401, "token_revoked")

        second = self.login()
        newer = self.refresh(second["refresh_token"]).json()
        clock = FrozenClock()
        with mock.patch("tokens.core.clock.time", clock):
            clock.advance(11)
            self.assertError(self.refresh(second["refresh_token"]), 401, "token_reused")
        self.assertError(self.me(newer["access_token"]), 401, "token_revoked")

    def test_logout_everywhere_tombstones_many_sessions_at_once(self):
        pairs = [self.login() for _ in range(3)]
        for pair in pairs[:2]:
            self.refresh(pair["refresh_token"])
        self.assertEqual(
            self.client.post(
                "/api/auth/logout-all/", **bearer(pairs[2]["access_token"])
            ).status_code,
            204,
        )
        connection = get_redis_connection("default")
        for pair in pairs:
            self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
            self.assertFalse(
                connection.exists(redis_keys.successor(self.user.pk, pair["session_id"]))
            )
            self.assertEqual(
                connection.hgetall(redis_keys.session(self.user.pk, pair["session_id"])),
                {b"x": b"logout_all"},
            )

    def test_failed_logins_are_counted_in_one_slot_on_the_cluster(self):
        def attempt(password, ip):
            return self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": password},
                format="json",
                REMOTE_ADDR=ip,
            )

        self.assertError(attempt("wrong", "10.0.0.1"), 401, "invalid_credentials")
        self.assertError(attempt("wrong", "10.0.0.1"), 429, "throttled")
        self.assertEqual(attempt(PASSWORD, "10.0.0.2").status_code, 200)
        connection = get_redis_connection("default")
        subject = f"u{self.user.pk}"
        names = [
            redis_keys.guesses_by_address(subject, "10.0.0.1"),
            redis_keys.guesses_without_device(subject),
        ]
        self.assertEqual(len({key_slot(name.encode()) for name in names}), 1)
        self.assertEqual(connection.hget(names[1], "c"), b"1")
