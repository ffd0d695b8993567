"""Passkeys at the API level: registration and assertions verified by py_webauthn, answered by a
software authenticator (``tokens.tests.authenticator``).
"""

from django_redis import get_redis_connection

from tokens.mfa.models import Passkey
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    claims,
    make_user,
    token_settings,
    without_rate_limits,
)


@without_rate_limits()
class PasskeyRegistrationTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.authenticator = SoftAuthenticator()

    def test_the_options_are_for_a_discoverable_credential_of_this_relying_party(self):
        options = self.post(f"{MFA}passkeys/options/", token=self.pair["access_token"]).json()
        public_key = options["publicKey"]
        self.assertEqual(public_key["rp"]["id"], "testserver")
        self.assertEqual(public_key["user"]["name"], self.user.get_username())
        self.assertEqual(public_key["authenticatorSelection"]["residentKey"], "required")
        self.assertIsInstance(public_key["challenge"], str)

    def test_the_first_passkey_brings_recovery_codes_and_a_second_does_not(self):
        first = self.enrol_passkey(self.authenticator, name="Laptop")
        self.assertEqual(len(first["recovery_codes"]), 10)
        self.assertEqual(first["name"], "Laptop")
        self.step_up_with_passkey(self.authenticator)
        second = self.enrol_passkey(self.authenticator, name="Phone")
        self.assertNotIn("recovery_codes", second)
        status = self.client.get(MFA, **bearer(self.pair["access_token"])).json()
        self.assertEqual([p["name"] for p in status["passkeys"]], ["Laptop", "Phone"])
        self.assertEqual(status["recovery_codes"]["remaining"], 10)
        handles = set(Passkey.objects.values_list("user_handle", flat=True))
        self.assertEqual(len(handles), 1)

    def test_a_registration_challenge_is_answered_once(self):
        options = self.post(f"{MFA}passkeys/options/", token=self.pair["access_token"]).json()
        credential = self.authenticator.create(options)
        token = self.pair["access_token"]
        first = self.post(f"{MFA}passkeys/", {"credential": credential, "name": "A"}, token=token)
        self.assertEqual(first.status_code, 201)
        again = self.post(f"{MFA}passkeys/", {"credential": credential, "name": "B"}, token=token)
        self.assertError(again, 400, "invalid_code")

    def test_an_answer_from_another_origin_is_refused(self):
        options = self.post(f"{MFA}passkeys/options/", token=self.pair["access_token"]).json()
        credential = self.authenticator.create(options, origin="https://attacker.example")
        response = self.post(
            f"{MFA}passkeys/", {"credential": credential}, token=self.pair["access_token"]
        )
        self.assertError(response, 400, "invalid_code")
        self.assertFalse(Passkey.objects.exists())

    @token_settings(PASSKEY_RP_ID="example.com", PASSKEY_ORIGINS=["https://app.example.com"])
    def test_the_relying_party_and_origins_come_from_the_settings(self):
        options = self.post(f"{MFA}passkeys/options/", token=self.pair["access_token"]).json()
        self.assertEqual(options["publicKey"]["rp"]["id"], "example.com")
        credential = self.authenticator.create(options, origin="https://app.example.com")
        response = self.post(
            f"{MFA}passkeys/", {"credential": credential}, token=self.pair["access_token"]
        )
        self.assertEqual(response.status_code, 201, response.content)

    def test_removing_a_passkey_and_another_users_is_404(self):
        passkey = self.enrol_passkey(self.authenticator)
        self.step_up_with_passkey(self.authenticator)
        other = make_user("bob")
        theirs = Passkey.objects.create(
            user=other, name="x", credential_id="abc", public_key=b"", user_handle="h"
        )
        token = self.pair["access_token"]
        self.assertError(self.delete(f"{MFA}passkeys/{theirs.pk}/", token), 404, "not_found")
        self.assertError(self.delete(f"{MFA}passkeys/{10**30}/", token), 404, "not_found")
        self.assertEqual(self.delete(f"{MFA}passkeys/{passkey['id']}/", token).status_code, 204)
        self.assertEqual(
            self.client.get(MFA, **bearer(token)).json()["recovery_codes"], {"remaining": 0}
        )


@without_rate_limits()
class PasskeyLoginTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.authenticator = SoftAuthenticator()
        self.passkey = self.enrol_passkey(self.authenticator)

    def test_a_passkey_is_a_second_factor_after_the_password(self):
        body = self.password_step()
        self.assertEqual(body["methods"], ["recovery_code", "passkey"])
        allowed = body["passkey_options"]["publicKey"]["allowCredentials"]
        self.assertEqual(len(allowed), 1)
        response = self.finish(
            body["mfa_token"], credential=self.authenticator.get(body["passkey_options"])
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["pwd", "hwk", "mfa"])
        self.assertIsNotNone(Passkey.objects.get().last_used_at)

    def test_a_passkey_answer_for_another_challenge_is_refused(self):
        first, second = self.password_step(), self.password_step()
        answer = self.authenticator.get(first["passkey_options"])
        self.assertError(self.finish(second["mfa_token"], credential=answer), 400, "invalid_code")

    def test_a_passkey_alone_is_a_login_with_user_verification(self):
        options = self.post("/api/auth/login/passkey/options/").json()
        self.assertEqual(options["publicKey"]["userVerification"], "required")
        self.assertFalse(options["publicKey"].get("allowCredentials"))
        answer = self.authenticator.get(options)
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": options["challenge_id"], "credential": answer},
        )
        self.assertEqual(response.status_code, 200, response.content)
        pair = response.json()
        self.assertEqual(pair["user"]["username"], self.user.get_username())
        self.assertEqual(claims(pair["access_token"])["amr"], ["hwk"])
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_a_login_challenge_is_accepted_once(self):
        options = self.post("/api/auth/login/passkey/options/").json()
        body = {
            "challenge_id": options["challenge_id"],
            "credential": self.authenticator.get(options),
        }
        self.assertEqual(self.post("/api/auth/login/passkey/", body).status_code, 200)
        self.assertError(self.post("/api/auth/login/passkey/", body), 400, "invalid_code")

    def test_without_user_verification_a_passkey_is_no_login(self):
        options = self.post("/api/auth/login/passkey/options/").json()
        answer = self.authenticator.get(options, user_verified=False)
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": options["challenge_id"], "credential": answer},
        )
        self.assertError(response, 400, "invalid_code")

    def test_an_unknown_passkey_or_challenge_is_refused(self):
        options = self.post("/api/auth/login/passkey/options/").json()
        stranger = SoftAuthenticator()
        stranger.create(
            {"publicKey": {"rp": {"id": "testserver"}, "user": {"id": "eA"}, "challenge": "eA"}}
        )
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": options["challenge_id"], "credential": stranger.get(options)},
        )
        self.assertError(response, 400, "invalid_code")
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": "unknown", "credential": self.authenticator.get(options)},
        )
        self.assertError(response, 400, "invalid_code")

    def test_a_ceremony_begun_on_one_worker_finishes_on_another(self):
        # The challenge lives in Redis, not in the process: a copy of it is all a worker needs.
        options = self.post("/api/auth/login/passkey/options/").json()
        keys = list(get_redis_connection("default").scan_iter("*:w:*"))
        self.assertEqual(len(keys), 1)
        self.assertGreater(get_redis_connection("default").ttl(keys[0]), 0)
        answer = self.authenticator.get(options)
        response = self.post(
            "/api/auth/login/passkey/",
            {"challenge_id": options["challenge_id"], "credential": answer},
        )
        self.assertEqual(response.status_code, 200)

    def test_a_passkey_of_a_disabled_user_is_no_login(self):
        self.user.is_active = False
        self.user.save()
        options = self.post("/api/auth/login/passkey/options/").json()
        response = self.post(
            "/api/auth/login/passkey/",
            {
                "challenge_id": options["challenge_id"],
                "credential": self.authenticator.get(options),
            },
        )
        self.assertError(response, 400, "invalid_code")
