"""Headless Chromium (Debian's ``chromium`` package) driven by Playwright, against Django's live
server.
"""

import importlib.util
import os
import unittest
from pathlib import Path

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django_redis import get_redis_connection

from tokens.store import epoch as store_epoch
from tokens.tests.support import PASSWORD, FrozenClock, make_user, uses_accounts

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Milliseconds a page may take to show what a test waits for.
TIMEOUT_MS = 10_000

# Screenshots of pages the tests looked at (var/ is ignored by git).
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"

# The project's pages (the account page, the browsable API's navbar, the admin) with its own user
# model.
project_user_model = unittest.skipUnless(uses_accounts(), "the project's pages, with accounts.User")

requires_chromium = unittest.skipUnless(
    CHROMIUM.is_file() and importlib.util.find_spec("playwright") is not None,
    f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium) and the playwright "
    "package",
)


class BrowserTestCase(StaticLiveServerTestCase):
    """One Chromium per class, a fresh browser context (cookies, storage) per test."""

    @classmethod
    def setUpClass(cls):
        # Playwright's sync API keeps an event loop in this thread; Django's guard would then refuse
        # the
        # test's own (synchronous, safe) ORM calls.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe

    def setUp(self):
        super().setUp()
        get_redis_connection("default").flushdb()
        # A Redis that answers, as every API test starts with: no breaker left open by the
        # previous test's outage.
        store_epoch.reset_for_tests()
        self.context = self.browser.new_context()
        self.context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(self.context.close)

    def open(self, path: str):
        page = self.context.new_page()
        page.goto(self.live_server_url + path)
        return page

    def open_account_page(self, query: str = ""):
        """The account page, once it has found out whether the browser is signed in (and followed
        the mailed link in ``query``).
        """
        page = self.open("/" + query)
        page.evaluate("window.accountPage.ready")
        return page

    def open_demo_page(self):
        """The demo page: the account page plus its view of the client's tokens and renewals."""
        page = self.open("/demo/")
        page.evaluate("window.accountPage.ready")
        return page

    def cookie(self, name: str) -> dict | None:
        return next((cookie for cookie in self.context.cookies() if cookie["name"] == name), None)


class RequestLog:
    """Requests a page sent to one path, counted through Playwright's request events."""

    def __init__(self, page, path: str):
        self.path = path
        self.requests = []
        page.on("request", self.record)

    def record(self, request):
        if request.url.split("?")[0].endswith(self.path):
            self.requests.append(request)

    def __len__(self):
        return len(self.requests)


def confirm(page):
    """Answer yes in the page's confirmation dialog (asked before a destructive action)."""
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#confirm-ok")


def wait_until_loaded(page):
    """Wait until the account page shows a signed-in user with every part filled in (its first
    requests answered, so none of them is still in flight when a test moves the clock).
    """
    page.wait_for_selector("#app-view:not([hidden])")
    page.wait_for_selector("body[data-loaded]", state="attached")


def page_login(page, username="alice", password=PASSWORD):
    """Log in through the account page's form and wait until it shows the signed-in user."""
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    wait_until_loaded(page)


class SignedInPageTestCase(BrowserTestCase):
    """The account page at 1280 px, alice (``make_user()``) signed in, the server's clock frozen
    (``self.clock``) so that a test can age the login past the re-authentication window.
    """

    def setUp(self):
        super().setUp()
        self.user = make_user()
        self.clock = FrozenClock().install(self)

    def signed_in_page(self):
        page = self.open_account_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page_login(page)
        return page
