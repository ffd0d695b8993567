"""The account page as a person meets it, in headless Chromium: a session ended elsewhere says why,
destructive actions ask first, a throttled form counts its wait down and keeps what was typed, the
tokens view lives on the demo page only and a logout leaves nothing of the user on screen, and
axe-core finds no serious or critical accessibility violation in any state, at 1280 and 390 px.
Screenshots of each state are kept in var/test-artifacts/.
"""

import json
import unittest
from pathlib import Path

from django.test import Client

from tokens.core.revocation import revoke
from tokens.models import Session
from tokens.tests.chromium import (
    ARTIFACTS,
    SignedInPageTestCase,
    confirm,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.support import PASSWORD

# axe-core from npm (``make tools`` installs it under var/axe, which git ignores).
AXE = Path(__file__).resolve().parents[3] / "var/axe/node_modules/axe-core/axe.min.js"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def serious_violations(page) -> list:
    """axe-core's serious and critical findings on the page: rule, impact, the first three nodes."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (violation["id"], violation["impact"], [n["target"] for n in violation["nodes"]][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def throttled(route):
    """A 429 as the API's throttles answer it, with a two-second wait."""
    route.fulfill(
        status=429,
        headers={"Retry-After": "2", "Content-Type": "application/json"},
        body=json.dumps({"detail": "Request was throttled.", "code": "throttled"}),
    )


@requires_chromium
@project_user_model
class SignedOutReasonTests(SignedInPageTestCase):
    def test_a_session_ended_elsewhere_says_why_at_the_next_action(self):
        # The session's reason as stored, and as the API names it in ``token_revoked``.
        for stored, reason in (
            ("admin", "revoked"),
            ("password_changed", "password_changed"),
            ("reuse_detected", "reuse_detected"),
        ):
            with self.subTest(reason=reason):
                page = self.signed_in_page()
                revoke(Session.objects.filter(user=self.user, revoked_at=None), stored)
                # The next action (here: an address change) finds the session gone.
                page.fill("#email-new", "alice.new@example.com")
                page.click("#email-submit")
                page.wait_for_selector("#login-view:not([hidden])")
                page.wait_for_selector("#notice:not([hidden])")
                self.assertEqual(page.get_attribute("#notice", "data-cause"), reason)
                self.assertEqual(page.get_attribute("#notice", "data-kind"), "error")
                self.assertTrue(page.inner_text("#notice-text"))
                self.assertEqual(page.evaluate("document.activeElement.id"), "login-username")
                page.close()

    def test_a_reload_after_a_logout_everywhere_says_so_too(self):
        page = self.signed_in_page()
        access = next(c for c in self.context.cookies() if c["name"].endswith("access_token"))
        response = Client().post(
            "/api/auth/logout-all/", HTTP_AUTHORIZATION="Bearer " + access["value"]
        )
        self.assertEqual(response.status_code, 204)
        page.reload()
        page.evaluate("window.accountPage.ready")
        page.wait_for_selector("#notice:not([hidden])")
        self.assertEqual(page.get_attribute("#notice", "data-cause"), "logout_all")

    def test_ones_own_logout_needs_no_explanation(self):
        page = self.signed_in_page()
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertTrue(page.locator("#notice").is_hidden())


@requires_chromium
@project_user_model
class ConfirmationTests(SignedInPageTestCase):
    def test_logging_out_everywhere_asks_first_and_escape_cancels(self):
        page = self.signed_in_page()
        page.click("#btn-logout-all")
        page.wait_for_selector("#confirm-dialog[open]")
        # A real modal dialog with the focus inside it.
        focused = page.evaluate("document.activeElement.closest('dialog')?.id")
        self.assertEqual(focused, "confirm-dialog")
        page.keyboard.press("Escape")
        page.wait_for_selector("#confirm-dialog:not([open])", state="attached")
        self.assertEqual(page.evaluate("document.activeElement.id"), "btn-logout-all")
        self.assertEqual(Session.objects.get().state, "live")
        self.assertTrue(page.locator("#app-view").is_visible())

        page.click("#btn-logout-all")
        confirm(page)
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertEqual(Session.objects.get().state, "revoked")

    def test_revoking_a_session_asks_first(self):
        Client().post(
            "/api/auth/login/",
            {"username": "alice", "password": PASSWORD},
            content_type="application/json",
        )
        page = self.signed_in_page()
        page.wait_for_selector("#sessions li:nth-child(2)")
        other = page.locator("#sessions li:not([data-current])")
        other_id = other.get_attribute("data-session-id")
        other.locator("button.revoke").click()
        page.wait_for_selector("#confirm-dialog[open]")
        page.click("#confirm-cancel")
        self.assertEqual(Session.objects.get(pk=other_id).state, "live")
        other.locator("button.revoke").click()
        confirm(page)
        page.wait_for_selector(f"#sessions li[data-session-id='{other_id}']", state="detached")
        self.assertEqual(Session.objects.get(pk=other_id).state, "revoked")


@requires_chromium
@project_user_model
class ThrottledFormTests(SignedInPageTestCase):
    def test_a_429_counts_down_keeps_the_input_and_comes_back(self):
        page = self.open_account_page()
        page.route("**/api/auth/login/", throttled)
        page.fill("#login-username", "alice")
        page.fill("#login-password", "typed-password")
        page.click("#login-submit")
        page.wait_for_selector("#login-form[data-throttled]")
        first = page.inner_text("#login-error")
        self.assertRegex(first, r"\b[12] s\b")
        self.assertTrue(page.locator("#login-submit").is_disabled())
        self.assertEqual(page.input_value("#login-username"), "alice")
        self.assertEqual(page.input_value("#login-password"), "typed-password")
        # The wait ends by itself: the form works again, its message gone.
        page.wait_for_selector("#login-form:not([data-throttled])", timeout=5000)
        self.assertTrue(page.locator("#login-submit").is_enabled())
        self.assertEqual(page.inner_text("#login-error"), "")
        page.unroute("**/api/auth/login/")
        page.click("#login-submit")
        page.wait_for_selector("#login-error:not(:empty)")


@requires_chromium
@project_user_model
class DemoPageTests(SignedInPageTestCase):
    def test_the_account_page_has_no_developer_panel_and_the_demo_page_has(self):
        page = self.signed_in_page()
        for selector in ("#activity", "#btn-me", "#refresh-log", "#countdown"):
            self.assertEqual(page.locator(selector).count(), 0, selector)
        demo = self.open_demo_page()
        wait_until_loaded(demo)
        demo.click("#btn-me")
        demo.wait_for_selector("#output:has-text('alice@example.com')")

    def test_a_logout_leaves_nothing_of_the_user_on_screen(self):
        page = self.signed_in_page()
        page.wait_for_selector("#sessions li")
        page.fill("#email-new", "alice.new@example.com")
        page.fill("#password-old", "half-typed")
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertNotIn("alice", page.inner_text("body"))
        # Hidden inputs hold the language switch's CSRF token and return path, nothing of a user.
        values = page.evaluate(
            "[...document.querySelectorAll('input:not([type=hidden])')].map((i) => i.value)"
        )
        self.assertFalse([value for value in values if value], values)
        self.assertEqual(page.locator("#sessions li").count(), 0)
        self.assertEqual(page.locator("#passkeys li").count(), 0)


@requires_chromium
@project_user_model
class AccessibilityTests(SignedInPageTestCase):
    """Every state of the page at both sizes: axe-core finds no serious or critical violation."""

    def setUp(self):
        if not AXE.is_file():
            raise unittest.SkipTest(
                f"axe-core not found at {AXE}: `make tools` (or `npm install --prefix var/axe "
                "axe-core`) installs it"
            )
        super().setUp()
        # axe is put into the page by the test; the page's own policy (no inline script) would
        # refuse it, and is checked elsewhere (PagePolicyTests, the CSP of each page).
        self.context = self.browser.new_context(bypass_csp=True)
        self.context.set_default_timeout(10_000)
        self.addCleanup(self.context.close)

    def check(self, page, state: str, size: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ux-{state}-{size}.png"), full_page=True)
        bad = serious_violations(page)
        self.assertEqual(bad, [], f"{state} at {size}")

    def test_every_state_at_both_sizes(self):
        for size, viewport in SIZES.items():
            with self.subTest(size=size):
                page = self.open_account_page()
                page.set_viewport_size(viewport)
                self.check(page, "signed-out", size)
                page.route("**/api/auth/login/", throttled)
                page.fill("#login-username", "alice")
                page.fill("#login-password", "wrong")
                page.click("#login-submit")
                page.wait_for_selector("#login-form[data-throttled]")
                self.check(page, "throttled", size)
                page.unroute("**/api/auth/login/")
                page.wait_for_selector("#login-form:not([data-throttled])", timeout=5000)
                page.click("#login-submit")
                page.wait_for_selector("#login-error:not(:empty)")
                self.check(page, "wrong-password", size)
                self.clock.advance(10)  # past the delay a wrong password earns
                page.fill("#login-password", PASSWORD)
                page.click("#login-submit")
                wait_until_loaded(page)
                self.check(page, "signed-in", size)
                page.click("#btn-logout-all")
                page.wait_for_selector("#confirm-dialog[open]")
                self.check(page, "confirm", size)
                page.keyboard.press("Escape")
                self.clock.advance(301)
                page.click("#totp-setup")
                page.wait_for_selector("#reauth-dialog[open]")
                self.check(page, "reauthenticate", size)
                page.keyboard.press("Escape")
                page.close()
                dead = self.open_account_page("?reset=not-a-key")
                dead.set_viewport_size(viewport)
                dead.wait_for_selector("#reset-dead:not([hidden])")
                self.check(dead, "reset-link-used", size)
                dead.close()
                demo = self.open_demo_page()
                demo.set_viewport_size(viewport)
                self.check(demo, "demo", size)
                demo.close()
                self.context.clear_cookies()
