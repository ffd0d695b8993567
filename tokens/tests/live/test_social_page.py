"""Social login on the account page in headless Chromium, against the test OpenID Connect provider:
the "Continue with" button, the return with ``#code=`` (cleared from the address bar, traded for
cookies), an error in plain words, and the signed-in user's linked identities.
"""

from django.conf import settings
from django.test import override_settings

from tokens.social import providers
from tokens.social.models import SocialIdentity
from tokens.tests.chromium import (
    BrowserTestCase,
    page_login,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.social.provider import Provider
from tokens.tests.support import make_user


@requires_chromium
@project_user_model
class SocialPageTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.idp = Provider().start()
        self.addCleanup(self.idp.stop)
        overriding = override_settings(
            TOKENS={
                **settings.TOKENS,
                "SITE_URL": self.live_server_url,
                "SOCIAL_PROVIDERS": {"idp": self.idp.settings()},
            }
        )
        overriding.enable()
        self.addCleanup(overriding.disable)
        providers.forget()

    def test_continue_with_the_provider_signs_in_with_cookies_only(self):
        self.idp.identity.update(email="new@example.com", name="New Person")
        page = self.open_account_page()
        page.click("text=Continue with Test IdP")
        wait_until_loaded(page)
        self.assertNotIn("#", page.url)
        self.assertNotIn("code=", page.url)
        self.assertEqual(page.text_content("#profile-email"), "new@example.com")
        # The linked identity is listed in the signed-in view.
        page.wait_for_selector("#social-card:not([hidden]) #social-accounts li")
        self.assertIn("new@example.com", page.text_content("#social-accounts"))
        self.assertIsNotNone(
            next((c for c in self.context.cookies() if "access_token" in c["name"]), None)
        )

    def test_an_error_comes_back_in_plain_words(self):
        make_user("alice", email="new@example.com")
        self.configure_untrusted()
        self.idp.identity.update(email="new@example.com")
        page = self.open_account_page()
        page.click("text=Continue with Test IdP")
        page.wait_for_selector("#notice:not([hidden])")
        self.assertNotIn("#error", page.url)
        # The words the page holds for the code (translated there), not the code.
        expected = page.text_content('#social-messages [data-code="social_email_conflict"]')
        self.assertEqual(page.text_content("#notice-text").strip(), expected.strip())
        self.assertFalse(SocialIdentity.objects.exists())

    def test_link_from_the_signed_in_view(self):
        user = make_user()
        self.idp.identity.update(email="work@example.com")
        page = self.open_account_page()
        page_login(page)
        page.click("#social-link-buttons button")
        page.wait_for_selector("#notice:not([hidden])")
        self.assertNotIn("#linked", page.url)
        self.assertTrue(SocialIdentity.objects.filter(user=user).exists())

    def test_confirm_with_the_provider_renews_the_session_proof(self):
        self.idp.identity.update(email="new@example.com")
        page = self.open_account_page()
        page.click("text=Continue with Test IdP")
        wait_until_loaded(page)
        page.wait_for_selector("#social-card:not([hidden]) #social-accounts li")
        self.assertEqual(page.locator("[data-social-confirm]").count(), 1)
        requests_before = len(self.idp.authorize_requests)
        page.evaluate("document.querySelector('[data-social-confirm]').click()")
        page.wait_for_selector("#notice:not([hidden])")
        expected = page.get_attribute("#social-messages", "data-confirmed")
        self.assertEqual(page.text_content("#notice-text").strip(), expected)
        request = self.idp.authorize_requests[requests_before]
        self.assertEqual((request["prompt"], request["max_age"]), ("login", "0"))
        self.assertNotIn("#", page.url)

    def configure_untrusted(self):
        overriding = override_settings(
            TOKENS={
                **settings.TOKENS,
                "SITE_URL": self.live_server_url,
                "SOCIAL_PROVIDERS": {"idp": self.idp.settings(trust_email=False)},
            }
        )
        overriding.enable()
        self.addCleanup(overriding.disable)
