from django.conf import settings
from django.core import checks
from django_redis import get_redis_connection
from prometheus_client.parser import text_string_to_metric_families

from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    bearer,
    login_name,
    make_user,
    rate_limits,
    token_settings,
)


def samples(exposition: str) -> dict:
    """``{(sample name, frozenset of labels): value}`` of a Prometheus text exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


class ScrapeMixin:
    """Read /metrics back, and how much a call moved one sample."""

    def scrape(self) -> dict:
        response = self.client.get("/metrics")
        self.assertEqual(response.status_code, 200)
        return samples(response.content.decode())

    def delta(self, call, name, **labels) -> float:
        before = value(self.scrape(), name, **labels)
        with self.captureOnCommitCallbacks(execute=True):
            call()
        return value(self.scrape(), name, **labels) - before


@token_settings(METRICS_ACCESS="open")
class MetricsTests(ScrapeMixin, AuthAPITestCase):
    """Each outcome counted where it is decided, read back through /metrics (real requests, real
    Redis).
    """

    def test_the_exposition_is_prometheus_text_and_every_outcome_starts_at_zero(self):
        response = self.client.get("/metrics", HTTP_ACCEPT="text/plain")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        families = {
            family.name for family in text_string_to_metric_families(response.content.decode())
        }
        self.assertTrue(
            {
                "auth_logins",
                "auth_refreshes",
                "auth_revocations",
                "auth_unavailable_responses",
                "auth_store_misses",
                "auth_authentication_seconds",
                "auth_degraded",
                "auth_degraded_entries",
                "auth_degraded_answers",
            }
            <= families,
            families,
        )
        found = self.scrape()
        for outcome in ("succeeded", "failed", "throttled"):
            self.assertIn(("auth_logins_total", frozenset({("outcome", outcome)})), found)
        for outcome in ("rotated", "grace", "reused", "revoked", "expired"):
            self.assertIn(("auth_refreshes_total", frozenset({("outcome", outcome)})), found)
        openmetrics = self.client.get(
            "/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0"
        )
        self.assertTrue(openmetrics["Content-Type"].startswith("application/openmetrics-text"))
        self.assertTrue(openmetrics.content.decode().endswith("# EOF\n"))

    def test_logins_by_outcome(self):
        def login(password):
            return self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": password},
                format="json",
            )

        self.assertEqual(
            self.delta(lambda: login(PASSWORD), "auth_logins_total", outcome="succeeded"), 1
        )
        self.assertEqual(
            self.delta(lambda: login("wrong"), "auth_logins_total", outcome="failed"), 1
        )
        get_redis_connection("default").flushdb()  # the counts of the two logins above
        with rate_limits(login_ip="1/min"):
            self.assertEqual(
                self.delta(
                    lambda: [login("wrong") for _ in range(3)],
                    "auth_logins_total",
                    outcome="throttled",
                ),
                2,
            )

    def test_refreshes_by_outcome(self):
        clock = FrozenClock().install(self)
        pair = self.login()
        self.assertEqual(
            self.delta(
                lambda: self.refresh(pair["refresh_token"]),
                "auth_refreshes_total",
                outcome="rotated",
            ),
            1,
        )
        self.assertEqual(
            self.delta(
                lambda: self.refresh(pair["refresh_token"]), "auth_refreshes_total", outcome="grace"
            ),
            1,
        )
        clock.advance(11)
        self.assertEqual(
            self.delta(
                lambda: self.refresh(pair["refresh_token"]),
                "auth_refreshes_total",
                outcome="reused",
            ),
            1,
        )
        other = self.login()
        self.client.post("/api/auth/logout/", **bearer(other["access_token"]))
        self.assertEqual(
            self.delta(
                lambda: self.refresh(other["refresh_token"]),
                "auth_refreshes_total",
                outcome="revoked",
            ),
            1,
        )
        late = self.login()
        clock.advance(604800)
        self.assertEqual(
            self.delta(
                lambda: self.refresh(late["refresh_token"]),
                "auth_refreshes_total",
                outcome="expired",
            ),
            1,
        )
        self.assertEqual(
            self.delta(
                lambda: self.refresh("not-a-token"), "auth_refreshes_total", outcome="invalid"
            ),
            1,
        )

    def test_revocations_by_reason_once_committed(self):
        pair = self.login()

        def logout():
            return self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))

        self.assertEqual(self.delta(logout, "auth_revocations_total", reason="logout"), 1)
        self.login(), self.login()

        def logout_all():
            return self.client.post("/api/auth/logout-all/", **bearer(self.login()["access_token"]))

        self.assertEqual(self.delta(logout_all, "auth_revocations_total", reason="logout_all"), 3)

    def test_misses_answered_from_the_database(self):
        pair = self.login()
        get_redis_connection("default").flushdb()

        def me():
            return self.me(pair["access_token"])

        self.assertEqual(self.delta(me, "auth_store_misses_total"), 1)
        self.assertEqual(self.delta(me, "auth_store_misses_total"), 0, "the copy was seeded again")

    def test_authentication_latency_is_observed_for_every_presented_token(self):
        pair = self.login()
        self.assertEqual(
            self.delta(lambda: self.me(pair["access_token"]), "auth_authentication_seconds_count"),
            1,
        )
        self.assertEqual(
            self.delta(lambda: self.me("forged"), "auth_authentication_seconds_count"), 1
        )
        self.assertEqual(
            self.delta(
                lambda: self.client.get("/api/auth/me/"), "auth_authentication_seconds_count"
            ),
            0,
            "no token, nothing to time",
        )
        found = self.scrape()
        self.assertEqual(
            value(found, "auth_authentication_seconds_bucket", le="+Inf"),
            value(found, "auth_authentication_seconds_count"),
        )


class MetricsAccessTests(AuthAPITestCase):
    def test_open(self):
        with token_settings(METRICS_ACCESS="open"):
            self.assertEqual(self.client.get("/metrics").status_code, 200)

    def test_a_bearer_secret(self):
        with token_settings(
            METRICS_ACCESS="bearer", METRICS_BEARER_TOKEN="scrape-secret-0123456789"
        ):
            self.assertError(self.client.get("/metrics"), 401, "not_authenticated")
            self.assertError(
                self.client.get("/metrics", **bearer("scrape-secret-012345678")),
                401,
                "not_authenticated",
            )
            self.assertError(
                self.client.get("/metrics", **bearer(self.login()["access_token"])),
                401,
                "not_authenticated",
            )
            self.assertEqual(
                self.client.get("/metrics", **bearer("scrape-secret-0123456789")).status_code, 200
            )

    def test_staff_by_admin_session_or_access_token(self):
        staff = make_user("staff", is_staff=True)
        with token_settings(METRICS_ACCESS="staff"):
            self.assertError(self.client.get("/metrics"), 401, "not_authenticated")
            self.assertError(
                self.client.get("/metrics", **bearer(self.login()["access_token"])),
                403,
                "permission_denied",
            )
            self.assertEqual(
                self.client.get(
                    "/metrics", **bearer(self.login("staff")["access_token"])
                ).status_code,
                200,
            )
            self.client.force_login(staff)
            self.assertEqual(self.client.get("/metrics").status_code, 200)
            self.client.force_login(self.user)
            self.assertError(self.client.get("/metrics"), 403, "permission_denied")

    def test_staff_is_the_default(self):
        self.assertEqual(settings.TOKENS["METRICS_ACCESS"], "staff")
        self.assertError(self.client.get("/metrics"), 401, "not_authenticated")

    def test_a_bad_access_setting_is_a_configuration_error(self):
        cases = {
            "tokens.E007": {"METRICS_ACCESS": "public"},
            "tokens.E008": {"METRICS_ACCESS": "bearer", "METRICS_BEARER_TOKEN": ""},
        }
        for error, overrides in cases.items():
            with self.subTest(error), token_settings(**overrides):
                self.assertIn(
                    error, [found.id for found in checks.run_checks(tags=[checks.Tags.security])]
                )
