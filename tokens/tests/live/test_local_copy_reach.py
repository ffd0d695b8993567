"""Revocation reach across processes that keep a local copy of live sessions: a token revoked in
one process is refused by every other within 100 ms of the revocation's answer, also while the
invalidation channels are being cut.
"""

import time
import urllib.request

from django_redis import get_redis_connection

from tokens.tests.operations.test_metrics import samples, value
from tokens.tests.servers import AppServer
from tokens.tests.support import AuthAPITransactionTestCase

REACH = 0.1


class LocalCopyReachTests(AuthAPITransactionTestCase):
    """Two gunicorn servers (one worker each: each request lands in the process it names) and this
    process, on one database and one Redis, every one with its local copy on.
    """

    def setUp(self):
        super().setUp()
        self.servers = [AppServer(METRICS_ACCESS="open").start() for _ in range(2)]
        for server in self.servers:
            self.addCleanup(server.stop)

    def status(self, server, token: str) -> int:
        return server.request("GET", "/api/auth/session/", token=token)[0]

    def hits(self, server) -> float:
        with urllib.request.urlopen(server.base_url + "/metrics", timeout=30) as response:
            found = samples(response.read().decode())
        return value(found, "auth_local_copy_lookups_total", kind="session", outcome="hit")

    def assertReach(self, token: str, revoke) -> None:
        """``revoke`` answers, then every server refuses ``token`` within the reach, and after."""
        for server in self.servers:
            for _ in range(3):
                self.assertEqual(self.status(server, token), 200)
        revoke()
        answered = time.monotonic()
        for server in self.servers:
            while self.status(server, token) == 200:
                self.assertLess(time.monotonic() - answered, REACH, "accepted past the reach")
        for server in self.servers:
            for _ in range(3):
                self.assertEqual(self.status(server, token), 401)

    def test_a_revocation_anywhere_is_refused_everywhere_within_the_reach(self):
        first, second = self.servers
        revocations = {
            "logout there": lambda pair: first.request(
                "POST", "/api/auth/logout/", token=pair["access_token"]
            ),
            "one session revoked there": lambda pair: second.request(
                "DELETE", f"/api/auth/sessions/{pair['session_id']}/", token=pair["access_token"]
            ),
            "logout-all there": lambda pair: first.request(
                "POST", "/api/auth/logout-all/", token=pair["access_token"]
            ),
            "owner disabled here": lambda pair: self.disable_and_enable(),
        }
        for name, revoke in revocations.items():
            with self.subTest(name):
                pair = self.login()
                self.assertReach(
                    pair["access_token"], lambda pair=pair, revoke=revoke: revoke(pair)
                )
        # The servers did answer from their copies (the reach is not that of a Redis read).
        self.assertGreater(self.hits(first), 0)
        self.assertGreater(self.hits(second), 0)

    def disable_and_enable(self):
        self.user.is_active = False
        self.user.save()
        self.user.is_active = True
        self.user.save()

    def test_cut_channels_keep_the_reach_and_come_back(self):
        first, _second = self.servers
        redis = get_redis_connection("default")
        for _ in range(5):
            pair = self.login()
            # Cut every invalidation channel just before the revocation.
            self.assertReach(
                pair["access_token"],
                lambda pair=pair: (
                    redis.client_kill_filter(_type="pubsub"),
                    first.request("POST", "/api/auth/logout/", token=pair["access_token"]),
                ),
            )
        # The channels came back: the copies answer again.
        pair = self.login()
        before = [self.hits(server) for server in self.servers]
        deadline = time.monotonic() + 5
        for index, server in enumerate(self.servers):
            while self.hits(server) <= before[index]:
                self.assertLess(time.monotonic(), deadline, "a copy never answered again")
                self.status(server, pair["access_token"])
