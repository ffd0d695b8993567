"""Second factors over HTTP: TOTP enrolment, the login step, recovery codes, wrong-code delays."""

from django.contrib.auth import get_user_model
from django.core import mail
from django_redis import get_redis_connection

from tokens.models import AuthEvent
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    bearer,
    claims,
    login_name,
    token_settings,
    without_rate_limits,
)


@without_rate_limits()
class TotpLoginTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.secret, self.recovery_codes = self.enrol_totp()

    def test_enrolment_gives_ten_recovery_codes_once(self):
        self.assertEqual(len(self.recovery_codes), 10)
        self.step_up(self.secret)
        # Secrets and codes are never kept by a cache on the way.
        response = self.post(f"{MFA}recovery-codes/", token=self.pair["access_token"])
        self.assertIn("no-store", response["Cache-Control"])
        self.recovery_codes = response.json()["recovery_codes"]
        self.assertEqual(len(set(self.recovery_codes)), 10)
        status = self.client.get(MFA, **bearer(self.pair["access_token"])).json()
        self.assertEqual(status["totp"], {"enabled": True})
        self.assertEqual(status["recovery_codes"], {"remaining": 10})
        self.assertEqual(status["passkeys"], [])

    def test_log_out_then_a_login_needs_the_code_and_the_pair_says_mfa(self):
        self.post("/api/auth/logout/", token=self.pair["access_token"])
        body = self.password_step()
        self.assertEqual(body["methods"], ["totp", "recovery_code"])
        self.assertNotIn("passkey_options", body)
        self.assertNotIn("access_token", body)
        response = self.finish(body["mfa_token"], code=self.code(self.secret))
        self.assertEqual(response.status_code, 200, response.content)
        pair = response.json()
        self.assertEqual(pair["user"]["username"], self.user.get_username())
        for token in (pair["access_token"], pair["refresh_token"]):
            self.assertEqual(claims(token)["amr"], ["pwd", "otp", "mfa"])
            self.assertEqual(claims(token)["auth_time"], self.clock.current)
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_the_same_code_is_refused_a_second_time(self):
        code = self.code(self.secret)
        first = self.finish(self.password_step()["mfa_token"], code=code)
        self.assertEqual(first.status_code, 200)
        self.assertError(
            self.finish(self.password_step()["mfa_token"], code=code), 400, "invalid_code"
        )

    def test_a_code_of_an_earlier_step_than_the_last_used_is_refused(self):
        self.assertEqual(
            self.finish(self.password_step()["mfa_token"], code=self.code(self.secret)).status_code,
            200,
        )
        self.clock.advance(2)
        earlier = self.code(self.secret, steps=-1)
        self.assertError(
            self.finish(self.password_step()["mfa_token"], code=earlier), 400, "invalid_code"
        )

    def test_a_recovery_code_works_once(self):
        code = self.recovery_codes[3]
        response = self.finish(self.password_step()["mfa_token"], code=code.upper())
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["pwd", "otp", "mfa"])
        self.clock.advance(60)
        self.assertError(
            self.finish(self.password_step()["mfa_token"], code=code), 400, "invalid_code"
        )
        remaining = self.client.get(MFA, **bearer(response.json()["access_token"])).json()
        self.assertEqual(remaining["recovery_codes"]["remaining"], 9)

    def test_the_mfa_token_is_single_use_and_a_wrong_code_leaves_it_valid(self):
        mfa_token = self.password_step()["mfa_token"]
        self.assertError(
            self.finish(
                mfa_token, code="000000" if self.code(self.secret) != "000000" else "111111"
            ),
            400,
            "invalid_code",
        )
        self.clock.advance(1)
        self.assertEqual(self.finish(mfa_token, code=self.code(self.secret)).status_code, 200)
        self.clock.advance(30)
        self.assertError(self.finish(mfa_token, code=self.code(self.secret)), 401, "token_invalid")

    def test_an_unknown_or_expired_mfa_token_is_token_invalid(self):
        self.assertError(
            self.finish("no-such-token", code=self.code(self.secret)), 401, "token_invalid"
        )
        mfa_token = self.password_step()["mfa_token"]
        redis = get_redis_connection("default")
        for key in redis.scan_iter("*:mfa:*"):
            redis.delete(key)  # expired: Redis dropped it
        self.assertError(self.finish(mfa_token, code=self.code(self.secret)), 401, "token_invalid")

    def test_twenty_wrong_codes_are_slowed_down_with_a_growing_delay(self):
        mfa_token = self.password_step()["mfa_token"]
        right = self.code(self.secret)
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        waits = []
        for _ in range(20):
            response = self.finish(mfa_token, code=wrong)
            if response.status_code == 429:
                self.assertEqual(response.json()["code"], "throttled")
                waits.append(int(response["Retry-After"]))
                self.clock.advance(int(response["Retry-After"]))
            else:
                self.assertError(response, 400, "invalid_code")
        self.assertGreaterEqual(len(waits), 9)
        self.assertEqual(waits[:4], [1, 2, 4, 8])
        self.assertEqual(waits, sorted(waits))
        # The right code is held back too while the wait lasts (no guessing around the delay).
        self.finish(mfa_token, code=wrong)
        self.assertError(self.finish(mfa_token, code=self.code(self.secret)), 429, "throttled")

    def test_successes_and_failures_are_auth_events(self):
        mfa_token = self.password_step()["mfa_token"]
        self.finish(mfa_token, code="12345x")
        self.clock.advance(2)
        self.finish(mfa_token, code=self.code(self.secret))
        kinds = list(AuthEvent.objects.filter(user=self.user).values_list("kind", flat=True))
        self.assertIn(AuthEvent.Kind.FACTOR_ADDED, kinds)
        self.assertIn(AuthEvent.Kind.MFA_FAILED, kinds)
        self.assertIn(AuthEvent.Kind.MFA_SUCCEEDED, kinds)

    def test_a_disabled_user_cannot_finish(self):
        mfa_token = self.password_step()["mfa_token"]
        get_user_model()._default_manager.filter(pk=self.user.pk).update(is_active=False)
        self.assertError(self.finish(mfa_token, code=self.code(self.secret)), 401, "token_invalid")


@without_rate_limits()
class TotpEnrolmentTests(MfaMixin, AuthAPITestCase):
    def test_a_pending_secret_is_not_a_factor_until_confirmed(self):
        response = self.post(f"{MFA}totp/", token=self.pair["access_token"])
        self.assertIn("no-store", response["Cache-Control"])
        body = response.json()
        self.assertTrue(body["otpauth_uri"].startswith("otpauth://totp/"))
        self.assertIn(f"secret={body['secret']}", body["otpauth_uri"])
        self.assertTrue(body["qr_svg"].startswith("<svg"))
        self.login()  # no second factor asked
        self.assertError(
            self.post(f"{MFA}totp/confirm/", {"code": "abcdef"}, token=self.pair["access_token"]),
            400,
            "invalid_code",
        )
        self.assertFalse(
            self.client.get(MFA, **bearer(self.pair["access_token"])).json()["totp"]["enabled"]
        )

    def test_a_second_enrolment_keeps_the_codes_and_the_old_secret_until_confirmed(self):
        secret, _codes = self.enrol_totp()
        self.step_up(secret)
        self.post(f"{MFA}totp/", token=self.pair["access_token"])
        body = self.password_step()
        self.assertEqual(self.finish(body["mfa_token"], code=self.code(secret)).status_code, 200)
        self.clock.advance(30)
        self.step_up(secret)
        new_secret, new_codes = self.enrol_totp()
        self.assertEqual(new_codes, [])
        self.clock.advance(30)
        self.assertError(
            self.finish(self.password_step()["mfa_token"], code=self.code(secret)),
            400,
            "invalid_code",
        )
        self.clock.advance(2)
        self.assertEqual(
            self.finish(self.password_step()["mfa_token"], code=self.code(new_secret)).status_code,
            200,
        )

    def test_removing_totp_removes_the_step_and_the_codes(self):
        secret, _codes = self.enrol_totp()
        self.step_up(secret)
        self.assertEqual(self.delete(f"{MFA}totp/", self.pair["access_token"]).status_code, 204)
        self.login()
        status = self.client.get(MFA, **bearer(self.pair["access_token"])).json()
        self.assertEqual(status["recovery_codes"]["remaining"], 0)
        self.assertTrue(AuthEvent.objects.filter(kind=AuthEvent.Kind.FACTOR_REMOVED).exists())

    def test_new_recovery_codes_replace_the_old_ones(self):
        secret, codes = self.enrol_totp()
        self.step_up(secret)
        response = self.post(f"{MFA}recovery-codes/", token=self.pair["access_token"])
        self.assertEqual(response.status_code, 200, response.content)
        new = response.json()["recovery_codes"]
        self.assertEqual(len(new), 10)
        self.assertError(
            self.finish(self.password_step()["mfa_token"], code=codes[0]), 400, "invalid_code"
        )
        self.clock.advance(2)
        self.assertEqual(
            self.finish(self.password_step()["mfa_token"], code=new[0]).status_code, 200
        )

    def test_recovery_codes_need_a_factor(self):
        self.assertEqual(
            self.post(f"{MFA}recovery-codes/", token=self.pair["access_token"]).status_code, 400
        )

    def test_the_owner_is_told_of_each_change(self):
        with self.captureOnCommitCallbacks(execute=True):
            secret, _codes = self.enrol_totp()
        self.step_up(secret)
        with self.captureOnCommitCallbacks(execute=True):
            self.post(f"{MFA}recovery-codes/", token=self.pair["access_token"])
        with self.captureOnCommitCallbacks(execute=True):
            self.delete(f"{MFA}totp/", self.pair["access_token"])
        subjects = [message.subject for message in mail.outbox]
        self.assertEqual(
            [message.to for message in mail.outbox], [[self.user.email]] * len(mail.outbox)
        )
        self.assertIn("A second factor was added to your account", subjects)
        self.assertIn("Your recovery codes were renewed", subjects)
        self.assertIn("A second factor was removed from your account", subjects)


@without_rate_limits()
class NewDeviceMailTests(AuthAPITestCase):
    subject = "A new sign-in to your account"

    def log_in_keeping_cookies(self):
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 200)

    def notices(self):
        return [m for m in mail.outbox if m.subject == self.subject]

    def test_a_browser_without_the_device_cookie_is_news_to_the_owner(self):
        self.log_in_keeping_cookies()  # the account's first login: every browser is new to it
        self.assertEqual(self.notices(), [])
        self.log_in_keeping_cookies()  # this browser has the device cookie now
        self.assertEqual(self.notices(), [])
        self.client.cookies.clear()
        self.log_in_keeping_cookies()
        self.assertEqual(len(self.notices()), 1)
        self.assertEqual(self.notices()[0].to, [self.user.email])

    @token_settings(NEW_DEVICE_MAIL=False, THROTTLE_RATES={})
    def test_the_setting_turns_it_off(self):
        self.log_in_keeping_cookies()
        self.client.cookies.clear()
        self.log_in_keeping_cookies()
        self.assertEqual(self.notices(), [])
