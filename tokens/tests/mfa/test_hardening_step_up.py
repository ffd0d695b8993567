"""Step-up as strong as the account, and the first second factor ending the user's other sessions.

Each test is an attack: a thief holding an access token of a user with a second factor, who knows
the password but not the factor, or an older session left alive when the factor was turned on.
"""

from tokens.models import Session
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import PASSWORD, AuthAPITestCase, bearer, claims, without_rate_limits

WINDOW = 300
NEW_PASSWORD = "another-horse-battery-7"


@without_rate_limits()
class PasswordAloneIsNoStepUpTests(MfaMixin, AuthAPITestCase):
    """alice has TOTP; her session proven with it is stolen once its proof is no longer recent."""

    def setUp(self):
        super().setUp()
        self.secret, self.codes = self.enrol_totp()
        self.other = self.login_with_code()
        self.victim = self.login_with_code()
        self.clock.advance(WINDOW + 1)
        self.stolen = self.victim["access_token"]

    def login_with_code(self) -> dict:
        body = self.password_step()
        response = self.finish(body["mfa_token"], code=self.code(self.secret))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["pwd", "otp", "mfa"])
        self.clock.advance(30)  # the code's step is spent: the next one is the next step's
        return response.json()

    def reauthenticate(self, token, **proof) -> str:
        return self.reauthenticated(token, **proof)["access_token"]

    def reauthenticated(self, token, **proof) -> dict:
        response = self.post("/api/auth/reauthenticate/", proof, token=token)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def sensitive_requests(self, token):
        """Every action that needs a proof as strong as the account; the ones that end something
        come last.
        """
        return {
            "POST mfa/totp/": lambda: self.post(f"{MFA}totp/", token=token),
            "POST mfa/passkeys/options/": lambda: self.post(f"{MFA}passkeys/options/", token=token),
            "POST mfa/recovery-codes/": lambda: self.post(f"{MFA}recovery-codes/", token=token),
            "POST email/change/": lambda: self.post(
                "/api/auth/email/change/", {"email": "thief@example.com"}, token=token
            ),
            "DELETE sessions/<another>/": lambda: self.delete(
                f"/api/auth/sessions/{self.other['session_id']}/", token
            ),
            "POST logout-others/": lambda: self.post("/api/auth/logout-others/", token=token),
            "POST password/": lambda: self.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                token=token,
            ),
            "DELETE mfa/totp/": lambda: self.delete(f"{MFA}totp/", token),
        }

    def test_the_password_alone_does_not_unlock_sensitive_actions(self):
        token = self.reauthenticate(self.stolen, password=PASSWORD)
        for name, request in self.sensitive_requests(token).items():
            with self.subTest(name):
                self.assertError(request(), 403, "reauthentication_required")
        self.assertTrue(self.client.get(MFA, **bearer(token)).json()["totp"]["enabled"])
        self.assertEqual(self.refresh(self.other["refresh_token"]).status_code, 200)
        # The password is unchanged: the owner still logs in with it.
        self.assertEqual(self.login_with_code()["token_type"], "Bearer")

    def test_the_password_change_needs_a_second_factor_even_with_the_old_password(self):
        self.assertError(
            self.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                token=self.stolen,
            ),
            403,
            "reauthentication_required",
        )

    def test_reauthenticate_says_only_what_was_proven_this_time(self):
        pair = self.reauthenticated(self.stolen, password=PASSWORD)
        token = pair["access_token"]
        self.assertEqual(claims(token)["amr"], ["pwd"])
        self.assertEqual(claims(token)["auth_time"], self.clock.current)
        # A refresh carries the new amr, not the login's.
        refreshed = self.refresh(pair["refresh_token"])
        self.assertEqual(refreshed.status_code, 200, refreshed.content)
        self.assertEqual(claims(refreshed.json()["access_token"])["amr"], ["pwd"])
        token = self.reauthenticate(token, code=self.code(self.secret))
        self.assertEqual(claims(token)["amr"], ["otp"])

    def test_a_code_makes_the_step_up(self):
        token = self.reauthenticate(self.stolen, code=self.code(self.secret))
        for name, request in self.sensitive_requests(token).items():
            with self.subTest(name):
                self.assertLess(request().status_code, 400, name)

    def test_a_passkey_makes_the_step_up(self):
        fresh = self.reauthenticate(self.stolen, code=self.code(self.secret))
        authenticator = SoftAuthenticator()
        self.enrol_passkey(authenticator, token=fresh)
        self.clock.advance(WINDOW + 1)
        options = self.post("/api/auth/login/passkey/options/").json()
        token = self.reauthenticate(
            fresh,
            credential=authenticator.get(options),
            challenge_id=options["challenge_id"],
        )
        self.assertEqual(claims(token)["amr"], ["hwk"])
        self.assertEqual(self.post(f"{MFA}recovery-codes/", token=token).status_code, 200)

    def test_a_stale_second_factor_is_no_step_up(self):
        token = self.reauthenticate(self.stolen, code=self.code(self.secret))
        self.clock.advance(WINDOW + 1)
        self.assertError(
            self.post(f"{MFA}recovery-codes/", token=token), 403, "reauthentication_required"
        )


@without_rate_limits()
class UserWithoutFactorTests(MfaMixin, AuthAPITestCase):
    """alice has no second factor: the password stays a proof as strong as her account."""

    def setUp(self):
        super().setUp()
        self.other = self.login()
        self.clock.advance(WINDOW + 1)

    def test_the_password_makes_the_step_up(self):
        response = self.post(
            "/api/auth/reauthenticate/", {"password": PASSWORD}, token=self.pair["access_token"]
        )
        token = response.json()["access_token"]
        self.assertEqual(claims(token)["amr"], ["pwd"])
        self.assertEqual(
            self.post(
                "/api/auth/email/change/", {"email": "new-alice@example.com"}, token=token
            ).status_code,
            202,
        )
        self.assertEqual(self.post(f"{MFA}totp/", token=token).status_code, 200)
        self.assertEqual(self.post("/api/auth/logout-others/", token=token).status_code, 204)

    def test_the_old_password_is_proof_enough_for_a_password_change(self):
        response = self.post(
            "/api/auth/password/",
            {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
            token=self.pair["access_token"],
        )
        self.assertEqual(response.status_code, 204, response.content)


@without_rate_limits()
class FirstFactorEndsOtherSessionsTests(MfaMixin, AuthAPITestCase):
    """alice turns on her first second factor in session A; session B, older, was left elsewhere."""

    def setUp(self):
        super().setUp()
        self.older = self.login()

    def assertEnded(self, pair):
        refreshed = self.refresh(pair["refresh_token"])
        self.assertError(refreshed, 401, "token_revoked")
        self.assertEqual(
            Session.objects.get(pk=pair["session_id"]).revoked_reason,
            Session.RevokeReason.FACTOR_ADDED,
        )
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
        # The older session cannot take the new factor away again.
        self.assertError(self.delete(f"{MFA}totp/", pair["access_token"]), 401, "token_revoked")

    def assertAlive(self, pair):
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)

    def test_confirming_totp_ends_the_other_sessions(self):
        self.enrol_totp()
        self.assertEnded(self.older)
        self.assertAlive(self.pair)

    def test_the_first_passkey_ends_the_other_sessions(self):
        self.enrol_passkey(SoftAuthenticator())
        self.assertEnded(self.older)
        self.assertAlive(self.pair)

    def test_a_second_factor_after_the_first_ends_no_session(self):
        secret, _codes = self.enrol_totp()
        body = self.password_step()
        later = self.finish(body["mfa_token"], code=self.code(secret)).json()
        self.clock.advance(30)  # the code's step is spent
        self.step_up(secret)
        self.enrol_passkey(SoftAuthenticator())
        self.assertAlive(later)
