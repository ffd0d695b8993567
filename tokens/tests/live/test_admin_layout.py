"""The app's admin pages fit a 1280 px wide window, in English and in Chinese: nothing scrolls
sideways. An action's notice shows once, carried by the admin's session.
"""

from unittest import skipUnless

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tokens.models import AuthEvent, Session
from tokens.tests.chromium import BrowserTestCase, requires_chromium
from tokens.tests.live.test_browser import ARTIFACTS
from tokens.tests.support import PASSWORD, login_name, make_user, uses_accounts

WIDTH = 1280
# The parts of a page that scroll sideways within themselves (form controls such as a long
# multiple select are made to).
SCROLLING_BOXES = """[...document.querySelectorAll(":not(select, textarea)")]
    .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => e.id || e.className || e.tagName)"""
# Words of a change list's cells that the browser broke across two lines (a word drawn in more
# than one box); an e-mail or IPv6 address counts as one word, and so does a run of Chinese
# characters (a term such as 登录成功, written without spaces).
BROKEN_WORDS = """[...document.querySelectorAll("#result_list td, #result_list th")]
  .flatMap(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const broken = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const words = /[\\u3400-\\u9fff]+|[^\\s\\u3000-\\u9fff\\uff00-\\uffef]+/g;
        for (const match of node.data.matchAll(words)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            if (lines.size > 1) broken.push(match[0]);
        }
    }
    return broken;
})"""
# Long, real user agents: the widest cell a sessions or events list shows.
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
)


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
@requires_chromium
class AdminLayoutTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        make_user("admin", is_staff=True, is_superuser=True)
        self.user = make_user("alexandra.longname", email="alexandra.longname@example.com")
        api = Client()
        for index, agent in enumerate(AGENTS * 2):
            api.post(
                "/api/auth/login/",
                {"username": login_name("alexandra.longname"), "password": PASSWORD},
                content_type="application/json",
                HTTP_USER_AGENT=agent,
                REMOTE_ADDR=f"2001:db8:85a3::8a2e:370:{7334 + index}",
            )
        # Two of them began at a provider: the lists' "signed in with" column names it.
        began_at_a_provider = Session.objects.filter(user=self.user).values_list("pk", flat=True)
        Session.objects.filter(pk__in=list(began_at_a_provider[:2])).update(provider="microsoft")
        api.post(
            "/api/auth/login/",
            {"username": "nobody-at-all@example.com", "password": "wrong"},
            content_type="application/json",
            HTTP_USER_AGENT=AGENTS[0],
        )

    def pages(self) -> dict[str, str]:
        """Each admin page of the app, by name."""
        session = Session.objects.first()
        assert session is not None
        pages = {
            "admin-index": reverse("admin:index"),
            "sessions": reverse("admin:tokens_session_changelist"),
            "session": reverse("admin:tokens_session_change", args=[session.pk]),
            "auth-events": reverse("admin:tokens_authevent_changelist"),
            "auth-event": reverse(
                "admin:tokens_authevent_change", args=[AuthEvent.objects.first().pk]
            ),
            "security-overview": reverse("admin:tokens_authevent_overview"),
        }
        users = get_user_model()._meta
        if admin.site.is_registered(get_user_model()):
            changelist = f"admin:{users.app_label}_{users.model_name}_changelist"
            change = f"admin:{users.app_label}_{users.model_name}_change"
            pages["users"] = reverse(changelist)
            pages["user"] = reverse(change, args=[self.user.pk])
        return pages

    def test_every_page_fits_1280_pixels(self):
        self.check_pages("en")

    def test_every_page_fits_1280_pixels_in_chinese(self):
        self.check_pages("zh-hans")

    def test_an_actions_notice_shows_once_and_no_cookie_carries_it(self):
        page = self.context.new_page()
        page.goto(f"{self.live_server_url}/admin/login/?next=/admin/")
        page.fill("#id_username", login_name("admin"))
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#content")
        page.goto(self.live_server_url + reverse("admin:tokens_session_changelist"))
        page.locator("input.action-select").first.check()
        page.select_option("select[name=action]", "revoke_selected")
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.click("button[name=index]")
        page.wait_for_selector("ul.messagelist")
        self.assertEqual(page.inner_text("ul.messagelist").strip(), "Revoked 1 session.")
        # It waited in the Django session: no cookie of its own, which no __Host- prefix guards.
        self.assertNotIn("messages=", posted.value.header_value("set-cookie") or "")
        self.assertEqual(Session.objects.filter(revoked_at__isnull=False).count(), 1)
        page.reload()
        page.wait_for_selector("#content")
        self.assertEqual(page.locator("ul.messagelist").count(), 0)

    def check_pages(self, language: str) -> None:
        context = self.browser.new_context(
            viewport={"width": WIDTH, "height": 900},
            extra_http_headers={"Accept-Language": language},
        )
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(f"{self.live_server_url}/admin/login/?next=/admin/")
        self.assertEqual(page.get_attribute("html", "lang"), language)
        suffix = "" if language == "en" else f"-{language}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"admin-login{suffix}.png"), full_page=True)
        page.fill("#id_username", login_name("admin"))
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#content")
        for name, path in self.pages().items():
            with self.subTest(page=name):
                page.goto(self.live_server_url + path)
                page.wait_for_selector("#content")
                page.screenshot(path=str(ARTIFACTS / f"admin-{name}{suffix}.png"), full_page=True)
                widths = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                self.assertLessEqual(widths[0], widths[1], f"{name} scrolls sideways: {widths}")
                # Nor does any part of it (a change list's table scrolls inside its own box).
                self.assertEqual(page.evaluate(SCROLLING_BOXES), [], name)
                if name in ("users", "sessions", "auth-events"):
                    self.assertEqual(page.evaluate(BROKEN_WORDS), [], name)
                if name == "users":
                    header = page.locator("th.column-live_sessions").bounding_box()
                    self.assertIsNotNone(header)
                    self.assertLessEqual(header["x"] + header["width"], WIDTH)
                if name == "admin-index":
                    link = page.locator("#security-overview-link a").bounding_box()
                    # One line, not a letter per line.
                    self.assertLess(link["height"], 30, link)
