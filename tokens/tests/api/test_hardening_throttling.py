"""Attacks on the limits on guessing, each as an attacker with a browser, curl or a stolen access
token would try it: every door that checks a secret counts wrong guesses together per account.
"""

from django.conf import settings
from django.core import mail
from django.test import override_settings

from tokens.browser import device_cookies
from tokens.lifecycle.models import EmailVerification
from tokens.models import AuthEvent
from tokens.tests.api.test_throttling import ThrottleAssertions
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    login_name,
    make_user,
    rate_limits,
    token_settings,
    uses_accounts,
)

ADMIN_LOGIN = "/admin/login/?next=/admin/"


class AdminLoginGuessingTests(ThrottleAssertions, AuthAPITestCase):
    """The Django admin's login form is a door like login/: the same limits, the same account."""

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.user.is_staff = True
        self.user.save()

    def admin_login(self, password, ip="10.0.0.1"):
        return self.client.post(
            ADMIN_LOGIN,
            {"username": login_name("alice"), "password": password},
            REMOTE_ADDR=ip,
        )

    def signed_in(self) -> bool:
        return self.client.get("/admin/").status_code == 200

    def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(self):
        for _ in range(40):
            self.admin_login("wrong")
        response = self.admin_login(PASSWORD)
        self.assertEqual(response.status_code, 200)  # the form again, with the wait as its error
        self.assertIn(
            "throttled", [e.code for e in response.context["form"].non_field_errors().data]
        )
        self.assertFalse(self.signed_in())

    def test_the_wait_is_the_login_apis_and_counts_together_with_it(self):
        self.assertEqual(self.admin_login("wrong").status_code, 200)
        # The API's door sees the admin's failure: same account, same client.
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
            REMOTE_ADDR="10.0.0.1",
        )
        self.assertThrottled(response, retry_after=1)
        self.clock.advance(1)
        response = self.admin_login(PASSWORD)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.signed_in())

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_guessing_from_many_addresses_stops_at_the_accounts_limit(self):
        for number in range(3):
            self.admin_login("wrong", ip=f"10.0.1.{number}")
        response = self.admin_login(PASSWORD, ip="10.0.2.1")
        self.assertIn(
            "throttled", [e.code for e in response.context["form"].non_field_errors().data]
        )
        self.assertFalse(self.signed_in())

    def test_each_failure_is_an_auth_event_of_the_account(self):
        self.admin_login("wrong")
        event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED)
        self.assertEqual(event.user_id, self.user.pk)


@rate_limits(login_ip="1000/min", login_username="3/hour")
class BorrowedDeviceCookieTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    """An attacker whose own username is the victim's e-mail address gains nothing at the victim."""

    def setUp(self):
        super().setUp()
        if not uses_accounts():
            self.skipTest("the look-alike needs a username field besides the e-mail address")
        # The attacker's own account, named with the victim's address, and its device cookie.
        make_user("alice@example.com", email="mallory@example.com")
        response = self.client.post(
            "/api/auth/login/",
            {"username": "mallory@example.com", "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.device = response.cookies[device_cookies.name()].value
        self.client.cookies.clear()

    def guess(self, name, password="wrong", ip="10.0.0.1"):
        self.client.cookies[device_cookies.name()] = self.device
        return self.client.post(
            "/api/auth/login/",
            {"username": name, "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    def test_the_attackers_device_cookie_does_not_lift_the_victims_limit(self):
        for number in range(3):
            self.assertEqual(
                self.guess("alice@example.com", ip=f"10.0.1.{number}").status_code, 401
            )
        self.assertThrottled(self.guess("alice@example.com", PASSWORD, ip="10.0.2.1"))

    def test_the_attackers_device_cookies_do_not_lift_the_limit_on_codes(self):
        # Each login to the look-alike account gives the attacker one more device cookie; one
        # fresh cookie per guess would be a fresh record per guess if they counted for the victim.
        cookies = [self.device]
        for _ in range(5):
            response = self.client.post(
                "/api/auth/login/",
                {"username": "mallory@example.com", "password": PASSWORD},
                format="json",
            )
            cookies.append(response.cookies[device_cookies.name()].value)
        self.client.cookies.clear()
        self.enrol_totp()
        mfa_token = self.password_step()["mfa_token"]
        answers = []
        for cookie in cookies:
            self.client.cookies[device_cookies.name()] = cookie
            answers.append(self.finish(mfa_token, code="000000").status_code)
        self.assertEqual(answers.count(400), 1)
        self.assertEqual(answers.count(429), len(cookies) - 1)

    def test_the_victims_new_device_mail_is_not_suppressed(self):
        self.user.last_login = self.user.date_joined
        self.user.save()
        mail.outbox.clear()
        self.clock.advance(1)
        response = self.guess("alice@example.com", PASSWORD)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([m.to for m in mail.outbox], [[self.user.email]])

    def test_the_device_cookie_holds_no_name(self):
        value = self.device.split(":")[0]
        for name in ("alice", "mallory", "example"):
            self.assertNotIn(name, value)


class StolenAccessTokenTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    """An attacker holding only an access token cannot use password/ as an oracle."""

    def change(self, old):
        return self.post(
            "/api/auth/password/",
            {"old_password": old, "new_password": "another-long-passphrase-7"},
            token=self.pair["access_token"],
        )

    def test_wrong_old_passwords_are_limited_and_recorded_like_failed_logins(self):
        self.assertEqual(self.change("guess-1").status_code, 400)
        self.assertThrottled(self.change("guess-2"), retry_after=1)
        self.assertThrottled(self.change(PASSWORD), retry_after=1)
        failed = AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, user_id=self.user.pk)
        self.assertEqual(failed.count(), 1)
        self.clock.advance(1)
        self.assertEqual(self.change(PASSWORD).status_code, 204)

    def test_the_old_password_and_login_count_together(self):
        self.change("guess-1")
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertThrottled(response, retry_after=1)

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_two_hundred_guesses_in_a_burst_are_two_hundred_429s_but_one(self):
        statuses = [self.change(f"guess-{number}").status_code for number in range(200)]
        self.assertEqual(statuses.count(400), 1)
        self.assertEqual(statuses.count(429), 199)


class TotpConfirmGuessingTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    """Guessing the code that confirms a pending secret (the prize: the recovery codes)."""

    def test_wrong_codes_are_slowed_down(self):
        token = self.pair["access_token"]
        secret = self.post(f"{MFA}totp/", token=token).json()["secret"]
        statuses = []
        for number in range(100):
            response = self.post(f"{MFA}totp/confirm/", {"code": f"{number:06d}"}, token=token)
            statuses.append(response.status_code)
        self.assertLessEqual(statuses.count(400), 1)
        self.assertGreaterEqual(statuses.count(429), 99)
        self.assertEqual(
            AuthEvent.objects.filter(kind=AuthEvent.Kind.MFA_FAILED, user_id=self.user.pk).count(),
            1,
        )
        self.clock.advance(1)
        response = self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token)
        self.assertEqual(response.status_code, 200, response.content)


@rate_limits(login_ip="1000/min", login_username="3/hour")
class OwnersStepUpTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    """An attacker who uses up the account's limit does not block the owner's step-up: the device
    cookie of the owner's browser reaches reauthenticate/ (path /).
    """

    def test_the_owner_re_authenticates_while_the_account_is_under_attack(self):
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        device = response.cookies[device_cookies.name()]
        self.assertEqual(device["path"], "/")
        pair = response.json()
        self.client.cookies.clear()
        for number in range(3):
            self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": "wrong"},
                format="json",
                REMOTE_ADDR=f"10.0.1.{number}",
            )
        # Everyone without the cookie waits, the owner's own re-authentication included ...
        self.assertThrottled(
            self.post(
                "/api/auth/reauthenticate/", {"password": PASSWORD}, token=pair["access_token"]
            )
        )
        # ... but the owner's browser presents its device cookie.
        self.client.cookies[device_cookies.name()] = device.value
        response = self.post(
            "/api/auth/reauthenticate/", {"password": PASSWORD}, token=pair["access_token"]
        )
        self.assertEqual(response.status_code, 200, response.content)


class ThrottleRatesMergeTests(ThrottleAssertions, AuthAPITestCase):
    """A project naming one rate keeps the others: no limit on guessing turns off silently."""

    def test_one_rate_in_settings_keeps_the_per_account_limit(self):
        rates = {"login_ip": "1000/min"}
        with override_settings(TOKENS={**settings.TOKENS, "THROTTLE_RATES": rates}):
            for number in range(10):
                self.client.post(
                    "/api/auth/login/",
                    {"username": login_name("alice"), "password": "wrong"},
                    format="json",
                    REMOTE_ADDR=f"10.0.1.{number}",
                )
            response = self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
                REMOTE_ADDR="10.0.2.1",
            )
        self.assertThrottled(response)

    def test_none_turns_one_rate_off(self):
        from tokens.conf import token_settings as live

        with token_settings(THROTTLE_RATES={"mail_ip": None}):
            self.assertIsNone(live.THROTTLE_RATES["mail_ip"])
            self.assertEqual(live.THROTTLE_RATES["login_username"], "10/hour")


class UnknownNamesTests(ThrottleAssertions, AuthAPITestCase):
    """A name no account has is limited the same way: the answers never tell it exists."""

    def test_the_same_wait_for_a_known_and_an_unknown_name(self):
        for name in (login_name("alice"), "nobody@example.com"):
            with self.subTest(name=name):
                first = self.client.post(
                    "/api/auth/login/", {"username": name, "password": "x"}, format="json"
                )
                self.assertError(first, 401, "invalid_credentials")
                self.assertThrottled(
                    self.client.post(
                        "/api/auth/login/", {"username": name, "password": "x"}, format="json"
                    ),
                    retry_after=1,
                )

    def test_a_failure_at_an_address_counts_for_its_account_not_a_look_alike(self):
        if not uses_accounts():
            self.skipTest("needs a username field besides the e-mail address")
        look_alike = make_user("alice@example.com", email="mallory@example.com")
        self.client.post(
            "/api/auth/login/",
            {"username": "alice@example.com", "password": "wrong"},
            format="json",
        )
        event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED)
        self.assertEqual(event.user_id, self.user.pk)
        self.assertNotEqual(event.user_id, look_alike.pk)


class NameCaseTests(ThrottleAssertions, AuthAPITestCase):
    """Two spellings of one name answer alike whether or not an account has it: a guess at
    ``Alice`` is a guess at ``alice``, and a name nobody has is counted with its case ignored.
    """

    def guess(self, name):
        return self.client.post(
            "/api/auth/login/", {"username": name, "password": "x"}, format="json"
        )

    def test_a_second_spelling_waits_for_a_known_and_an_unknown_name_alike(self):
        for name in (login_name("alice"), "nobody-here"):
            with self.subTest(name=name):
                self.assertError(self.guess(name), 401, "invalid_credentials")
                self.assertThrottled(self.guess(name.upper()), retry_after=1)


@token_settings(EMAIL_VERIFICATION="mandatory")
class UnverifiedSignUpGuessingTests(ThrottleAssertions, AuthAPITestCase):
    """A right password that the next stage refuses (an unverified sign-up) does not wipe the
    client's run of wrong guesses: it is no login.
    """

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        EmailVerification.objects.create(
            user=self.user, purpose=EmailVerification.Purpose.SIGNUP, email=self.user.email
        )

    def attempt(self, password):
        return self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": password},
            format="json",
        )

    def test_the_delay_keeps_growing_across_a_refused_right_password(self):
        self.assertError(self.attempt("wrong"), 401, "invalid_credentials")
        self.clock.advance(1)
        self.assertError(self.attempt(PASSWORD), 403, "email_unverified")
        self.assertError(self.attempt("wrong"), 401, "invalid_credentials")
        # The second wrong guess of the run: two seconds, not one.
        self.assertThrottled(self.attempt("wrong"), retry_after=2)
