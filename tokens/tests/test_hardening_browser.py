"""Attacks on browsers, each stopped: login CSRF, cookies a sibling site could plant, inline
script and framing on the project's pages.
"""

import re

from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name, token_settings

LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
EVIL = "https://evil.example"


class LoginCsrfTests(AuthAPITestCase):
    """A page of another site makes the victim's browser log in to the attacker's account."""

    def credentials(self) -> dict:
        return {"username": login_name("alice"), "password": PASSWORD}

    def json_login(self, **headers):
        return self.client.post(LOGIN, self.credentials(), format="json", **headers)

    def assertNoTokenCookies(self, response):
        for name in response.cookies:
            self.assertNotIn("access_token", name)
            self.assertNotIn("refresh_token", name)

    def test_a_login_posted_from_another_site_is_refused(self):
        response = self.json_login(HTTP_ORIGIN=EVIL)
        self.assertError(response, 403, "csrf_failed")
        self.assertNoTokenCookies(response)

    def test_a_login_the_browser_marks_cross_site_is_refused(self):
        response = self.json_login(HTTP_SEC_FETCH_SITE="cross-site")
        self.assertError(response, 403, "csrf_failed")
        self.assertNoTokenCookies(response)

    def test_a_login_from_an_opaque_origin_is_refused(self):
        self.assertError(self.json_login(HTTP_ORIGIN="null"), 403, "csrf_failed")

    def test_a_login_from_a_site_that_only_shares_the_host_name_is_refused(self):
        self.assertError(self.json_login(HTTP_ORIGIN="https://testserver"), 403, "csrf_failed")
        self.assertError(self.json_login(HTTP_ORIGIN="http://testserver:8080"), 403, "csrf_failed")

    def test_a_login_from_this_site_works(self):
        response = self.json_login(
            HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin"
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_a_client_that_names_no_origin_logs_in_as_before(self):
        self.assertEqual(self.json_login().status_code, 200)

    @token_settings(SITE_URL="https://accounts.example.com/welcome/")
    def test_a_login_from_the_site_url_works(self):
        response = self.json_login(HTTP_ORIGIN="https://accounts.example.com")
        self.assertEqual(response.status_code, 200, response.content)

    @override_settings(CSRF_TRUSTED_ORIGINS=["https://app.example.com", "https://*.example.net"])
    def test_a_login_from_a_trusted_origin_works(self):
        for origin in ("https://app.example.com", "https://shop.example.net"):
            with self.subTest(origin=origin):
                self.assertEqual(self.json_login(HTTP_ORIGIN=origin).status_code, 200)
        self.assertError(self.json_login(HTTP_ORIGIN="http://app.example.com"), 403, "csrf_failed")

    def test_a_form_posted_without_the_csrf_token_is_refused(self):
        browser = APIClient(enforce_csrf_checks=True)
        response = browser.post(LOGIN, self.credentials())
        self.assertError(response, 403, "csrf_failed")
        self.assertNoTokenCookies(response)
        response = browser.post(LOGIN, self.credentials(), format="multipart")
        self.assertError(response, 403, "csrf_failed")

    def test_the_login_form_carries_the_csrf_token_that_lets_it_through(self):
        browser = APIClient(enforce_csrf_checks=True)
        page = browser.get(LOGIN, HTTP_ACCEPT="text/html")
        self.assertEqual(page.status_code, 200)
        field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
        self.assertIsNotNone(field)
        self.assertIn(settings.CSRF_COOKIE_NAME, browser.cookies)
        form = {**self.credentials(), "csrfmiddlewaretoken": field.group(1).decode()}
        response = browser.post(LOGIN, form, HTTP_ORIGIN="http://testserver")
        self.assertEqual(response.status_code, 200, response.content)

    def test_the_login_page_opens_from_a_link_on_another_site(self):
        response = self.client.get(LOGIN, HTTP_ACCEPT="text/html", HTTP_SEC_FETCH_SITE="cross-site")
        self.assertEqual(response.status_code, 200)

    def test_a_refresh_posted_from_another_site_is_refused_and_consumes_nothing(self):
        pair = self.login()
        body = {"refresh_token": pair["refresh_token"]}
        for headers in ({"HTTP_ORIGIN": EVIL}, {"HTTP_SEC_FETCH_SITE": "cross-site"}):
            with self.subTest(headers=headers):
                response = self.client.post(REFRESH, body, format="json", **headers)
                self.assertError(response, 403, "csrf_failed")
                self.assertNoTokenCookies(response)
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)
