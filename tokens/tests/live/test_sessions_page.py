"""The account page's "Where you are signed in" in headless Chromium: revoking another session
five minutes after the login, which needs the re-authentication prompt first.
"""

from django.test import Client

from tokens.models import Session
from tokens.tests.browser import (
    BrowserTestCase,
    page_login,
    project_user_model,
    requires_chromium,
)
from tokens.tests.support import PASSWORD, FrozenClock, make_user

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)


@requires_chromium
@project_user_model
class SessionsPageTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user()
        self.clock = FrozenClock().install(self)

    def signed_in_page(self):
        page = self.open_account_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page_login(page)
        return page

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
        page.wait_for_selector("#reauth-dialog[open]")
        page.fill("#reauth-password", PASSWORD)
        page.click("#reauth-submit")
        page.wait_for_selector(f"#sessions li[data-session-id='{other_id}']", state="detached")
        self.assertEqual(Session.objects.get(pk=other_id).state, "revoked")
        self.assertEqual(page.locator("#sessions li").count(), 1)
        self.assertEqual(page.inner_text("#sessions-error"), "")
        self.assertEqual(page.inner_text("#username"), "alice")
