"""Attacks on browsers, each stopped: login CSRF, cookies a sibling site could plant, inline
script and framing on the project's pages.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, override_settings
from rest_framework.test import APIClient

from tokens.tests.mfa import MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    login_name,
    make_user,
    token_settings,
)

PROJECT = Path(__file__).resolve().parents[3]

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


class CookiePrefixTests(AuthAPITestCase):
    """A sibling subdomain, or a man in the middle of plain HTTP, plants a cookie with its own
    token: without the prefix a browser would send it as this site's.
    """

    def cookie_login(self, username="alice"):
        credentials = {"username": login_name(username), "password": PASSWORD}
        response = self.client.post(LOGIN, credentials, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        return response

    def planted_pair(self) -> dict:
        """The attacker's own tokens, to plant in the victim's browser."""
        make_user("mallory")
        pair = self.cookie_login("mallory").json()
        self.client.cookies.clear()
        return pair

    def test_outside_debug_the_token_cookies_carry_the_prefixes(self):
        response = self.cookie_login()
        access = response.cookies["__Host-access_token"]
        refresh = response.cookies["__Secure-refresh_token"]
        self.assertEqual((access["path"], access["domain"]), ("/", ""))
        self.assertEqual(refresh["path"], "/api/auth/")
        self.assertTrue(access["secure"] and refresh["secure"])
        self.assertNotIn("access_token", response.cookies)
        self.assertNotIn("refresh_token", response.cookies)

    def test_a_planted_unprefixed_access_cookie_is_not_read(self):
        pair = self.planted_pair()
        self.client.cookies["access_token"] = pair["access_token"]
        self.assertError(self.client.get("/api/auth/me/"), 401, "not_authenticated")

    def test_a_planted_unprefixed_refresh_cookie_is_not_read(self):
        pair = self.planted_pair()
        self.client.cookies["refresh_token"] = pair["refresh_token"]
        self.assertError(self.client.post(REFRESH), 401, "not_authenticated")

    def test_the_prefixed_cookies_work(self):
        self.cookie_login()
        self.assertEqual(self.client.get("/api/auth/me/").status_code, 200)
        self.assertEqual(self.client.post(REFRESH).status_code, 200)
        logout = self.client.post("/api/auth/logout/")
        self.assertEqual(logout.status_code, 204)
        self.assertEqual(logout.cookies["__Host-access_token"]["max-age"], 0)
        self.assertEqual(logout.cookies["__Secure-refresh_token"]["max-age"], 0)

    @token_settings(REFRESH_COOKIE_PATH="/")
    def test_a_refresh_cookie_on_the_whole_site_carries_the_host_prefix(self):
        self.assertIn("__Host-refresh_token", self.cookie_login().cookies)

    @token_settings(TOKEN_BINDING=True)
    def test_the_fingerprint_cookie_carries_the_host_prefix(self):
        cookie = self.cookie_login().cookies["__Host-fgp"]
        self.assertEqual((cookie["path"], cookie["domain"]), ("/", ""))
        self.assertEqual(self.client.get("/api/auth/me/").status_code, 200)

    @token_settings(COOKIE_SECURE=False, TOKEN_BINDING=True)
    def test_under_debug_the_cookies_keep_their_plain_names(self):
        response = self.cookie_login()
        for name in ("access_token", "refresh_token", "fgp"):
            self.assertIn(name, response.cookies)
            self.assertFalse(response.cookies[name]["secure"])
        self.assertEqual(self.client.get("/api/auth/me/").status_code, 200)
        self.assertEqual(self.client.post(REFRESH).status_code, 200)

    def test_djangos_cookies_carry_the_host_prefix(self):
        page = self.client.get("/")
        cookie = page.cookies["__Host-csrftoken"]
        self.assertEqual((cookie["path"], cookie["domain"]), ("/", ""))
        self.assertTrue(cookie["secure"])
        self.assertContains(page, 'data-csrf-cookie="__Host-csrftoken"')

    @override_settings(CSRF_COOKIE_NAME="csrftoken", CSRF_COOKIE_SECURE=False)
    def test_the_account_page_names_the_csrf_cookie_its_script_reads(self):
        page = self.client.get("/")
        self.assertIn("csrftoken", page.cookies)
        self.assertContains(page, 'data-csrf-cookie="csrftoken"')


# The names the project's settings give Django's cookies, and whether the app's are Secure.
COOKIE_SETTINGS = (
    "import json; from django.conf import settings; print(json.dumps([settings.CSRF_COOKIE_NAME, "
    "settings.SESSION_COOKIE_NAME, settings.TOKENS['COOKIE_SECURE']]))"
)


class ProjectCookieSettingsTests(SimpleTestCase):
    """The project decides "outside DEBUG" once, for its cookies and Django's."""

    def cookie_settings(self, debug: str) -> list:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="s" * 60,
            ACCESS_SIGNING_KEY="a" * 64,
            REFRESH_SIGNING_KEY="r" * 64,
            DEBUG=debug,
        )
        result = subprocess.run(
            [sys.executable, "-c", COOKIE_SETTINGS],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_outside_debug_djangos_cookies_carry_the_host_prefix(self):
        self.assertEqual(self.cookie_settings("0"), ["__Host-csrftoken", "__Host-sessionid", True])

    def test_under_debug_they_keep_their_plain_names(self):
        self.assertEqual(self.cookie_settings("1"), ["csrftoken", "sessionid", False])


class PagePolicyTests(AuthAPITestCase):
    """Markup injected into a page runs no script, and no other site frames a page to trick a
    click (clickjacking).
    """

    def setUp(self):
        super().setUp()
        self.root = make_user("root", is_staff=True, is_superuser=True)

    def pages(self):
        self.client.force_login(self.root)
        yield "the account page", self.client.get("/")
        yield "the demo page", self.client.get("/demo/")
        yield "the security overview", self.client.get("/admin/tokens/authevent/overview/")

    def assertPolicy(self, response):
        self.assertEqual(response.status_code, 200)
        directives = {
            name: values
            for name, *values in (
                part.split() for part in response["Content-Security-Policy"].split(";")
            )
        }
        self.assertIn(directives.get("script-src", directives.get("default-src")), [["'self'"]])
        self.assertEqual(directives["object-src"], ["'none'"])
        self.assertIn(directives["base-uri"], [["'none'"], ["'self'"]])
        self.assertIn(directives["frame-ancestors"], [["'none'"], ["'self'"]])
        self.assertNotIn("'unsafe-inline'", directives.get("style-src", []))

    def assertNoInlineCode(self, response):
        page = response.content.decode()
        for script in re.findall(r"<script\b[^>]*>", page):
            self.assertRegex(script, r"\bsrc=|type=\"application/json\"", script)
        self.assertNotRegex(page, r"<style\b|\sstyle=|\son[a-z]+=|javascript:")

    def test_each_page_sends_the_policy_and_holds_no_inline_code(self):
        for debug in (False, True):
            with override_settings(DEBUG=debug):
                for name, response in self.pages():
                    with self.subTest(page=name, debug=debug):
                        self.assertPolicy(response)
                        self.assertNoInlineCode(response)

    def test_no_response_may_be_framed(self):
        responses = [response for _, response in self.pages()]
        responses.append(self.client.post(LOGIN, {}, format="json"))
        responses.append(self.client.get("/api/auth/login/", HTTP_ACCEPT="text/html"))
        for response in responses:
            with self.subTest(path=response.wsgi_request.path):
                self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_no_response_of_the_admin_the_api_or_the_operators_may_be_framed(self):
        anonymous = APIClient()
        paths = (
            "/admin/login/",
            "/api/schema/",
            "/api/docs/",
            "/api/auth/no-such-path/",
            "/no-such-page/",
            "/healthz",
            "/readyz",
            "/metrics",
            "/.well-known/jwks.json",
        )
        responses = [anonymous.get(path) for path in paths]
        self.client.force_login(self.root)
        responses += [self.client.get(path) for path in ("/admin/", "/admin/tokens/session/")]
        for response in responses:
            with self.subTest(path=response.wsgi_request.path, status=response.status_code):
                self.assertEqual(response["X-Frame-Options"], "DENY")


class SecondStepCsrfTests(MfaMixin, AuthAPITestCase):
    """Another site's page finishing a login the attacker started: the second step and the passkey
    login refuse it like login/.
    """

    def test_the_second_step_posted_from_another_site_is_refused_and_spends_nothing(self):
        secret, _ = self.enrol_totp()
        mfa_token = self.password_step()["mfa_token"]
        response = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": mfa_token, "code": self.code(secret)},
            format="json",
            HTTP_ORIGIN=EVIL,
        )
        self.assertError(response, 403, "csrf_failed")
        self.assertEqual(self.finish(mfa_token, code=self.code(secret)).status_code, 200)

    def test_a_passkey_login_posted_from_another_site_is_refused(self):
        for headers in ({"HTTP_ORIGIN": EVIL}, {"HTTP_SEC_FETCH_SITE": "cross-site"}):
            with self.subTest(headers=headers):
                response = self.client.post(
                    "/api/auth/login/passkey/",
                    {"challenge_id": "x", "credential": {}},
                    format="json",
                    **headers,
                )
                self.assertError(response, 403, "csrf_failed")
