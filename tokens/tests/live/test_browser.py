"""Real-browser tests: the browsable API, the account page's token client and the admin in
headless Chromium (see browser.py).
"""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tokens.browser.cookies import access_cookie_name, refresh_cookie_name
from tokens.models import AuthEvent, Session
from tokens.operations import overview
from tokens.tests.chromium import (
    ARTIFACTS,
    BrowserTestCase,
    RequestLog,
    page_login,
    project_user_model,
    requires_chromium,
    wait_until_loaded,
)
from tokens.tests.support import (
    PASSWORD,
    FrozenClock,
    login_name,
    make_user,
    token_settings,
)


@requires_chromium
@project_user_model
class BrowsableAPITests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user()

    def test_log_in_browse_revoke_refresh_and_log_out(self):
        page = self.open("/api/auth/login/")
        page.wait_for_selector("#login-link")
        self.assertEqual(page.locator("h1").inner_text().strip(), "Log in")
        self.assertNotIn("405", page.content())
        form = page.locator("#post-object-form form")
        self.assertEqual(form.locator("input:not([type=hidden])").count(), 2)
        self.assertIn("Username or e-mail", form.inner_text())
        form.locator("input[name=username]").fill("alice")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("#login-submit").click()
        page.wait_for_selector("text=access_token")
        # The page answering the login already shows alice signed in.
        self.assertEqual(page.locator("#signed-in-user").inner_text().strip(), "alice")
        self.assertIsNotNone(self.cookie(access_cookie_name()))
        self.assertTrue(self.cookie(access_cookie_name())["httpOnly"])

        page.goto(self.live_server_url + "/api/auth/me/")
        self.assertEqual(page.locator("#signed-in-user").inner_text().strip(), "alice")
        self.assertIn("alice@example.com", page.locator(".response-info").inner_text())

        # A second session of alice's, from elsewhere, to revoke from the browser.
        other = (
            Client()
            .post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                content_type="application/json",
            )
            .json()["session_id"]
        )
        page.goto(self.live_server_url + "/api/auth/sessions/")
        self.assertIn(other, page.locator(".response-info").inner_text())
        page.goto(self.live_server_url + f"/api/auth/sessions/{other}/")
        page.locator("button[data-target='#deleteModal']").click()
        page.locator("#deleteModal form button.btn-danger").click()
        page.wait_for_selector("text=HTTP 204 No Content")
        self.assertEqual(Session.objects.get(pk=other).state, "revoked")

        before = self.cookie(refresh_cookie_name())["value"]
        page.goto(self.live_server_url + "/api/auth/refresh/")
        page.locator("#post-object-form form button.btn-primary").click()
        page.wait_for_selector("text=HTTP 200 OK")
        self.assertNotEqual(self.cookie(refresh_cookie_name())["value"], before)

        page.goto(self.live_server_url + "/api/auth/me/")
        page.locator("#signed-in-user").click()
        page.locator("#logout-link").click()
        page.wait_for_selector("#login-link")
        self.assertIsNone(self.cookie(access_cookie_name()))
        self.assertIsNone(self.cookie(refresh_cookie_name()))
        page.goto(self.live_server_url + "/api/auth/me/")
        self.assertIn("not_authenticated", page.locator(".response-info").inner_text())
        self.assertEqual(page.locator("#login-link").get_attribute("href"), "/api/auth/login/")


@requires_chromium
@project_user_model
class AccountPageClientTests(BrowserTestCase):
    """The account page's token client: silent refresh, single flight, tabs, token binding."""

    def setUp(self):
        super().setUp()
        self.user = make_user()
        self.clock = FrozenClock().install(self)

    def test_log_in_call_the_api_and_log_out(self):
        page = self.open_demo_page()
        page_login(page)
        self.assertEqual(page.inner_text("#username"), "alice")
        self.assertIsNone(page.evaluate("document.cookie.match(/access_token/)"))
        page.click("#btn-me")
        page.wait_for_selector("#output:has-text('alice@example.com')")
        page.wait_for_selector("#sessions li[data-current]")
        self.assertIn("This device", page.inner_text("#sessions"))
        page.click("#btn-logout")
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertEqual(Session.objects.get().state, "revoked")

    @token_settings(ACCESS_TOKEN_LIFETIME=2)
    def test_no_answer_the_page_reads_holds_a_token(self):
        # What an injected script could read: the page's own login and refresh answers.
        page = self.open_demo_page()
        logins, refreshes = (
            RequestLog(page, "/api/auth/login/"),
            RequestLog(page, "/api/auth/refresh/"),
        )
        page_login(page)
        self.clock.advance(3)
        page.click("#btn-me")
        page.wait_for_selector("#output:has-text('alice@example.com')")
        self.assertEqual((len(logins), len(refreshes)), (1, 1))
        self.assertEqual(logins.requests[0].post_data_json["transport"], "cookie")
        session_id = Session.objects.get().pk
        for request in (*logins.requests, *refreshes.requests):
            body = request.response().json()
            self.assertNotIn("access_token", body)
            self.assertNotIn("refresh_token", body)
            self.assertEqual(body["session_id"], str(session_id))
        # The page shows what the answers do tell: the session, not its tokens.
        self.assertEqual(page.inner_text("#session-id"), str(session_id))

    def test_a_wrong_password_stays_on_the_form(self):
        page = self.open_demo_page()
        page.fill("#login-username", "alice")
        page.fill("#login-password", "wrong")
        page.click("#login-submit")
        page.wait_for_selector("#login-error:not(:empty)")
        self.assertTrue(page.locator("#app-view").is_hidden())

    @token_settings(ACCESS_TOKEN_LIFETIME=2)
    def test_parallel_calls_after_expiry_share_one_refresh(self):
        page = self.open_demo_page()
        page_login(page)
        refreshes, calls = RequestLog(page, "/api/auth/refresh/"), RequestLog(page, "/api/auth/me/")
        self.clock.advance(3)
        page.click("#btn-parallel")
        page.wait_for_selector("#output:has-text('5 of 5 succeeded')")
        self.assertEqual(len(refreshes), 1)
        statuses = sorted(request.response().status for request in calls.requests)
        self.assertEqual(statuses, [200] * 5 + [401] * 5)
        self.assertEqual(page.locator("#refresh-log li:has-text('silent refresh')").count(), 1)

    def test_a_failed_refresh_returns_to_the_login_form(self):
        page = self.open_demo_page()
        page_login(page)
        refreshes = RequestLog(page, "/api/auth/refresh/")
        # The session is revoked behind the page's back (say, from another device).
        response = Client().post(
            "/api/auth/logout-all/",
            HTTP_AUTHORIZATION="Bearer " + self.cookie(access_cookie_name())["value"],
        )
        self.assertEqual(response.status_code, 204)
        page.click("#btn-me")
        page.wait_for_selector("#login-view:not([hidden])")
        self.assertEqual([request.response().status for request in refreshes.requests], [401])

    @token_settings(ACCESS_TOKEN_LIFETIME=2)
    def test_another_tab_sees_a_refresh_without_refreshing_itself(self):
        first, second = self.open_demo_page(), self.open_demo_page()
        second_refreshes = RequestLog(second, "/api/auth/refresh/")
        page_login(first)
        wait_until_loaded(second)
        self.clock.advance(3)
        first.click("#btn-me")
        first.wait_for_selector("#output:has-text('alice@example.com')")
        second.wait_for_selector("#refresh-log li:has-text('another tab')")
        second.click("#btn-me")
        second.wait_for_selector("#output:has-text('alice@example.com')")
        self.assertEqual(len(second_refreshes), 0)

    def test_another_tab_sees_a_logout(self):
        first, second = self.open_demo_page(), self.open_demo_page()
        page_login(first)
        wait_until_loaded(second)
        self.assertEqual(second.inner_text("#username"), "alice")
        second_refreshes = RequestLog(second, "/api/auth/refresh/")
        first.click("#btn-logout")
        second.wait_for_selector("#login-view:not([hidden])")
        self.assertIn("another tab", second.inner_text("#refresh-log"))
        self.assertEqual(len(second_refreshes), 0)

    @token_settings(TOKEN_BINDING=True, ACCESS_TOKEN_LIFETIME=2)
    def test_token_binding_in_a_browser(self):
        page = self.open_demo_page()
        page_login(page)
        fingerprint = self.cookie("__Host-fgp")
        self.assertTrue(fingerprint["httpOnly"])
        self.assertEqual(fingerprint["sameSite"], "Strict")
        self.clock.advance(3)
        page.click("#btn-me")
        page.wait_for_selector("#output:has-text('alice@example.com')")
        self.assertEqual(page.locator("#refresh-log li:has-text('silent refresh')").count(), 1)


@requires_chromium
@project_user_model
class SecurityOverviewTests(BrowserTestCase):
    """The admin's security overview as a person sees it; a screenshot is kept in
    var/test-artifacts/.
    """

    def setUp(self):
        super().setUp()
        self.user = make_user()
        make_user("admin", is_staff=True, is_superuser=True)
        now = timezone.now()
        events = []
        for day in range(30):
            for kind, count in (
                (AuthEvent.Kind.LOGIN_SUCCEEDED, 20 + day % 7 * 3),
                (AuthEvent.Kind.LOGIN_FAILED, day % 5),
                (AuthEvent.Kind.REVOKED, day % 3),
                (AuthEvent.Kind.REUSE_DETECTED, day % 11 == 0),
            ):
                events += [
                    AuthEvent(
                        kind=kind,
                        at=now - timedelta(days=day, minutes=37 * index),
                        username="alice",
                        ip_address="198.51.100.4",
                    )
                    for index in range(int(count))
                ]
        for index, (address, username) in enumerate(
            (("203.0.113.7", "root"), ("203.0.113.8", "admin"), ("192.0.2.55", "alice"))
        ):
            events += [
                AuthEvent(
                    kind=AuthEvent.Kind.LOGIN_FAILED,
                    at=now - timedelta(minutes=5 * attempt),
                    ip_address=address,
                    username=username,
                )
                for attempt in range(12 - 4 * index)
            ]
        AuthEvent.objects.bulk_create(events)
        api = Client()
        refresh = api.post(
            "/api/auth/login/",
            {"username": "alice", "password": PASSWORD},
            content_type="application/json",
        ).json()["refresh_token"]
        for _ in range(3):
            refresh = api.post(
                "/api/auth/refresh/", {"refresh_token": refresh}, content_type="application/json"
            ).json()["refresh_token"]

    def test_charts_drawn_by_the_server_and_nothing_fetched_elsewhere(self):
        page = self.open("/admin/login/?next=/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.click("#security-overview-link a")
        page.wait_for_selector("#security-overview")
        requests = RequestLog(page, "")
        errors = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.reload()
        page.wait_for_selector("#security-overview svg")
        self.assertEqual(
            page.locator("#security-overview svg[role=img]").count(), 2 * len(overview.SERIES) + 2
        )
        self.assertEqual(page.inner_text("#live-sessions"), "1")
        self.assertIn(
            "(3)", page.locator("#hourly figure").nth(2).inner_text()
        )  # refreshes, this hour
        self.assertEqual(page.locator("#failed g").first.get_attribute("data-label"), "203.0.113.7")
        self.assertTrue(page.locator("#daily rect.bar:not(.zero)").first.is_visible())
        self.assertEqual(
            [
                request.url
                for request in requests.requests
                if not request.url.startswith(self.live_server_url)
            ],
            [],
        )
        self.assertEqual(errors, [])
        # What needs action comes first: "root" failed 12 times in the last hour, alice's refresh
        # token was replayed today.
        self.assertIn("root", page.inner_text("#under-attack"))
        self.assertNotIn("alice", page.inner_text("#under-attack"))
        self.assertIn("alice", page.inner_text("#reuse-detected"))
        # At 1280 x 800 the first charts are above the fold, and the page is within two screens.
        page.set_viewport_size({"width": 1280, "height": 800})
        action = page.locator("#needs-action").bounding_box()
        chart = page.locator("#hourly figure").first.bounding_box()
        self.assertLess(action["y"], chart["y"])
        self.assertLess(chart["y"] + chart["height"], 800)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollHeight"), 2 * 800)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "security-overview.png"), full_page=True)
        self.assertGreater((ARTIFACTS / "security-overview.png").stat().st_size, 10_000)
