"""The account page in English and in Simplified Chinese, in headless Chromium: the language a
browser asks for (``Accept-Language``) or the one picked with the page's switch, for the template's
words and the scripts' (the djangojs catalogue); error codes unchanged; and axe-core finding no
serious or critical violation in any state, the second step's code and the recovery codes too, in
either language at 1280 and 390 px. Screenshots of each state are kept in var/test-artifacts/.
"""

import gettext as gettext_module
import json
import re
import unittest
from pathlib import Path

import pyotp
from django.conf import settings
from django.utils import translation

import tokens
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
from tokens.tests.live.test_page_ux import AXE, SIZES, serious_violations, throttled
from tokens.tests.support import PASSWORD, make_user

# Playwright's locale: the browser's Accept-Language and navigator.language.
BROWSER_LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
SCRIPTS_LOCALE = Path(tokens.__file__).resolve().parent / "locale"


def page_text(language: str, message: str) -> str:
    """``message`` of the page's template in ``language``."""
    with translation.override(language):
        return translation.gettext(message)


def script_text(language: str, message: str, **values) -> str:
    """``message`` of the page's scripts in ``language`` (the djangojs catalogue), filled in."""
    if language != "en":
        catalogue = gettext_module.translation(
            "djangojs", SCRIPTS_LOCALE, [translation.to_locale(language)]
        )
        message = catalogue.gettext(message)
    return message % values if values else message


class LanguageTestCase(SignedInPageTestCase):
    def setUp(self):
        super().setUp()
        # The pairs a test compares must differ, or a missing translation would pass unseen.
        self.assertNotEqual(page_text("zh-hans", "Log in"), "Log in")
        self.assertNotEqual(script_text("zh-hans", "This device"), "This device")

    def context_in(self, language: str, bypass_csp: bool = False):
        context = self.browser.new_context(locale=BROWSER_LOCALES[language], bypass_csp=bypass_csp)
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        return context

    def open_in(self, context, path: str = "/"):
        page = context.new_page()
        page.goto(self.live_server_url + path)
        page.evaluate("window.accountPage.ready")
        return page

    def assertSpeaks(self, page, language: str):
        """The page drawn in ``language``: ``<html lang>``, a template's words and a script's."""
        self.assertEqual(page.get_attribute("html", "lang"), language)
        self.assertEqual(page.inner_text("#login-title"), page_text(language, "Log in"))
        self.assertEqual(
            page.evaluate("gettext('This device')"), script_text(language, "This device")
        )


@requires_chromium
@project_user_model
class LanguageSwitchTests(LanguageTestCase):
    def switch_to(self, page, language: str):
        with page.expect_navigation():
            page.click(f"#language-form button[value='{language}']")
        page.evaluate("window.accountPage.ready")

    def test_signed_out_the_switch_wins_over_the_browsers_language_and_stays(self):
        context = self.context_in("zh-hans")
        page = self.open_in(context)
        self.assertSpeaks(page, "zh-hans")
        self.switch_to(page, "en")
        self.assertSpeaks(page, "en")
        language_cookie = next(
            c for c in context.cookies() if c["name"] == settings.LANGUAGE_COOKIE_NAME
        )
        self.assertEqual(language_cookie["value"], "en")
        page.reload()
        page.evaluate("window.accountPage.ready")
        self.assertSpeaks(page, "en")

    def test_signed_in_the_switch_keeps_the_session(self):
        context = self.context_in("en")
        page = self.open_in(context)
        page_login(page)
        session = Session.objects.get()
        self.switch_to(page, "zh-hans")
        wait_until_loaded(page)
        self.assertSpeaks(page, "zh-hans")
        badge = page.locator("#sessions li[data-current] .badge").inner_text()
        self.assertEqual(badge, script_text("zh-hans", "This device"))
        # The same session, still live: the switch touched no token.
        self.assertEqual(Session.objects.get().pk, session.pk)
        self.assertEqual(Session.objects.get().state, "live")
        self.switch_to(page, "en")
        wait_until_loaded(page)
        self.assertSpeaks(page, "en")


@requires_chromium
@project_user_model
class ChineseStatesTests(LanguageTestCase):
    """Each state of the page in Chinese, as a Chinese browser gets it; the codes stay the same."""

    def test_log_in_sign_up_throttled_sessions_factors_codes_and_second_step(self):
        page = self.open_in(self.context_in("zh-hans"))
        self.assertSpeaks(page, "zh-hans")
        self.assertEqual(
            page.inner_text("#register-title"), page_text("zh-hans", "Create an account")
        )
        self.assertEqual(
            page.inner_text("label[for=login-password]"), page_text("zh-hans", "Password")
        )

        # A 429 counts down in Chinese.
        page.route("**/api/auth/login/", throttled)
        page.fill("#login-username", "alice")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#login-form[data-throttled]")
        countdown = script_text(
            "zh-hans", "Too many attempts. Try again in %(seconds)s s.", seconds="\0"
        )
        pattern = re.escape(countdown).replace("\0", "[12]")
        self.assertRegex(page.inner_text("#login-error"), pattern)
        page.unroute("**/api/auth/login/")
        page.wait_for_selector("#login-form:not([data-throttled])", timeout=5000)

        # Signed in: the sessions, one begun at an identity provider (its name as the API gives it).
        page.route("**/api/auth/sessions/", with_provider("Google"))
        page.click("#login-submit")
        wait_until_loaded(page)
        current = page.locator("#sessions li[data-current]")
        self.assertEqual(
            current.locator(".badge").inner_text(), script_text("zh-hans", "This device")
        )
        self.assertEqual(
            current.locator(".via").inner_text(),
            script_text("zh-hans", "via %(provider)s", provider="Google"),
        )
        self.assertIn(
            script_text("zh-hans", "Signed in %(when)s", when="").strip(),
            current.locator(".meta").inner_text(),
        )

        # The factors: the status, then the recovery codes once the app is set up.
        page.wait_for_selector("#totp-status:not(:empty)")
        self.assertEqual(page.inner_text("#totp-status"), script_text("zh-hans", "Off."))
        page.click("#totp-setup")
        page.wait_for_selector("#totp-form:not([hidden])")
        totp = pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", ""))
        page.fill("#totp-code", totp.at(self.clock.current))
        page.click("#totp-confirm")
        page.wait_for_selector("#recovery-panel:not([hidden])")
        self.assertEqual(
            page.inner_text("#notice-text"),
            script_text(
                "zh-hans",
                "Your authenticator app is set up: logging in now asks for one of its codes.",
            ),
        )
        page.wait_for_selector("#recovery-renew:not([hidden])")
        self.assertEqual(
            page.inner_text("#recovery-status"),
            script_text("zh-hans", "%(count)s of 10 left.", count=10),
        )
        self.assertEqual(
            page.inner_text("#recovery-done"), page_text("zh-hans", "I have saved them")
        )
        page.click("#recovery-done")

        # The second step: a wrong code is refused in Chinese, under the same code.
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        self.clock.advance(30)
        page.fill("#login-username", "alice")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#mfa-form:not([hidden])")
        self.assertEqual(
            page.inner_text("#mfa-hint"),
            script_text(
                "zh-hans",
                "Enter the 6-digit code from your authenticator app, or one of your recovery "
                "codes.",
            ),
        )
        page.fill("#mfa-code", "000000" if totp.at(self.clock.current) != "000000" else "111111")
        with page.expect_response("**/api/auth/login/mfa/") as answer:
            page.click("#mfa-submit")
        self.assertEqual(answer.value.json()["code"], "invalid_code")
        page.wait_for_selector("#mfa-code[aria-invalid=true]")
        self.assertIn(
            script_text("zh-hans", "The code is wrong, already used or expired."),
            page.inner_text("#mfa-form"),
        )
        page.click("#mfa-recovery")
        self.assertEqual(
            page.inner_text("#mfa-code-label"), script_text("zh-hans", "Recovery code")
        )


def with_provider(name: str):
    """A route that hands the page GET sessions/ with ``provider`` on the current session, as the
    API does for a session begun at an outside identity provider.
    """

    def handle(route):
        response = route.fetch()
        sessions = response.json()
        for session in sessions:
            if session.get("current"):
                session["provider"] = name
        route.fulfill(response=response, body=json.dumps(sessions))

    return handle


@requires_chromium
@project_user_model
class AccessibilityInBothLanguagesTests(LanguageTestCase):
    """axe-core on every state, the TOTP code step and the recovery codes included, in English
    and in Chinese at both sizes (the page_ux tests cover the other dialogs in English).
    """

    def setUp(self):
        if not AXE.is_file():
            raise unittest.SkipTest(f"axe-core not found at {AXE}: `make tools` installs it")
        super().setUp()

    def check(self, page, language: str, state: str, size: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"lang-{language}-{state}-{size}.png"
        page.screenshot(path=str(shot), full_page=True)
        # Nothing wider than the window: a long word or a row of buttons would scroll sideways.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        self.assertLessEqual(overflow, 0, f"{state} at {size} in {language} scrolls sideways")
        bad = serious_violations(page)
        self.assertEqual(bad, [], f"{state} at {size} in {language}")

    def states(self, language: str, size: str, username: str):
        context = self.context_in(language, bypass_csp=True)
        page = self.open_in(context)
        page.set_viewport_size(SIZES[size])
        self.assertSpeaks(page, language)
        self.check(page, language, "signed-out", size)
        page.route("**/api/auth/login/", throttled)
        page.fill("#login-username", username)
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#login-form[data-throttled]")
        self.check(page, language, "throttled", size)
        page.unroute("**/api/auth/login/")
        page.wait_for_selector("#login-form:not([data-throttled])", timeout=5000)
        page.route("**/api/auth/sessions/", with_provider("Google"))
        page.click("#login-submit")
        wait_until_loaded(page)
        self.check(page, language, "signed-in", size)
        demo = self.open_in(context, "/demo/")
        demo.set_viewport_size(SIZES[size])
        wait_until_loaded(demo)
        self.check(demo, language, "demo", size)
        demo.close()
        page.click("#btn-logout-all")
        page.wait_for_selector("#confirm-dialog[open]")
        self.check(page, language, "confirm", size)
        page.keyboard.press("Escape")
        page.click("#totp-setup")
        page.wait_for_selector("#totp-form:not([hidden])")
        self.check(page, language, "totp-setup", size)
        totp = pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", ""))
        page.fill("#totp-code", totp.at(self.clock.current))
        page.click("#totp-confirm")
        page.wait_for_selector("#recovery-panel:not([hidden])")
        self.check(page, language, "recovery-codes", size)
        page.click("#recovery-done")
        # Past the re-authentication window: turning the app off asks for a code first.
        self.clock.advance(301)
        page.click("#totp-disable")
        confirm(page)
        page.wait_for_selector("#reauth-dialog[open]")
        self.check(page, language, "reauthenticate", size)
        page.keyboard.press("Escape")
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        page.fill("#login-username", username)
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#mfa-form:not([hidden])")
        self.check(page, language, "code-step", size)
        page.fill("#mfa-code", "000000" if totp.at(self.clock.current) != "000000" else "111111")
        page.click("#mfa-submit")
        page.wait_for_selector("#mfa-code[aria-invalid=true]")
        self.check(page, language, "code-refused", size)
        page.close()
        dead = self.open_in(context, "/?reset=not-a-key")
        dead.set_viewport_size(SIZES[size])
        dead.wait_for_selector("#reset-dead:not([hidden])")
        self.check(dead, language, "reset-link-used", size)
        dead.close()

    def test_every_state_in_both_languages_at_both_sizes(self):
        for language in ("en", "zh-hans"):
            for size in SIZES:
                with self.subTest(language=language, size=size):
                    username = f"{language[:2]}{size}"
                    make_user(username)
                    self.states(language, size, username)
