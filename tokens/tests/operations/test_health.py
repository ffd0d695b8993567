import time

from django.conf import settings

from tokens.store import epoch as store_epoch
from tokens.tests.servers import free_port
from tokens.tests.support import AuthAPITestCase, count_redis_round_trips, token_settings

# "Within about a second": the timeouts are 0.5 s; allow for a slow, shared machine.
DEADLINE = 1.5


class ProbeMixin:
    def timed_get(self, path, **headers):
        started = time.monotonic()
        response = self.client.get(path, **headers)
        return response, time.monotonic() - started

    def assertNoSecrets(self, response):
        body = response.content.decode()
        for secret in ("redis://", "unix://", "postgres", "sqlite", "SECRET", "password"):
            self.assertNotIn(secret, body)


class HealthTests(ProbeMixin, AuthAPITestCase):
    def test_healthz_answers_without_credentials_and_touches_nothing(self):
        # A browser's Accept included: it gets JSON, not the browsable API (which would read the
        # session).
        for accept in ("*/*", "text/html,application/xhtml+xml", "text/plain"):
            with self.subTest(accept), self.assertNumQueries(0), count_redis_round_trips() as sent:
                response = self.client.get(
                    "/healthz", HTTP_AUTHORIZATION="Bearer not-a-token", HTTP_ACCEPT=accept
                )
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json(), {"status": "ok"})
            self.assertEqual(sent, [])

    def test_probes_are_not_redirected_to_https(self):
        with self.settings(SECURE_SSL_REDIRECT=True):
            self.assertEqual(self.client.get("/healthz").status_code, 200)
            self.assertEqual(self.client.get("/readyz").status_code, 200)
            # Pages are redirected; the API refuses (tokens/tests/browser/test_plain_http.py).
            self.assertEqual(self.client.get("/").status_code, 301)


class StoreConnectionReadinessTests(ProbeMixin, AuthAPITestCase):
    def test_readyz_pings_the_token_stores_cache_not_the_default_one(self):
        store = settings.CACHES["default"]
        nowhere = {**store, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
        stores = token_settings(CACHE_ALIAS="tokens")
        with self.settings(CACHES={"default": nowhere, "tokens": store}), stores:
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "ok")
        self.addCleanup(store_epoch.reset_for_tests)  # the breaker opens on the next probe
        with self.settings(CACHES={"default": store, "tokens": nowhere}), stores:
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}},
        )
