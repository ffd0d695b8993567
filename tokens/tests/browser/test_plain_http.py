"""A client calling the API over plain HTTP while the site wants HTTPS: a redirect would hide that
its password or token just crossed the network in clear (the client follows it and the call
works), so the API refuses with 403 ``https_required``; pages people open still redirect.
"""

from django.test import override_settings
from rest_framework.test import APIClient

from tokens.models import Session
from tokens.tests.support import PASSWORD, AuthAPITestCase, bearer, login_name

LOGIN = "/api/auth/login/"
HTTPS_ONLY = override_settings(SECURE_SSL_REDIRECT=True)
PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


class PlainHttpTests(AuthAPITestCase):
    def credentials(self) -> dict:
        return {"username": login_name("alice"), "password": PASSWORD}

    @HTTPS_ONLY
    def test_a_login_over_plain_http_is_refused_and_issues_nothing(self):
        response = self.client.post(LOGIN, self.credentials(), format="json")
        self.assertError(response, 403, "https_required")
        self.assertNotIn("access_token", response.json())
        self.assertEqual(list(response.cookies), [])
        self.assertFalse(Session.objects.filter(user_id=self.user.pk).exists())
        self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_a_bearer_token_sent_over_plain_http_is_refused(self):
        access = self.login()["access_token"]
        with HTTPS_ONLY:
            self.assertError(
                self.client.get("/api/auth/me/", **bearer(access)), 403, "https_required"
            )

    @HTTPS_ONLY
    def test_everything_under_the_api_prefix_is_refused(self):
        for path in ("/api/schema/", "/api/docs/", "/api/auth/refresh/", "/api/no-such-path/"):
            with self.subTest(path):
                self.assertError(self.client.get(path), 403, "https_required")

    @HTTPS_ONLY
    def test_pages_people_open_are_still_redirected(self):
        client = APIClient()
        for path in ("/", "/admin/", "/admin/login/?next=/admin/"):
            with self.subTest(path):
                response = client.get(path)
                self.assertEqual(response.status_code, 301)
                self.assertEqual(response["Location"], f"https://testserver{path}")

    @HTTPS_ONLY
    def test_over_https_the_api_works(self):
        response = self.client.post(LOGIN, self.credentials(), format="json", secure=True)
        self.assertEqual(response.status_code, 200)
        me = self.client.get(
            "/api/auth/me/", secure=True, **bearer(response.json()["access_token"])
        )
        self.assertEqual(me.status_code, 200)

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=PROXY)
    def test_behind_a_proxy_its_forwarded_scheme_decides(self):
        ok = self.client.post(
            LOGIN, self.credentials(), format="json", HTTP_X_FORWARDED_PROTO="https"
        )
        self.assertEqual(ok.status_code, 200)
        refused = self.client.post(
            LOGIN, self.credentials(), format="json", HTTP_X_FORWARDED_PROTO="http"
        )
        self.assertError(refused, 403, "https_required")

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^api/auth/login/$"])
    def test_an_exempt_path_is_served_over_plain_http(self):
        self.assertEqual(
            self.client.post(LOGIN, self.credentials(), format="json").status_code, 200
        )
        self.assertError(self.client.get("/api/auth/me/"), 403, "https_required")

    def test_without_the_redirect_setting_plain_http_works(self):
        with override_settings(SECURE_SSL_REDIRECT=False):
            self.assertEqual(
                self.client.post(LOGIN, self.credentials(), format="json").status_code, 200
            )
