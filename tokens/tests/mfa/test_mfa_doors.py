"""No way into an account skips its second factor: each door, with a test that fails if the
factor is skipped.
"""

from django.conf import settings
from django.core import mail

from tokens.browser.cookies import access_cookie_name, refresh_cookie_name
from tokens.models import Session
from tokens.tests.lifecycle_support import NEW_PASSWORD, key_in, mails_to
from tokens.tests.mfa import MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    claims,
    login_name,
    without_rate_limits,
)


@without_rate_limits()
class LoginDoorTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.secret, _codes = self.enrol_totp()
        self.sessions_before = Session.objects.count()

    def assertNoSessionOpened(self):
        self.assertEqual(Session.objects.count(), self.sessions_before)

    def test_the_json_login(self):
        body = self.password_step()
        self.assertFalse({"access_token", "refresh_token", "session_id"} & set(body))
        self.assertNoSessionOpened()

    def test_the_cookie_login_sets_no_cookie_until_the_second_factor(self):
        self.client.cookies.clear()
        self.password_step()
        for name in (access_cookie_name(), refresh_cookie_name()):
            self.assertNotIn(name, self.client.cookies)
        self.assertError(self.client.get("/api/auth/me/"), 401, "not_authenticated")
        self.assertNoSessionOpened()

    def test_the_second_step_sets_the_cookies(self):
        self.client.cookies.clear()
        body = self.password_step()
        self.assertEqual(
            self.finish(body["mfa_token"], code=self.code(self.secret)).status_code, 200
        )
        self.assertIn(access_cookie_name(), self.client.cookies)
        self.assertEqual(self.client.get("/api/auth/me/").status_code, 200)

    def test_the_browsable_apis_login_page_asks_for_the_code(self):
        self.client.cookies.clear()
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            HTTP_ACCEPT="text/html",
        )
        self.assertEqual(response.status_code, 403)
        page = response.content.decode()
        self.assertIn("Second factor", page)
        self.assertIn('action="http://testserver/api/auth/login/mfa/"', page)
        self.assertIn('name="code"', page)
        self.assertNotIn(access_cookie_name(), self.client.cookies)
        self.assertNoSessionOpened()
        mfa_token = response.data["mfa_token"]
        self.assertIn(f'value="{mfa_token}"', page)
        finished = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": mfa_token, "code": self.code(self.secret)},
            HTTP_ACCEPT="text/html",
        )
        self.assertEqual(finished.status_code, 200)
        self.assertIn(access_cookie_name(), self.client.cookies)

    def test_the_second_steps_page_opens_in_a_browser(self):
        response = self.client.get("/api/auth/login/mfa/", HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="mfa_token"', response.content.decode())


@without_rate_limits()
class AdminDoorTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.user.is_staff = True
        self.user.is_superuser = True
        self.user.save()

    def admin_login(self, **extra):
        self.client.cookies.clear()
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": login_name("alice"), "password": PASSWORD, **extra},
        )

    def signed_in(self) -> bool:
        return settings.SESSION_COOKIE_NAME in self.client.cookies and (
            self.client.get("/admin/").status_code == 200
        )

    def test_staff_without_a_factor_log_in_with_the_password(self):
        self.assertEqual(self.admin_login().status_code, 302)
        self.assertTrue(self.signed_in())

    def test_staff_with_a_factor_need_its_code(self):
        secret, codes = self.enrol_totp()
        response = self.admin_login()
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="code"', response.content.decode())
        self.assertFalse(self.signed_in())
        self.assertEqual(
            self.admin_login(code="000000" if self.code(secret) != "000000" else "1").status_code,
            200,
        )
        self.assertFalse(self.signed_in())
        self.clock.advance(2)
        self.assertEqual(self.admin_login(code=self.code(secret)).status_code, 302)
        self.assertTrue(self.signed_in())
        self.clock.advance(2)
        self.assertEqual(self.admin_login(code=codes[0]).status_code, 302)
        self.assertEqual(self.admin_login(code=codes[0]).status_code, 200)

    def test_wrong_codes_are_slowed_down_at_the_admin_too(self):
        secret, _codes = self.enrol_totp()
        wrong = f"{(int(self.code(secret)) + 1) % 1000000:06d}"
        codes = []
        for _ in range(2):
            form = self.admin_login(code=wrong).context["form"]
            codes.append(form.non_field_errors().as_data()[0].code)
        self.assertEqual(codes, ["invalid_code", "throttled"])
        self.assertEqual(self.admin_login(code=self.code(secret)).status_code, 200)
        self.clock.advance(1)
        self.assertEqual(self.admin_login(code=self.code(secret)).status_code, 302)

    def test_the_login_page_shows_the_field(self):
        page = self.client.get("/admin/login/").content.decode()
        self.assertIn('name="code"', page)
        self.assertIn('autocomplete="one-time-code"', page)


@without_rate_limits()
class PasswordResetDoorTests(MfaMixin, AuthAPITestCase):
    def test_a_reset_password_still_needs_the_second_factor(self):
        secret, _codes = self.enrol_totp()
        mail.outbox.clear()
        self.client.post("/api/auth/password/reset/", {"email": self.user.email}, format="json")
        key = key_in(mails_to(self.user.email)[-1], "reset")
        response = self.client.post(
            "/api/auth/password/reset/confirm/",
            {"key": key, "new_password": NEW_PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 204, response.content)
        self.assertError(self.me(self.pair["access_token"]), 401, "token_revoked")
        sessions = Session.objects.count()
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": NEW_PASSWORD},
            format="json",
        )
        self.assertError(response, 403, "mfa_required")
        self.assertEqual(Session.objects.count(), sessions)
        finished = self.finish(response.json()["mfa_token"], code=self.code(secret))
        self.assertEqual(finished.status_code, 200)
        self.assertIn("mfa", claims(finished.json()["access_token"])["amr"])
