"""Readiness against a private Redis that pauses and stops, and a database that never answers."""

import socket
import time

from django.test import SimpleTestCase

from tokens.tests.operations.test_health import DEADLINE, ProbeMixin
from tokens.tests.servers import AppServer, free_port, use_private_redis
from tokens.tests.support import AuthAPITestCase, token_settings


class ReadinessTests(ProbeMixin, AuthAPITestCase):
    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()

    def test_ready_when_the_database_and_redis_answer(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
        )

    def assertDegraded(self, response, elapsed):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}},
        )
        self.assertLess(elapsed, DEADLINE)
        self.assertNoSecrets(response)

    def test_a_hanging_redis_is_named_within_about_a_second_and_the_service_is_degraded(self):
        self.redis.pause()
        try:
            for _ in range(2):
                self.assertDegraded(*self.timed_get("/readyz"))
        finally:
            self.redis.resume()
        with token_settings(STORE_RETRY_INTERVAL=0):
            self.assertEqual(self.client.get("/readyz").json()["status"], "ok")

    def test_a_stopped_redis_is_named(self):
        self.redis.stop()
        self.assertDegraded(*self.timed_get("/readyz"))
        self.redis.start()
        with token_settings(STORE_RETRY_INTERVAL=0):
            self.assertEqual(self.client.get("/readyz").json()["status"], "ok")


class HangingDatabaseTests(SimpleTestCase):
    """The app under gunicorn with a "PostgreSQL" that accepts connections and never answers."""

    def setUp(self):
        self.silent = socket.socket()
        self.silent.bind(("127.0.0.1", free_port()))
        self.silent.listen(16)  # the kernel completes the handshakes; nothing ever replies
        self.addCleanup(self.silent.close)
        port = self.silent.getsockname()[1]
        self.server = AppServer(
            DATABASE_URL=f"postgres://probe:hunter2@127.0.0.1:{port}/nothing"
        ).start()
        self.addCleanup(self.server.stop)

    def test_a_hanging_database_is_named_within_about_a_second(self):
        # The worker's first request loads the app; probes of a running server come after that.
        self.assertEqual(self.server.request("GET", "/healthz"), (200, {"status": "ok"}))
        for _ in range(3):
            started = time.monotonic()
            status, body = self.server.request("GET", "/readyz")
            elapsed = time.monotonic() - started
            self.assertEqual(
                (status, body["code"], body["failed"]), (503, "service_unavailable", ["database"])
            )
            self.assertLess(elapsed, DEADLINE)
            self.assertNotIn("hunter2", str(body))
