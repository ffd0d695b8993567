"""Enforced second factors (``MFA_REQUIRED``): a user in scope without a factor gets no session from
a password alone, only an ``enrollment_token`` that enrols a first factor and nothing else.
"""

from django.conf import settings
from django.core import checks
from django_redis import get_redis_connection

from tokens.browser import device_cookies
from tokens.conf import DEFAULTS
from tokens.models import Session
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.operations.test_metrics import ScrapeMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    bearer,
    claims,
    login_name,
    make_user,
    token_settings,
)

LOGIN = "/api/auth/login/"
ENROLMENT_REQUIRED = "mfa_enrollment_required"


def mfa_required(scope: str, **more):
    """``MFA_REQUIRED`` set to ``scope``, with every rate limit off (the tests count guesses)."""
    return token_settings(
        MFA_REQUIRED=scope,
        THROTTLE_RATES=dict.fromkeys(settings.TOKENS["THROTTLE_RATES"]),
        **more,
    )


class EnrolmentMixin:
    """A user ``alice`` without a second factor, on a clock the test moves."""

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def post(self, path, data=None, token=None, **extra):
        headers = bearer(token) if token else {}
        return self.client.post(path, data or {}, format="json", **headers, **extra)

    def password_login(self, username="alice", password=PASSWORD):
        return self.client.post(
            LOGIN, {"username": login_name(username), "password": password}, format="json"
        )

    def enrollment_token(self, username="alice") -> str:
        """The password step of a user who must enrol: its 403 and its token."""
        response = self.password_login(username)
        self.assertError(response, 403, ENROLMENT_REQUIRED)
        body = response.json()
        self.assertNotIn("access_token", body)
        self.assertNotIn("refresh_token", body)
        return body["enrollment_token"]

    def totp_secret(self, token: str) -> str:
        response = self.post(f"{MFA}totp/", token=token)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["secret"]


@mfa_required("all")
class EnrolmentAtLoginTests(EnrolmentMixin, MfaMixin, AuthAPITestCase):
    def setUp(self):
        # MfaMixin's own login would be held back: this class logs in by itself.
        AuthAPITestCase.setUp(self)
        self.clock = FrozenClock().install(self)

    def test_a_password_alone_opens_no_session_and_sets_no_cookie(self):
        self.enrollment_token()
        self.assertFalse(Session.objects.filter(user=self.user).exists())
        self.assertNotIn(device_cookies.name(), self.client.cookies)

    def test_a_wrong_password_is_refused_before_anything_is_said_about_factors(self):
        response = self.password_login(password="wrong password")
        self.assertError(response, 401, "invalid_credentials")
        self.assertNotIn("enrollment_token", response.json())

    def test_enrolling_totp_completes_the_login_with_mfa_in_amr(self):
        token = self.enrollment_token()
        secret = self.totp_secret(token)
        response = self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(len(body["recovery_codes"]), 10)
        self.assertEqual(body["user"]["username"], self.user.get_username())
        self.assertEqual(claims(body["access_token"])["amr"], ["pwd", "otp", "mfa"])
        self.assertEqual(claims(body["refresh_token"])["amr"], ["pwd", "otp", "mfa"])
        self.assertIn(device_cookies.name(), response.cookies)
        self.assertEqual(self.me(body["access_token"]).status_code, 200)
        self.assertEqual(Session.objects.filter(user=self.user).count(), 1)
        # From now on the account has its factor: the next login asks for it.
        self.client.cookies.clear()
        self.assertError(self.password_login(), 403, "mfa_required")

    def test_the_token_is_spent_by_the_login_it_completes(self):
        token = self.enrollment_token()
        secret = self.totp_secret(token)
        code = self.code(secret)
        self.assertEqual(
            self.post(f"{MFA}totp/confirm/", {"code": code}, token=token).status_code, 200
        )
        self.clock.advance(30)
        for path, data in (
            (f"{MFA}totp/confirm/", {"code": self.code(secret)}),
            (f"{MFA}totp/", None),
            (f"{MFA}passkeys/options/", None),
        ):
            with self.subTest(path):
                self.assertError(self.post(path, data, token=token), 401, "token_invalid")
        self.assertEqual(Session.objects.filter(user=self.user).count(), 1)
        # Nothing of the waiting login is left behind.
        self.assertEqual(list(get_redis_connection("default").scan_iter("*:enrol:*")), [])

    def test_a_second_token_cannot_replace_the_factor_enrolled_with_the_first(self):
        # Someone else who knows the password logs in too, and waits.
        theirs = self.enrollment_token()
        ours = self.enrollment_token()
        secret = self.totp_secret(ours)
        self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=ours)
        self.assertError(self.post(f"{MFA}totp/", token=theirs), 401, "token_invalid")
        self.assertError(self.post(f"{MFA}passkeys/options/", token=theirs), 401, "token_invalid")

    def test_the_token_opens_no_other_endpoint(self):
        token = self.enrollment_token()
        refused = (
            ("get", "/api/auth/me/", {}),
            ("get", "/api/auth/session/", {}),
            ("get", "/api/auth/sessions/", {}),
            ("post", "/api/auth/logout/", {}),
            ("post", "/api/auth/logout-all/", {}),
            ("post", "/api/auth/logout-others/", {}),
            ("post", "/api/auth/password/", {"old_password": PASSWORD, "new_password": "x" * 20}),
            ("post", "/api/auth/reauthenticate/", {"password": PASSWORD}),
            ("post", "/api/auth/email/change/", {"email": "mallory@example.com"}),
            ("get", MFA, {}),
            ("post", f"{MFA}recovery-codes/", {}),
            ("delete", f"{MFA}totp/", {}),
            ("delete", f"{MFA}passkeys/1/", {}),
            # The enrolment steps themselves take it only as a POST.
            ("get", f"{MFA}totp/", {}),
        )
        for method, path, data in refused:
            with self.subTest(method=method, path=path):
                call = getattr(self.client, method)
                response = call(path, data, format="json", **bearer(token))
                self.assertError(response, 401, "token_invalid")

    def test_the_token_is_no_refresh_token_nor_an_mfa_token(self):
        token = self.enrollment_token()
        self.assertError(self.refresh(token), 401, "token_invalid")
        self.assertError(self.post("/api/auth/refresh/", token=token), 401, "token_invalid")
        self.assertError(
            self.post("/api/auth/login/mfa/", {"mfa_token": token, "code": "123456"}),
            401,
            "token_invalid",
        )
        # Still good for what it is for.
        self.totp_secret(token)

    def test_the_token_expires_after_ten_minutes(self):
        token = self.enrollment_token()
        secret = self.totp_secret(token)
        self.clock.advance(600)
        self.assertError(
            self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token),
            401,
            "token_invalid",
        )
        self.assertError(self.post(f"{MFA}totp/", token=token), 401, "token_invalid")
        self.assertFalse(Session.objects.filter(user=self.user).exists())

    def test_a_new_password_ends_the_wait(self):
        token = self.enrollment_token()
        self.user.set_password("a brand new passphrase")
        self.user.save()
        self.assertError(self.post(f"{MFA}totp/", token=token), 401, "token_invalid")

    def test_a_disabled_user_cannot_go_on_enrolling(self):
        token = self.enrollment_token()
        self.user.is_active = False
        self.user.save()
        self.assertError(self.post(f"{MFA}totp/", token=token), 401, "token_invalid")

    def test_a_guessed_or_forged_token_is_token_invalid(self):
        self.enrollment_token()
        for forged in ("x" * 43, "not-a-token"):
            with self.subTest(forged):
                self.assertError(self.post(f"{MFA}totp/", token=forged), 401, "token_invalid")

    def test_wrong_codes_leave_the_token_valid_and_are_slowed_down(self):
        token = self.enrollment_token()
        secret = self.totp_secret(token)
        right = self.code(secret)
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        waits = []
        for _ in range(6):
            response = self.post(f"{MFA}totp/confirm/", {"code": wrong}, token=token)
            if response.status_code == 429:
                self.assertEqual(response.json()["code"], "throttled")
                waits.append(int(response["Retry-After"]))
                self.clock.advance(int(response["Retry-After"]))
            else:
                self.assertError(response, 400, "invalid_code")
        self.assertGreaterEqual(len(waits), 2)
        # The right code is held back too while a wait lasts.
        self.post(f"{MFA}totp/confirm/", {"code": wrong}, token=token)
        self.assertError(
            self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token),
            429,
            "throttled",
        )
        self.clock.advance(120)
        response = self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn("access_token", response.json())

    def test_enrolling_a_passkey_completes_the_login(self):
        authenticator = SoftAuthenticator()
        token = self.enrollment_token()
        options = self.post(f"{MFA}passkeys/options/", token=token)
        self.assertEqual(options.status_code, 200, options.content)
        credential = authenticator.create(options.json())
        response = self.post(
            f"{MFA}passkeys/", {"credential": credential, "name": "laptop"}, token=token
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["name"], "laptop")
        self.assertEqual(len(body["recovery_codes"]), 10)
        self.assertEqual(claims(body["access_token"])["amr"], ["pwd", "hwk", "mfa"])
        self.assertEqual(self.me(body["access_token"]).status_code, 200)
        # Spent: the same token registers nothing more.
        self.assertError(self.post(f"{MFA}passkeys/options/", token=token), 401, "token_invalid")

    def test_sessions_opened_before_the_setting_end_with_the_first_factor(self):
        with token_settings(MFA_REQUIRED="none"):
            old = self.login()
        token = self.enrollment_token()
        secret = self.totp_secret(token)
        self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token)
        self.assertError(self.refresh(old["refresh_token"]), 401, "token_revoked")

    def test_reauthenticating_an_older_session_is_no_login(self):
        with token_settings(MFA_REQUIRED="none"):
            self.pair = self.login()
        response = self.post(
            "/api/auth/reauthenticate/", {"password": PASSWORD}, token=self.pair["access_token"]
        )
        self.assertEqual(response.status_code, 200, response.content)


@mfa_required("all")
class FactorAlreadyThereTests(EnrolmentMixin, MfaMixin, AuthAPITestCase):
    """Users with a factor (enrolled before the setting) log in exactly as before."""

    def setUp(self):
        with token_settings(MFA_REQUIRED="none"):
            super().setUp()
            self.secret, _codes = self.enrol_totp()

    def test_a_password_asks_for_the_factor_not_for_an_enrolment(self):
        self.client.cookies.clear()
        response = self.password_login()
        self.assertError(response, 403, "mfa_required")
        self.assertNotIn("enrollment_token", response.json())
        finished = self.post(
            "/api/auth/login/mfa/",
            {"mfa_token": response.json()["mfa_token"], "code": self.code(self.secret)},
        )
        self.assertEqual(finished.status_code, 200, finished.content)

    def test_a_passkey_login_is_not_held_back(self):
        authenticator = SoftAuthenticator()
        self.step_up(self.secret)
        options = self.post(f"{MFA}passkeys/options/", token=self.pair["access_token"]).json()
        self.post(
            f"{MFA}passkeys/",
            {"credential": authenticator.create(options), "name": "key"},
            token=self.pair["access_token"],
        )
        options = self.post("/api/auth/login/passkey/options/").json()
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": options["challenge_id"], "credential": authenticator.get(options)},
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_the_enrolment_steps_still_need_recent_authentication_with_an_access_token(self):
        self.clock.advance(301)
        for path in (f"{MFA}totp/", f"{MFA}passkeys/options/"):
            with self.subTest(path):
                response = self.post(path, token=self.pair["access_token"])
                self.assertError(response, 403, "reauthentication_required")


class ScopeTests(EnrolmentMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.staff = make_user("sam", is_staff=True)

    def test_none_holds_nobody_back(self):
        with mfa_required("none"):
            self.assertEqual(self.password_login("alice").status_code, 200)
            self.assertEqual(self.password_login("sam").status_code, 200)

    def test_staff_holds_back_staff_only(self):
        with mfa_required("staff"):
            self.assertEqual(self.password_login("alice").status_code, 200)
            self.enrollment_token("sam")

    def test_all_holds_back_everyone_without_a_factor(self):
        with mfa_required("all"):
            self.enrollment_token("alice")
            self.enrollment_token("sam")


@token_settings(METRICS_ACCESS="open")
class EnrolmentMetricTests(ScrapeMixin, EnrolmentMixin, AuthAPITestCase):
    def test_a_login_held_back_for_enrolment_is_counted(self):
        with mfa_required("all"):
            moved = self.delta(
                self.enrollment_token, "auth_logins_total", outcome=ENROLMENT_REQUIRED
            )
        self.assertEqual(moved, 1)


class AdminEnrolmentTests(EnrolmentMixin, AuthAPITestCase):
    """The Django admin's form lets no staff user in scope in without a factor."""

    def setUp(self):
        super().setUp()
        self.user.is_staff = True
        self.user.is_superuser = True
        self.user.save()

    def admin_login(self):
        self.client.cookies.clear()
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": login_name("alice"), "password": PASSWORD},
        )

    def test_staff_without_a_factor_get_a_form_error_and_no_admin_session(self):
        with mfa_required("staff"):
            response = self.admin_login()
        self.assertEqual(response.status_code, 200)
        codes = [error.code for error in response.context["form"].non_field_errors().as_data()]
        self.assertEqual(codes, [ENROLMENT_REQUIRED])
        self.assertNotIn(settings.SESSION_COOKIE_NAME, self.client.cookies)
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_a_wrong_password_at_the_admin_says_nothing_of_factors(self):
        with mfa_required("staff"):
            self.client.cookies.clear()
            response = self.client.post(
                "/admin/login/?next=/admin/",
                {"username": login_name("alice"), "password": "wrong password"},
            )
        codes = [error.code for error in response.context["form"].non_field_errors().as_data()]
        self.assertEqual(codes, ["invalid_login"])

    def test_without_the_setting_staff_sign_in_as_before(self):
        with mfa_required("none"):
            self.assertEqual(self.admin_login().status_code, 302)


class MfaRequiredSettingTests(AuthAPITestCase):
    def ids(self) -> set[str]:
        return {message.id for message in checks.run_checks()}

    def test_an_unknown_scope_is_refused(self):
        for scope in ("sometimes", "", "ALL", None):
            with self.subTest(scope=scope), token_settings(MFA_REQUIRED=scope):
                self.assertIn("tokens.E018", self.ids())

    def test_the_three_scopes_are_accepted(self):
        for scope in ("none", "staff", "all"):
            with self.subTest(scope=scope), token_settings(MFA_REQUIRED=scope):
                self.assertNotIn("tokens.E018", self.ids())

    def test_a_scope_without_second_factors_is_refused(self):
        with token_settings(MFA_REQUIRED="staff", SECOND_FACTORS=False):
            self.assertIn("tokens.E018", self.ids())

    def test_the_stage_cannot_be_left_out_while_factors_are_required(self):
        stages = [stage for stage in DEFAULTS["LOGIN_STAGES"] if "Enrolment" not in stage]
        with token_settings(MFA_REQUIRED="all", LOGIN_STAGES=stages):
            self.assertIn("tokens.E017", self.ids())
        with token_settings(MFA_REQUIRED="none", LOGIN_STAGES=stages):
            self.assertNotIn("tokens.E017", self.ids())
