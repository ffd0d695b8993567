"""The account page in headless Chromium under ``MFA_REQUIRED``: a password alone leads to the step
"Your account needs a second factor", where setting up an authenticator app (QR code and code) or a
passkey (DevTools' virtual authenticator) finishes the login and shows the recovery codes once.
"""

import pyotp

from tokens.mfa.models import Passkey
from tokens.models import Session
from tokens.tests.chromium import (
    ARTIFACTS,
    BrowserTestCase,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.live.test_second_factors_page import AUTHENTICATOR
from tokens.tests.support import PASSWORD, FrozenClock, make_user, token_settings


@requires_chromium
@project_user_model
@token_settings(MFA_REQUIRED="all")
class EnrolmentPageTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user()
        self.clock = FrozenClock().install(self)

    def password_step(self):
        page = self.open_account_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.fill("#login-username", "alice")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#enrol-form:not([hidden])")
        self.assertTrue(page.locator("#login-form").is_hidden())
        self.assertFalse(Session.objects.exists())
        return page

    def recovery_codes(self, page) -> list[str]:
        page.wait_for_selector("#recovery-panel:not([hidden])")
        return [code.strip() for code in page.locator("#recovery-codes li").all_inner_texts()]

    def test_an_authenticator_app_set_up_at_login_signs_in(self):
        page = self.password_step()
        page.click("#enrol-totp")
        page.wait_for_selector("#enrol-totp-step:not([hidden])")
        self.assertGreater(page.evaluate("document.getElementById('enrol-qr').naturalWidth"), 0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "account-page-enrolment.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
        totp = pyotp.TOTP(page.inner_text("#enrol-secret").replace(" ", ""))
        right = totp.at(self.clock.current)
        # A wrong code stays on the step, at its field.
        page.fill("#enrol-code", "000000" if right != "000000" else "111111")
        page.click("#enrol-confirm")
        page.wait_for_selector("#enrol-code[aria-invalid=true]")
        self.clock.advance(10)  # past the delay a wrong code earns
        page.fill("#enrol-code", totp.at(self.clock.current))
        page.click("#enrol-confirm")
        wait_until_loaded(page)
        self.assertEqual(page.inner_text("#username"), "alice")
        self.assertEqual(len(self.recovery_codes(page)), 10)
        page.wait_for_selector("#totp-status:has-text('On')")
        self.assertEqual([session.state for session in Session.objects.all()], ["live"])

    def test_a_passkey_set_up_at_login_signs_in(self):
        page = self.password_step()
        cdp = self.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        page.click("#enrol-passkey")
        wait_until_loaded(page)
        self.assertEqual(page.inner_text("#username"), "alice")
        self.assertEqual(len(self.recovery_codes(page)), 10)
        self.assertEqual(Passkey.objects.filter(user=self.user).count(), 1)

    def test_back_and_cancel_lead_to_the_password(self):
        page = self.password_step()
        page.click("#enrol-totp")
        page.wait_for_selector("#enrol-totp-step:not([hidden])")
        page.click("#enrol-back")
        page.wait_for_selector("#enrol-choices:not([hidden])")
        page.click("#enrol-cancel")
        page.wait_for_selector("#login-form:not([hidden])")
        self.assertTrue(page.locator("#enrol-form").is_hidden())
