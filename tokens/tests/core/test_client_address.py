"""One client address for the auth event log, the session record and the rate limits."""

from django.conf import settings
from django.test import override_settings

from tokens.models import AuthEvent, Session
from tokens.operations import overview
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    login_name,
    rate_limits,
)

PROXY = "10.0.0.1"


def behind_proxies(count: int):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": count})


@rate_limits(login_ip="2/min", login_username=None)
class ClientAddressTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def attempt(self, password="wrong", forwarded=None):
        headers = {"REMOTE_ADDR": PROXY}
        if forwarded is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": password},
            format="json",
            **headers,
        )

    @behind_proxies(1)
    def test_behind_a_proxy_events_sessions_and_throttles_see_the_client(self):
        self.assertEqual(self.attempt(forwarded="198.51.100.7, 203.0.113.9").status_code, 401)
        self.assertEqual(
            AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED).ip_address, "203.0.113.9"
        )
        self.assertEqual(overview.figures().failed_by_address, [("203.0.113.9", 1)])
        response = self.attempt(PASSWORD, forwarded="203.0.113.10")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            Session.objects.get(pk=response.json()["session_id"]).ip_address, "203.0.113.10"
        )
        # The per-address limit counts each client, not the proxy they all come through.
        self.assertEqual(self.attempt(PASSWORD, forwarded="203.0.113.10").status_code, 200)
        self.assertError(self.attempt(PASSWORD, forwarded="203.0.113.10"), 429, "throttled")
        self.assertEqual(self.attempt(PASSWORD, forwarded="203.0.113.11").status_code, 200)

    def test_without_proxies_the_header_counts_for_nothing(self):
        self.assertEqual(self.attempt(forwarded="203.0.113.9").status_code, 401)
        self.assertEqual(AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED).ip_address, PROXY)
        self.clock.advance(1)  # the failure's wait, which the proxy's address now serves
        self.assertEqual(self.attempt(PASSWORD, forwarded="203.0.113.10").status_code, 200)
        self.assertError(self.attempt(PASSWORD, forwarded="203.0.113.11"), 429, "throttled")

    @behind_proxies(1)
    def test_an_entry_that_is_no_address_is_the_proxys(self):
        response = self.attempt(PASSWORD, forwarded="not-an-address")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Session.objects.get(pk=response.json()["session_id"]).ip_address, PROXY)
