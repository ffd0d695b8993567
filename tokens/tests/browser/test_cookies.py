"""Cookie transport: cookie attributes, CSRF as DRF's SessionAuthentication, header over cookie."""

from django.conf import settings
from rest_framework.test import APIClient

from tokens.browser.cookies import access_cookie_name, refresh_cookie_name
from tokens.models import Session
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    bearer,
    login_name,
    make_user,
    token_settings,
)

ME = "/api/auth/me/"


class CookieTestMixin:
    def cookie_login(self, client=None, username="alice"):
        """Log in and keep the cookies the response set (as a browser does)."""
        client = client or self.client
        credentials = {"username": login_name(username), "password": PASSWORD}
        response = client.post("/api/auth/login/", credentials, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        return response

    def csrf_client(self):
        """A client that enforces CSRF, as a browser's requests are checked."""
        return APIClient(enforce_csrf_checks=True)

    def csrf_header(self, client):
        return {"HTTP_X_CSRFTOKEN": client.cookies[settings.CSRF_COOKIE_NAME].value}


class CookieAttributeTests(CookieTestMixin, AuthAPITestCase):
    def test_login_sets_httponly_lax_secure_cookies(self):
        response = self.cookie_login()
        body = response.json()
        access, refresh = (
            response.cookies[access_cookie_name()],
            response.cookies[refresh_cookie_name()],
        )
        self.assertEqual(access.value, body["access_token"])
        self.assertEqual(refresh.value, body["refresh_token"])
        for cookie in (access, refresh):
            self.assertTrue(cookie["httponly"])
            self.assertTrue(cookie["secure"])
            self.assertEqual(cookie["samesite"], "Lax")
        self.assertEqual(access["path"], "/")
        self.assertEqual(refresh["path"], "/api/auth/")
        self.assertEqual(access["max-age"], body["expires_in"])
        self.assertEqual(refresh["max-age"], body["refresh_expires_in"])

    @token_settings(COOKIE_SECURE=False)
    def test_cookies_are_not_secure_when_the_setting_says_so(self):
        response = self.cookie_login()
        self.assertFalse(response.cookies[access_cookie_name()]["secure"])
        self.assertFalse(response.cookies[refresh_cookie_name()]["secure"])

    def test_login_hands_out_a_new_csrf_token(self):
        self.client.get("/")
        before = self.client.cookies[settings.CSRF_COOKIE_NAME].value
        response = self.cookie_login()
        self.assertIn(settings.CSRF_COOKIE_NAME, response.cookies)
        self.assertNotEqual(response.cookies[settings.CSRF_COOKIE_NAME].value, before)

    def test_refresh_by_cookie_rotates_both_cookies(self):
        login = self.cookie_login().json()
        response = self.client.post("/api/auth/refresh/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        # A refresh by the cookie answers its successors in the cookies alone.
        self.assertNotIn("refresh_token", body)
        self.assertNotEqual(response.cookies[access_cookie_name()].value, login["access_token"])
        self.assertNotEqual(response.cookies[refresh_cookie_name()].value, login["refresh_token"])
        self.assertEqual(response.cookies[refresh_cookie_name()]["path"], "/api/auth/")
        self.assertEqual(body["session_id"], login["session_id"])
        # The client now holds the rotated cookies: they work, and they rotate again.
        self.assertEqual(self.client.get(ME).status_code, 200)
        self.assertEqual(
            self.client.post("/api/auth/refresh/").json()["session_id"], login["session_id"]
        )

    @token_settings(ROTATION_GRACE_PERIOD=0)
    def test_a_rotated_refresh_cookie_is_single_use(self):
        old = self.cookie_login().cookies[refresh_cookie_name()].value
        self.assertEqual(self.client.post("/api/auth/refresh/").status_code, 200)
        self.client.cookies[refresh_cookie_name()] = old
        self.assertError(self.client.post("/api/auth/refresh/"), 401, "token_reused")

    def test_logout_clears_both_cookies(self):
        self.cookie_login()
        response = self.client.post("/api/auth/logout/")
        self.assertEqual(response.status_code, 204)
        self.assertCleared(response)
        self.assertError(self.client.get(ME), 401, "not_authenticated")

    def test_logout_everywhere_clears_both_cookies(self):
        self.cookie_login()
        response = self.client.post("/api/auth/logout-all/")
        self.assertEqual(response.status_code, 204)
        self.assertCleared(response)

    def test_a_logged_out_cookie_is_refused(self):
        access = self.cookie_login().cookies[access_cookie_name()].value
        self.client.post("/api/auth/logout/")
        self.client.cookies[access_cookie_name()] = access
        self.assertError(self.client.get(ME), 401, "token_revoked")

    def assertCleared(self, response):
        for name, path in ((access_cookie_name(), "/"), (refresh_cookie_name(), "/api/auth/")):
            cookie = response.cookies[name]
            self.assertEqual(cookie.value, "")
            self.assertEqual(cookie["max-age"], 0)
            self.assertEqual(cookie["path"], path)

    @token_settings(COOKIE_TRANSPORT=False)
    def test_cookie_transport_off(self):
        response = self.cookie_login()
        self.assertNotIn(access_cookie_name(), response.cookies)
        self.assertNotIn(refresh_cookie_name(), response.cookies)
        pair = response.json()
        self.client.cookies[access_cookie_name()] = pair["access_token"]
        self.client.cookies[refresh_cookie_name()] = pair["refresh_token"]
        self.assertError(self.client.get(ME), 401, "not_authenticated")
        self.assertError(self.client.post("/api/auth/refresh/"), 401, "not_authenticated")
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)


class HeaderBeatsCookieTests(CookieTestMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        make_user("bob")

    def test_a_header_token_wins_over_the_cookie(self):
        bob = self.login("bob")
        self.cookie_login(username="alice")
        response = self.client.get(ME, **bearer(bob["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["username"], login_name("bob"))

    def test_a_bad_header_token_is_refused_even_with_a_good_cookie(self):
        self.cookie_login()
        self.assertError(self.client.get(ME, **bearer("garbage")), 401, "token_invalid")

    def test_a_header_authenticated_unsafe_request_needs_no_csrf_token(self):
        client = self.csrf_client()
        pair = self.cookie_login(client).json()
        response = client.patch(
            ME, {"email": "alice@example.org"}, format="json", **bearer(pair["access_token"])
        )
        self.assertEqual(response.status_code, 200)

    def test_a_body_refresh_token_wins_over_the_cookie(self):
        bob = self.login("bob")
        self.cookie_login(username="alice")
        response = self.client.post(
            "/api/auth/refresh/", {"refresh_token": bob["refresh_token"]}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["session_id"], bob["session_id"])


class CsrfTests(CookieTestMixin, AuthAPITestCase):
    """Cookie-authenticated unsafe requests pass Django's CSRF check or get 403 ``csrf_failed``."""

    def setUp(self):
        super().setUp()
        self.browser = self.csrf_client()
        self.pair = self.cookie_login(self.browser).json()

    def test_safe_methods_need_no_csrf_token(self):
        self.assertEqual(self.browser.get(ME).status_code, 200)
        self.assertEqual(self.browser.get("/api/auth/sessions/").status_code, 200)

    def test_unsafe_methods_without_a_csrf_token_are_refused(self):
        requests = {
            "PATCH me/": lambda: self.browser.patch(
                ME, {"email": "eve@example.org"}, format="json"
            ),
            "POST logout-all/": lambda: self.browser.post("/api/auth/logout-all/"),
            "DELETE sessions/<id>/": lambda: self.browser.delete(
                f"/api/auth/sessions/{self.pair['session_id']}/"
            ),
            "POST refresh/": lambda: self.browser.post("/api/auth/refresh/"),
            "POST logout/": lambda: self.browser.post("/api/auth/logout/"),
            "POST password/": lambda: self.browser.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": "another-horse-77"},
                format="json",
            ),
        }
        for name, send in requests.items():
            with self.subTest(request=name):
                self.assertError(send(), 403, "csrf_failed")
        # Nothing happened: the session lives, the refresh cookie was not consumed, the profile is
        # unchanged.
        self.assertEqual(Session.objects.get(pk=self.pair["session_id"]).state, "live")
        self.assertEqual(self.browser.get(ME).json()["email"], "alice@example.com")
        self.assertEqual(
            self.browser.post("/api/auth/refresh/", **self.csrf_header(self.browser)).status_code,
            200,
        )

    def test_a_wrong_csrf_token_is_refused(self):
        response = self.browser.patch(
            ME, {"email": "eve@example.org"}, format="json", HTTP_X_CSRFTOKEN="x" * 32
        )
        self.assertError(response, 403, "csrf_failed")

    def test_the_csrf_header_lets_unsafe_requests_through(self):
        header = self.csrf_header(self.browser)
        response = self.browser.patch(ME, {"email": "alice@example.org"}, format="json", **header)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.browser.post("/api/auth/refresh/", **self.csrf_header(self.browser)).status_code,
            200,
        )
        self.assertEqual(
            self.browser.post("/api/auth/logout/", **self.csrf_header(self.browser)).status_code,
            204,
        )

    def test_the_csrf_form_field_lets_form_posts_through(self):
        token = self.browser.cookies[settings.CSRF_COOKIE_NAME].value
        response = self.browser.post("/api/auth/logout/", {"csrfmiddlewaretoken": token})
        self.assertEqual(response.status_code, 204)

    def test_a_cross_origin_request_is_refused(self):
        response = self.browser.patch(
            ME,
            {"email": "eve@example.org"},
            format="json",
            HTTP_ORIGIN="https://evil.example",
            **self.csrf_header(self.browser),
        )
        self.assertError(response, 403, "csrf_failed")

    def test_login_itself_is_not_csrf_checked(self):
        client = self.csrf_client()
        self.assertEqual(self.cookie_login(client).status_code, 200)


class CsrfCookieTests(AuthAPITestCase):
    """Browsers get the csrftoken cookie from the pages they start on."""

    def test_the_account_page_sets_the_csrf_cookie(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertIn(settings.CSRF_COOKIE_NAME, response.cookies)
        self.assertFalse(response.cookies[settings.CSRF_COOKIE_NAME]["httponly"])

    def test_browsable_api_pages_set_the_csrf_cookie(self):
        response = self.client.get("/api/auth/login/", HTTP_ACCEPT="text/html")
        self.assertIn(settings.CSRF_COOKIE_NAME, response.cookies)
