"""The account page's "Where you are signed in" in headless Chromium: a second device signed in
from another browser, "Log out other devices" five minutes on (the re-authentication prompt,
cancelled once, then answered), and a revoke that needs the same prompt. Screenshots of the card at
1280 px are kept in var/test-artifacts/.
"""

import pyotp
from django.test import Client

from tokens.browser.cookies import refresh_cookie_name
from tokens.core import clock
from tokens.mfa.models import TotpFactor
from tokens.models import Session
from tokens.tests.chromium import (
    ARTIFACTS,
    TIMEOUT_MS,
    SignedInPageTestCase,
    confirm,
    page_login,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.support import PASSWORD

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
SESSIONS_CARD = "article:has(#sessions-title)"


@requires_chromium
@project_user_model
class SessionsPageTests(SignedInPageTestCase):
    def other_device(self):
        """Another browser (own cookies and storage, Firefox on Windows) signed in on the page."""
        context = self.browser.new_context(user_agent=FIREFOX_ON_WINDOWS)
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(self.live_server_url + "/")
        page.evaluate("window.accountPage.ready")
        page_login(page)
        refresh_token = next(c for c in context.cookies() if c["name"] == refresh_cookie_name())
        return page, refresh_token["value"]

    def screenshot(self, page, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        page.locator(SESSIONS_CARD).screenshot(path=str(path))
        print(f"\nscreenshot: {path}")

    def test_log_out_other_devices_after_the_prompt_keeps_this_one(self):
        other, other_refresh = self.other_device()
        page = self.signed_in_page()
        page.wait_for_selector("#sessions li:nth-child(2)")
        this_id = page.get_attribute("#sessions li[data-current]", "data-session-id")
        other_id = page.get_attribute("#sessions li:not([data-current])", "data-session-id")
        self.assertEqual(
            page.inner_text("#sessions li:not([data-current]) .device"), "Firefox on Windows"
        )
        self.screenshot(page, "account-page-sessions.png")

        # Five minutes on it needs the password again; cancelling the prompt changes nothing.
        self.clock.advance(301)
        page.click("#btn-logout-others")
        page.wait_for_selector("#reauth-dialog[open]")
        page.click("#reauth-cancel")
        page.wait_for_selector("#sessions-error:not(:empty)")
        self.assertEqual(page.locator("#sessions li").count(), 2)
        self.assertTrue(page.locator("#sessions-status").is_hidden())
        self.assertEqual(Session.objects.get(pk=other_id).state, "live")

        # Then with the password: every other session ends, this one goes on.
        page.click("#btn-logout-others")
        page.wait_for_selector("#reauth-dialog[open]")
        page.fill("#reauth-password", PASSWORD)
        page.click("#reauth-submit")
        page.wait_for_selector("#sessions-status:not([hidden])")
        self.assertEqual(page.inner_text("#sessions-status"), "Your other devices are logged out.")
        self.assertFalse(page.locator("#reauth-dialog").is_visible())
        self.assertEqual(page.inner_text("#sessions-error"), "")
        sessions = page.locator("#sessions li")
        self.assertEqual(sessions.count(), 1)
        self.assertEqual(sessions.get_attribute("data-session-id"), this_id)
        self.assertIsNotNone(sessions.get_attribute("data-current"))
        self.assertEqual(page.inner_text("#username"), "alice")
        self.screenshot(page, "account-page-sessions-others-logged-out.png")

        # The other device's refresh token is refused; that browser is back at the login form.
        response = Client().post(
            "/api/auth/refresh/", {"refresh_token": other_refresh}, content_type="application/json"
        )
        self.assertEqual((response.status_code, response.json()["code"]), (401, "token_revoked"))
        other.reload()
        other.wait_for_selector("#login-view:not([hidden])")

        # This one still works, after a reload too.
        page.reload()
        page.evaluate("window.accountPage.ready")
        wait_until_loaded(page)
        self.assertEqual(page.locator("#sessions li[data-current]").count(), 1)
        self.assertEqual(page.locator("#sessions li").count(), 1)
        self.assertEqual(Session.objects.get(pk=this_id).state, "live")

    def test_revoking_another_session_five_minutes_on_asks_for_the_password(self):
        Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS).post(
            "/api/auth/login/",
            {"username": "alice", "password": PASSWORD},
            content_type="application/json",
        )
        page = self.signed_in_page()
        page.wait_for_selector("#sessions li:nth-child(2)")
        other = page.locator("#sessions li:not([data-current])")
        other_id = other.get_attribute("data-session-id")

        self.clock.advance(301)
        other.locator("button.revoke").click()
        confirm(page)
        page.wait_for_selector("#reauth-dialog[open]")
        page.fill("#reauth-password", PASSWORD)
        page.click("#reauth-submit")
        page.wait_for_selector(f"#sessions li[data-session-id='{other_id}']", state="detached")
        self.assertEqual(Session.objects.get(pk=other_id).state, "revoked")
        self.assertEqual(page.locator("#sessions li").count(), 1)
        self.assertEqual(page.inner_text("#sessions-error"), "")
        self.assertEqual(page.inner_text("#username"), "alice")

    def test_with_a_second_factor_the_prompt_asks_for_a_code_not_the_password(self):
        Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS).post(
            "/api/auth/login/",
            {"username": "alice", "password": PASSWORD},
            content_type="application/json",
        )
        page = self.signed_in_page()
        page.wait_for_selector("#sessions li:nth-child(2)")
        other_id = page.get_attribute("#sessions li:not([data-current])", "data-session-id")
        # An authenticator app turned on meanwhile (from another device, say).
        secret = pyotp.random_base32()
        TotpFactor.objects.create(
            user=Session.objects.get(pk=other_id).user,
            secret=secret,
            confirmed_at=clock.to_datetime(clock.now()),
        )

        self.clock.advance(301)
        page.click("#btn-logout-others")
        page.wait_for_selector("#reauth-code-field:not([hidden])")
        self.assertTrue(page.locator("#reauth-password-field").is_hidden())
        page.fill("#reauth-code", pyotp.TOTP(secret).at(self.clock.current))
        page.click("#reauth-submit")
        page.wait_for_selector("#sessions-status:not([hidden])")
        self.assertEqual(Session.objects.get(pk=other_id).state, "revoked")
        self.assertEqual(page.inner_text("#sessions-error"), "")
