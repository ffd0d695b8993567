"""The account page's second factors in headless Chromium: TOTP set up from the QR code's secret,
recovery codes shown once, passkeys on DevTools' virtual authenticator (a login on their own, or the
second step after a password), and the re-authentication prompt before a sensitive action.

The live server is reached as ``http://localhost:<port>``: a secure context, so WebAuthn works, with
``localhost`` as the relying party id.
"""

from pathlib import Path

import pyotp

from tokens.mfa.models import TotpFactor
from tokens.models import Session
from tokens.tests.chromium import (
    ARTIFACTS,
    RequestLog,
    SignedInPageTestCase,
    confirm,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.support import PASSWORD

# DevTools' virtual authenticator: a platform authenticator holding discoverable credentials that
# verifies its user and answers without a touch.
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@requires_chromium
@project_user_model
class SecondFactorPageTests(SignedInPageTestCase):
    def signed_in_page(self):
        # WebAuthn needs a secure context: localhost is one.
        self.assertTrue(self.live_server_url.startswith("http://localhost:"))
        page = super().signed_in_page()
        page.wait_for_selector("#totp-status:not(:empty)")
        return page

    def add_authenticator(self, page) -> str:
        cdp = self.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})[
            "authenticatorId"
        ]

    def field_error(self, page, input_id: str) -> str:
        page.wait_for_selector(f"#{input_id}[aria-invalid=true]")
        slot = page.locator(f"#{input_id}").get_attribute("aria-describedby").split()[-1]
        return page.inner_text(f"#{slot}")

    def recovery_codes(self, page) -> list[str]:
        page.wait_for_selector("#recovery-panel:not([hidden])")
        return [code.strip() for code in page.locator("#recovery-codes li").all_inner_texts()]

    def log_out(self, page):
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")

    def test_totp_set_up_recovery_codes_second_step_and_reauthentication(self):
        self.context.grant_permissions(
            ["clipboard-read", "clipboard-write"], origin=self.live_server_url
        )
        page = self.signed_in_page()

        # Set up: the QR code and the secret, a wrong code refused at its field, then the right one.
        page.click("#totp-setup")
        page.wait_for_selector("#totp-form:not([hidden])")
        self.assertGreater(page.evaluate("document.getElementById('totp-qr').naturalWidth"), 0)
        totp = pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", ""))
        code = totp.at(self.clock.current)
        page.fill("#totp-code", "000000" if code != "000000" else "111111")
        page.click("#totp-confirm")
        self.assertTrue(self.field_error(page, "totp-code"))
        self.clock.advance(10)  # past the delay a wrong code earns
        code = totp.at(self.clock.current)
        page.fill("#totp-code", code)
        page.click("#totp-confirm")

        # The recovery codes, once, with a copy button.
        codes = self.recovery_codes(page)
        self.assertEqual(len(codes), 10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "account-page-recovery-codes.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
        page.click("#recovery-copy")
        page.wait_for_selector("#recovery-copied:not(:empty)")
        self.assertEqual(page.evaluate("navigator.clipboard.readText()").split("\n"), codes)
        # ... and as a text file, made in the browser.
        with page.expect_download() as download:
            page.click("#recovery-download")
        self.assertTrue(download.value.suggested_filename.endswith(".txt"))
        saved = Path(download.value.path()).read_text()
        self.assertEqual(saved.strip().splitlines()[-10:], codes)
        link = page.get_attribute("#recovery-download", "href")
        page.click("#recovery-done")
        # The file's address is let go with the codes: nothing of them stays behind.
        self.assertNotEqual(page.get_attribute("#recovery-download", "href"), link)
        self.assertEqual(page.locator("#recovery-codes li").count(), 0)
        self.assertTrue(page.locator("#recovery-panel").is_hidden())
        self.assertIn("On", page.inner_text("#totp-status"))
        self.assertTrue(page.locator("#totp-setup").is_hidden())

        # The next login asks for the second step; a wrong code stays on it, a recovery code works.
        self.log_out(page)
        steps = RequestLog(page, "/api/auth/login/mfa/")
        proofs = RequestLog(page, "/api/auth/reauthenticate/")
        page.fill("#login-username", "alice")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#mfa-form:not([hidden])")
        self.assertTrue(page.locator("#login-form").is_hidden())
        # The second step stands alone, its field focused: no sign-up card or passkey login beside.
        self.assertTrue(page.locator("#register-card").is_hidden())
        self.assertTrue(page.locator("#passkey-login").is_hidden())
        self.assertEqual(page.evaluate("document.activeElement.id"), "mfa-code")
        page.fill("#mfa-code", "000000" if totp.at(self.clock.current) != "000000" else "111111")
        page.click("#mfa-submit")
        # Alice has no passkey: the refusal of a code speaks of the code alone.
        self.assertNotIn("passkey", self.field_error(page, "mfa-code").lower())
        self.assertEqual(page.locator("#mfa-form .field-error:not(:empty)").count(), 1)
        # The error belongs to the value submitted: it goes when the field changes.
        page.type("#mfa-code", "1")
        page.wait_for_selector("#mfa-code:not([aria-invalid])")
        self.assertEqual(page.locator("#mfa-form .field-error:not(:empty)").count(), 0)
        # A recovery code instead: one click, the field focused and named for it.
        label = page.inner_text("#mfa-code-label")
        page.click("#mfa-recovery")
        self.assertNotEqual(page.inner_text("#mfa-code-label"), label)
        self.assertEqual(page.evaluate("document.activeElement.id"), "mfa-code")
        self.clock.advance(10)
        page.fill("#mfa-code", codes[0])
        page.click("#mfa-submit")
        wait_until_loaded(page)
        page.wait_for_selector("#recovery-status:has-text('9 of 10')")

        # Five minutes later new codes need a fresh proof with the second factor: the prompt asks
        # for a code, never the password alone (a wrong code refused at its field, then a code from
        # the app), then the action.
        self.clock.advance(301)
        page.click("#recovery-renew")
        confirm(page)
        page.wait_for_selector("#reauth-dialog[open]")
        self.assertTrue(page.locator("#reauth-password-field").is_hidden())
        page.fill("#reauth-code", "000000" if totp.at(self.clock.current) != "000000" else "111111")
        page.click("#reauth-submit")
        self.assertTrue(self.field_error(page, "reauth-code"))
        self.clock.advance(10)  # past the delay a wrong code earns
        page.fill("#reauth-code", totp.at(self.clock.current))
        page.click("#reauth-submit")
        fresh = self.recovery_codes(page)
        self.assertEqual(len(fresh), 10)
        self.assertFalse(set(fresh) & set(codes))
        self.assertFalse(page.locator("#reauth-dialog").is_visible())
        # Every answer that ends in a pair held no token for the page's scripts to read.
        answered = [r for r in (*steps.requests, *proofs.requests) if r.response().ok]
        self.assertEqual(len(answered), 2)
        for request in answered:
            self.assertEqual(request.post_data_json["transport"], "cookie")
            self.assertNotIn("access_token", request.response().json())
            self.assertNotIn("refresh_token", request.response().json())

        # Turning the app off, within the fresh authentication: no prompt, the status says so.
        page.click("#recovery-done")
        page.click("#totp-disable")
        confirm(page)
        page.wait_for_selector("#totp-status:has-text('Off')")
        self.assertFalse(page.locator("#reauth-dialog").is_visible())
        self.assertTrue(page.locator("#totp-setup").is_visible())
        self.assertFalse(TotpFactor.objects.filter(user__username="alice").exists())

    def test_passkey_enrolled_then_a_login_alone_and_a_second_step(self):
        page = self.signed_in_page()
        self.add_authenticator(page)

        page.fill("#passkey-name", "Work laptop")
        page.click("#passkey-add")
        page.wait_for_selector("#passkeys li:has-text('Work laptop')")
        self.assertEqual(len(self.recovery_codes(page)), 10)  # the first factor brings them
        page.click("#recovery-done")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "account-page-second-factors.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")

        # Log out, then in with the passkey alone.
        self.log_out(page)
        page.click("#passkey-login")
        wait_until_loaded(page)
        self.assertEqual(page.inner_text("#username"), "alice")
        self.assertEqual([session.state for session in Session.objects.all()], ["revoked", "live"])

        # Log out, then in with the password and the passkey as the second step.
        self.log_out(page)
        page.fill("#login-username", "alice")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#mfa-passkey:not([hidden])")
        page.click("#mfa-passkey")
        wait_until_loaded(page)
        self.assertEqual(page.inner_text("#username"), "alice")

        # Five minutes later, removing it needs a fresh proof: the passkey itself will do.
        self.clock.advance(301)
        page.wait_for_selector("#passkeys li button.remove")
        page.click("#passkeys li button.remove")
        confirm(page)
        page.wait_for_selector("#reauth-passkey:visible")
        page.click("#reauth-passkey")
        page.wait_for_selector("#passkeys li", state="detached")
        self.assertFalse(page.locator("#reauth-dialog").is_visible())
