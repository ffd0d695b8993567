"""Metrics across two gunicorn workers, and 503s counted against a private Redis."""

import shutil
import tempfile
import threading
import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from tokens.tests.operations.test_metrics import ScrapeMixin, samples, value
from tokens.tests.servers import AppServer, set_server_password, use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    AuthAPITransactionTestCase,
    database_fault,
    login_name,
    token_settings,
)


class SharedCountersTests(AuthAPITransactionTestCase):
    """Two gunicorn workers write their own files; /metrics from either one adds them all up."""

    def setUp(self):
        super().setUp()
        set_server_password(self.user, PASSWORD)
        self.server = AppServer(
            workers=2,
            METRICS_ACCESS="open",
            THROTTLE_LOGIN_IP="100000/min",
            THROTTLE_LOGIN_USERNAME="100000/min",
        ).start()
        self.addCleanup(self.server.stop)
        self.directory = Path(self.server.metrics_dir)

    def logins_by_worker(self) -> dict:
        """Successful logins counted in each worker's own file, read one file at a time."""
        counts = {}
        for path in self.directory.glob("counter_*.db"):
            alone = Path(tempfile.mkdtemp(prefix="prometheus-one-"))
            self.addCleanup(shutil.rmtree, alone, True)
            shutil.copy(path, alone)
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(alone))
            found = {
                (s.name, frozenset(s.labels.items())): s.value
                for f in registry.collect()
                for s in f.samples
            }
            counts[path.stem.split("_")[1]] = value(found, "auth_logins_total", outcome="succeeded")
        return counts

    def login_in_parallel(self, rounds: int) -> int:
        statuses = []

        def log_in():
            statuses.append(
                self.server.request(
                    "POST",
                    "/api/auth/login/",
                    {"username": login_name("alice"), "password": PASSWORD},
                )[0]
            )

        for _ in range(rounds):
            threads = [threading.Thread(target=log_in) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(set(statuses), {200})
        return len(statuses)

    def test_totals_add_up_across_workers(self):
        made = 0
        for _ in range(10):
            made += self.login_in_parallel(3)
            by_worker = self.logins_by_worker()
            if len([count for count in by_worker.values() if count > 0]) >= 2:
                break
        self.assertGreaterEqual(
            len([count for count in by_worker.values() if count > 0]), 2, by_worker
        )
        self.assertEqual(sum(by_worker.values()), made)
        for _ in range(6):  # whichever worker answers, the totals are the same
            with urllib.request.urlopen(self.server.base_url + "/metrics", timeout=30) as response:
                self.assertEqual(
                    value(
                        samples(response.read().decode()), "auth_logins_total", outcome="succeeded"
                    ),
                    made,
                )


@token_settings(METRICS_ACCESS="open")
class MetricsOutageTests(ScrapeMixin, AuthAPITestCase):
    """503s counted by their cause, and degraded mode as a gauge and counters (a private Redis)."""

    def test_503s_by_cause(self):
        pair = self.login()
        with database_fault('UPDATE "TOKENS_SESSION"'):
            self.assertEqual(
                self.delta(
                    lambda: self.refresh(pair["refresh_token"]),
                    "auth_unavailable_responses_total",
                    cause="database",
                ),
                1,
            )

    def test_degraded_mode_is_a_gauge_and_counted(self):
        redis = use_private_redis(self)
        pair = self.login()
        self.me(pair["access_token"])
        before = self.scrape()
        redis.pause()
        try:
            self.me(pair["access_token"])
            with token_settings(STORE_EPOCH_LEASE=0):  # no wait before the rotation
                self.refresh(pair["refresh_token"])
            during = self.scrape()
        finally:
            redis.resume()
        self.assertEqual(value(during, "auth_degraded"), 1)
        self.assertEqual(
            value(during, "auth_degraded_entries_total")
            - value(before, "auth_degraded_entries_total"),
            1,
        )
        answered = "auth_degraded_answers_total"
        self.assertEqual(
            value(during, answered, cause="redis_unreachable")
            - value(before, answered, cause="redis_unreachable"),
            2,
            "the lookup and the rotation",
        )
        with token_settings(STORE_RETRY_INTERVAL=0):
            self.me(pair["access_token"])
        self.assertEqual(value(self.scrape(), "auth_degraded"), 0)
