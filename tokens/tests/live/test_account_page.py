"""The account page in headless Chromium, with the mail it makes the server send caught by a real
SMTP server in this process: sign up, the verification link, log in, sessions, password and e-mail
changes (with the re-authentication prompt), and a password reset through the mailed link.
Screenshots are kept in var/test-artifacts/.
"""

import email
import re
import time
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from tokens.models import Session
from tokens.tests.chromium import (
    ARTIFACTS,
    BrowserTestCase,
    confirm,
    page_login,
    project_user_model,
    requires_chromium,
)
from tokens.tests.servers import free_port
from tokens.tests.support import PASSWORD, FrozenClock, make_user

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)


class MailCatcher:
    """An SMTP server (aiosmtpd) on a free port of this machine, keeping every mail it receives."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def settings(self):
        """``override_settings`` sending the project's mail here."""
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        )

    def key(self, to: str, parameter: str, timeout: float = 5.0) -> str:
        """The key of the newest mailed link ``/?<parameter>=<key>`` sent to ``to``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if to not in message["To"]:
                    continue
                text = message.get_body(("plain",)).get_content()
                found = re.search(rf"[?&]{parameter}=([^\s&\"'<>]+)", text)
                if found:
                    return found.group(1)
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} with a ?{parameter}= link")


@requires_chromium
@project_user_model
class AccountPageTests(BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mail = MailCatcher()
        cls.mail.controller.start()
        cls.addClassCleanup(cls.mail.controller.stop)

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.mail.messages.clear()
        mail_settings = self.mail.settings()
        mail_settings.enable()
        self.addCleanup(mail_settings.disable)

    def field_error(self, page, input_id: str) -> str:
        """The message shown under an input, once the page marked the input invalid."""
        page.wait_for_selector(f"#{input_id}[aria-invalid=true]")
        slot = page.locator(f"#{input_id}").get_attribute("aria-describedby").split()[-1]
        return page.inner_text(f"#{slot}")

    def screenshot(self, page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        page.screenshot(path=str(path), full_page=True)
        print(f"\nscreenshot: {path}")
        self.assertGreater(path.stat().st_size, 10_000)
        return path

    def test_sign_up_verify_log_in_sessions_change_address_and_reset(self):
        page = self.open_account_page()
        page.set_viewport_size({"width": 1280, "height": 900})

        # Sign up: a short password is refused next to the password field.
        page.fill("#register-username", "carol")
        page.fill("#register-email", "carol@example.com")
        page.fill("#register-password", "short")
        page.click("#register-submit")
        self.assertTrue(self.field_error(page, "register-password"))
        self.screenshot(page, "account-page-signed-out.png")
        page.fill("#register-password", PASSWORD)
        page.click("#register-submit")
        page.wait_for_selector("#register-done:not([hidden])")
        self.assertFalse(page.locator("#register-password").get_attribute("aria-invalid"))

        # Not verified yet: the login form says so and offers the mail again.
        page.fill("#login-username", "carol@example.com")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#resend-form:not([hidden])")
        self.assertEqual(page.input_value("#resend-email"), "carol@example.com")
        page.click("#resend-submit")
        page.wait_for_selector("#resend-sent:not([hidden])")

        # The mailed link verifies the address, and leaves the address bar.
        key = self.mail.key("carol@example.com", "verify")
        page.close()
        page = self.open_account_page(f"?verify={key}")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_selector("#notice:not([hidden])")
        self.assertEqual(page.get_attribute("#notice", "data-kind"), "success")
        self.assertIn("carol@example.com", page.inner_text("#notice"))
        self.assertEqual(page.evaluate("location.search"), "")

        # Log in; this browser's session and another one, each by a readable device name.
        Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS).post(
            "/api/auth/login/",
            {"username": "carol", "password": PASSWORD},
            content_type="application/json",
        )
        page_login(page, "carol")
        self.assertEqual(page.inner_text("#username"), "carol")
        page.wait_for_selector("#sessions li:nth-child(2)")
        current = page.locator("#sessions li[data-current] .device").inner_text()
        self.assertIn("This device", current)
        self.assertRegex(current, r"Chrome on Linux")
        other = page.locator("#sessions li:not([data-current])")
        self.assertEqual(other.locator(".device").inner_text(), "Firefox on Windows")
        self.assertEqual(page.inner_text("#profile-email"), "carol@example.com")
        self.screenshot(page, "account-page.png")

        # Revoke the other session.
        other_id = other.get_attribute("data-session-id")
        other.locator("button.revoke").click()
        confirm(page)
        page.wait_for_selector(f"#sessions li[data-session-id='{other_id}']", state="detached")
        self.assertEqual(Session.objects.get(pk=other_id).state, "revoked")
        self.assertEqual(page.locator("#sessions li").count(), 1)

        # Change the password: a wrong current one is refused at its field.
        page.fill("#password-old", "not-the-password")
        page.fill("#password-new", "b-new-horse-battery-5")
        page.click("#password-submit")
        self.assertTrue(self.field_error(page, "password-old"))
        # A wrong current password is a failed login of the account: this browser waits a second.
        self.clock.advance(1)
        page.fill("#password-old", PASSWORD)
        page.click("#password-submit")
        page.wait_for_selector("#password-changed:not([hidden])")
        self.assertFalse(page.locator("#password-old").get_attribute("aria-invalid"))

        # Change the address: a bad one is refused at the field; five minutes after the login a
        # good one first needs the password again, then gets its link.
        page.fill("#email-new", "not an address")
        page.click("#email-submit")
        self.assertTrue(self.field_error(page, "email-new"))
        self.clock.advance(301)
        page.fill("#email-new", "carol.new@example.com")
        page.click("#email-submit")
        page.wait_for_selector("#reauth-dialog[open]")
        page.fill("#reauth-password", "b-new-horse-battery-5")
        page.click("#reauth-submit")
        page.wait_for_selector("#email-sent:not([hidden])")
        self.assertFalse(page.locator("#reauth-dialog").is_visible())
        self.assertFalse(page.locator("#email-new").get_attribute("aria-invalid"))
        key = self.mail.key("carol.new@example.com", "verify")
        page.close()
        page = self.open_account_page(f"?verify={key}")
        page.wait_for_selector("#notice:not([hidden])")
        page.wait_for_selector("#profile-email:has-text('carol.new@example.com')")
        carol = get_user_model().objects.get(username="carol")
        self.assertEqual(carol.email, "carol.new@example.com")

        # Forgot the password: the reset link sets a new one and ends every session.
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        page.click("#forgot-toggle")
        page.fill("#forgot-email", "carol.new@example.com")
        page.click("#forgot-submit")
        page.wait_for_selector("#forgot-sent:not([hidden])")
        key = self.mail.key("carol.new@example.com", "reset")
        page.close()
        page = self.open_account_page(f"?reset={key}")
        page.wait_for_selector("#reset-view:not([hidden])")
        self.assertTrue(page.locator("#login-view").is_hidden())
        page.fill("#reset-new-password", "carol")
        page.click("#reset-confirm-submit")
        self.assertTrue(self.field_error(page, "reset-new-password"))
        page.fill("#reset-new-password", "a-new-horse-battery-7")
        page.click("#reset-confirm-submit")
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertEqual(page.get_attribute("#notice", "data-kind"), "success")
        page_login(page, "carol.new@example.com", "a-new-horse-battery-7")
        self.assertEqual(page.inner_text("#username"), "carol")

        # The used link does not work twice; the page says so as it opens, before a new password
        # is typed, and offers a new link.
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        page.close()
        page = self.open_account_page(f"?reset={key}")
        page.wait_for_selector("#reset-dead:not([hidden])")
        self.assertTrue(page.locator("#reset-confirm-form").is_hidden())
        self.assertTrue(page.inner_text("#reset-dead-text"))
        page.click("#reset-dead-back")
        page.wait_for_selector("#forgot-form:not([hidden])")
        self.assertEqual(page.evaluate("document.activeElement.id"), "forgot-email")

    def test_wrong_password_and_unknown_link(self):
        make_user()
        page = self.open_account_page("?verify=not-a-key")
        page.wait_for_selector("#notice[data-kind=error]:not([hidden])")
        page.fill("#login-username", "alice")
        page.fill("#login-password", "wrong")
        page.click("#login-submit")
        page.wait_for_selector("#login-error:not(:empty)")
        self.assertTrue(page.locator("#app-view").is_hidden())
        self.assertTrue(page.locator("#resend-form").is_hidden())
