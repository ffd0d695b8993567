"""The pages for people: the account page and the browsable API's navbar, without a browser."""

from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from tokens.browser.cookies import access_cookie_name
from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name

HTML = {"HTTP_ACCEPT": "text/html"}
# The account page's static files.
SCRIPTS = ("auth-client.js", "forms.js", "second-factors.js", "account.js", "account.css")


class AccountPageTests(AuthAPITestCase):
    def test_the_account_page_loads_its_client(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        forms = (
            "login-form",
            "register-form",
            "forgot-form",
            "reset-confirm-form",
            "email-form",
            "password-form",
            "mfa-form",
            "totp-form",
            "passkey-form",
            "reauth-form",
        )
        for form in forms:
            self.assertContains(response, f'id="{form}"')
        for name in SCRIPTS:
            self.assertContains(response, f"tokens/{name}")

    def test_the_scripts_are_static_files_of_the_app(self):
        for name in SCRIPTS:
            with self.subTest(name=name):
                self.assertIsNotNone(finders.find(f"tokens/{name}"))


class BrowsableAPINavbarTests(AuthAPITestCase):
    def browser_login(self):
        """Log in through the login page's form, with the CSRF token the page hands out."""
        token = self.client.get("/api/auth/login/", **HTML).context["csrf_token"]
        form = {"username": login_name("alice"), "password": PASSWORD}
        response = self.client.post(
            "/api/auth/login/", {**form, "csrfmiddlewaretoken": str(token)}, **HTML
        )
        self.assertEqual(response.status_code, 200)
        return response

    def test_signed_out_the_navbar_links_to_our_login(self):
        response = self.client.get("/api/auth/me/", **HTML)
        self.assertEqual(response.status_code, 401)
        self.assertContains(response, 'href="/api/auth/login/" id="login-link"', status_code=401)
        self.assertNotContains(response, "api-auth", status_code=401)

    def test_the_login_page_is_a_login_form_not_a_405(self):
        response = self.client.get("/api/auth/login/", **HTML)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertNotIn("405", page)
        self.assertNotIn("Method Not Allowed", page)
        self.assertInHTML("<h1>Log in</h1>", page)
        self.assertEqual(page.count("<input"), 3, page)  # the CSRF token, the name, the password
        self.assertIn('name="username"', page)
        self.assertIn("Username or e-mail", page)
        self.assertIn('type="password"', page)
        self.assertNotIn('name="email"', page)
        self.assertIn('id="login-link"', page)

    def test_json_clients_still_get_the_405(self):
        response = self.client.get("/api/auth/login/", HTTP_ACCEPT="application/json")
        self.assertError(response, 405, "method_not_allowed")
        self.assertEqual(response["Allow"], "POST, OPTIONS")

    def test_the_page_after_logging_in_shows_the_user_signed_in(self):
        response = self.client.post(
            "/api/auth/login/", {"username": "alice@example.com", "password": PASSWORD}, **HTML
        )
        self.assertContains(response, 'id="signed-in-user"')
        self.assertContains(response, "access_token")
        self.assertNotContains(response, 'id="login-link"')

    def test_a_failed_login_shows_the_error_and_the_form_again(self):
        response = self.client.post(
            "/api/auth/login/", {"username": "alice", "password": "wrong"}, **HTML
        )
        self.assertContains(response, "invalid_credentials", status_code=401)
        self.assertContains(response, 'id="login-submit"', status_code=401)
        self.assertContains(response, 'id="login-link"', status_code=401)

    def test_signed_in_by_cookie_the_navbar_shows_the_user_and_our_logout(self):
        self.browser_login()
        response = self.client.get("/api/auth/me/", **HTML)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="signed-in-user"')
        self.assertContains(response, 'action="/api/auth/logout/"')
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertNotContains(response, 'id="login-link"')

    def test_the_navbar_logout_form_logs_out(self):
        self.client = APIClient(enforce_csrf_checks=True)
        self.browser_login()
        page = self.client.get("/api/auth/sessions/", **HTML)
        token = page.context["csrf_token"]
        response = self.client.post(
            "/api/auth/logout/", {"csrfmiddlewaretoken": str(token)}, **HTML
        )
        self.assertEqual(response.status_code, 200)  # the browsable API shows a 204 as a page
        self.assertEqual(response.cookies[access_cookie_name()].value, "")
        self.assertEqual(self.client.get("/api/auth/me/").status_code, 401)
