"""A Django admin session left open, or kept busy for too long, ends by itself (OWASP ASVS 5.0
V7.3.1 and V7.3.2): an unattended staff browser, or a stolen admin cookie, is good for 30 minutes
of silence and 12 hours in all, not for the 14 days of Django's session cookie.
"""

from django.conf import settings
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client, TestCase

from tokens.admin_sessions import LAST_SEEN_AT, LAST_SEEN_EVERY
from tokens.conf import DEFAULTS
from tokens.tests.support import (
    PASSWORD,
    FrozenClock,
    bearer,
    login_name,
    make_user,
    token_settings,
    without_rate_limits,
)

MINUTE, HOUR = 60, 3600


@without_rate_limits()
class AdminSessionLimitTests(TestCase):
    def setUp(self):
        self.clock = FrozenClock().install(self)
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.browser = Client()
        self.browser.force_login(self.staff)
        self.assertSignedIn()

    def assertSignedIn(self):
        self.assertEqual(self.browser.get("/admin/").status_code, 200)

    def assertSignedOut(self):
        response = self.browser.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"), response["Location"])

    def test_the_defaults_are_nists_aal2_limits(self):
        self.assertEqual(DEFAULTS["ADMIN_SESSION_IDLE"], 30 * MINUTE)
        self.assertEqual(DEFAULTS["ADMIN_SESSION_ABSOLUTE"], 12 * HOUR)

    def test_a_session_left_idle_ends_and_its_cookie_opens_nothing(self):
        key = self.browser.cookies[settings.SESSION_COOKIE_NAME].value
        self.clock.advance(29 * MINUTE)
        self.assertSignedIn()
        self.clock.advance(29 * MINUTE)
        self.assertSignedIn()  # each request restarts the idle clock
        self.clock.advance(30 * MINUTE)
        self.assertSignedOut()
        self.assertFalse(DjangoSession.objects.filter(session_key=key).exists())
        # The old cookie, sent again, is no session at all.
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = key
        self.assertEqual(replay.get("/admin/").status_code, 302)

    def test_a_busy_session_ends_at_the_absolute_limit(self):
        for _ in range(12 * 3 - 1):
            self.clock.advance(20 * MINUTE)
            self.assertSignedIn()
        self.clock.advance(20 * MINUTE)  # 12 hours after the sign-in, never idle for long
        self.assertSignedOut()

    def test_a_new_sign_in_starts_the_clocks_again(self):
        for _ in range(11 * 3):
            self.clock.advance(20 * MINUTE)
            self.assertSignedIn()
        # Signing in again in the same session (Django keeps its data) restarts the 12 hours.
        self.browser.force_login(self.staff)
        for _ in range(2 * 3):
            self.clock.advance(20 * MINUTE)
            self.assertSignedIn()

    def test_the_limits_are_settings(self):
        with token_settings(ADMIN_SESSION_IDLE=5 * MINUTE, ADMIN_SESSION_ABSOLUTE=HOUR):
            self.clock.advance(4 * MINUTE)
            self.assertSignedIn()
            self.clock.advance(5 * MINUTE)
            self.assertSignedOut()

    def test_requests_within_a_minute_write_nothing_to_the_session(self):
        seen = self.browser.session[LAST_SEEN_AT]
        self.clock.advance(LAST_SEEN_EVERY - 1)
        self.assertSignedIn()
        self.assertEqual(self.browser.session[LAST_SEEN_AT], seen)
        self.clock.advance(1)
        self.assertSignedIn()
        self.assertEqual(self.browser.session[LAST_SEEN_AT], seen + LAST_SEEN_EVERY)

    def test_a_session_signed_in_before_the_limits_starts_them_at_its_next_request(self):
        session = self.browser.session
        for name in list(session.keys()):
            if name.startswith("_tokens_"):
                del session[name]
        session.save()
        self.clock.advance(10 * HOUR)
        self.assertSignedIn()
        self.clock.advance(25 * MINUTE)
        self.assertSignedIn()

    def test_token_requests_from_the_staff_browser_read_no_session(self):
        # The admin's cookie goes along with every request of the browser; the API's token paths
        # must not pay a session read for it.
        response = self.browser.post(
            "/api/auth/login/",
            {"username": login_name("staff"), "password": PASSWORD},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200)
        access = response.json()["access_token"]
        self.browser.get("/api/auth/session/", **bearer(access))
        with self.assertNumQueries(0):
            self.assertEqual(
                self.browser.get("/api/auth/session/", **bearer(access)).status_code, 200
            )
        self.clock.advance(HOUR)
        self.assertSignedOut()
