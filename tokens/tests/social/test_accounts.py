"""Native apps' ID tokens, linked identities (link, list, unlink and its last-way-in guard) and
re-authentication through a provider.
"""

import hashlib
import time
from unittest import skipUnless

from django.core import mail

from tokens.mfa.models import TotpFactor
from tokens.models import AuthEvent
from tokens.social.models import SocialIdentity
from tokens.tests.social.support import NEXT, SocialTestCase, fragment
from tokens.tests.support import (
    PASSWORD,
    FrozenClock,
    bearer,
    claims,
    login_name,
    make_user,
    uses_accounts,
)


class NativeTokenTests(SocialTestCase):
    def nonce(self) -> str:
        response = self.client.post("/api/auth/login/social/nonce/")
        self.assertEqual(response.status_code, 200)
        return response.json()["nonce"]

    def post(self, id_token: str, nonce: str, provider: str = "idp"):
        return self.client.post(
            "/api/auth/login/social/token/",
            {"provider": provider, "id_token": id_token, "nonce": nonce},
            format="json",
        )

    def test_token_with_the_nonce(self):
        nonce = self.nonce()
        response = self.post(self.idp.sign(self.idp.native_claims(nonce)), nonce)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["fed"])

    def test_token_with_the_nonces_sha256_as_apple_puts_it(self):
        nonce = self.nonce()
        hashed = hashlib.sha256(nonce.encode()).hexdigest()
        response = self.post(self.idp.sign(self.idp.native_claims(hashed)), nonce)
        self.assertEqual(response.status_code, 200, response.content)

    def test_nonce_used_once(self):
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce))
        self.assertEqual(self.post(token, nonce).status_code, 200)
        self.assertError(self.post(token, nonce), 401, "token_invalid")

    def test_no_nonce(self):
        response = self.client.post(
            "/api/auth/login/social/token/",
            {"provider": "idp", "id_token": self.idp.sign(self.idp.native_claims("x"))},
            format="json",
        )
        self.assertError(response, 401, "token_invalid")

    def test_nonce_never_issued(self):
        self.assertError(
            self.post(self.idp.sign(self.idp.native_claims("made-up")), "made-up"),
            401,
            "token_invalid",
        )

    def test_token_with_another_nonce(self):
        nonce, other = self.nonce(), self.nonce()
        self.assertError(
            self.post(self.idp.sign(self.idp.native_claims(other)), nonce), 401, "token_invalid"
        )

    def test_nonce_expires_after_ten_minutes(self):
        clock = FrozenClock().install(self)
        nonce = self.nonce()
        clock.advance(601)
        self.assertError(
            self.post(self.idp.sign(self.idp.native_claims(nonce)), nonce), 401, "token_invalid"
        )

    def test_audience_of_the_app_only_when_configured(self):
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce, aud="ios-app"))
        self.assertError(self.post(token, nonce), 401, "token_invalid")
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(audiences=["ios-app"])})
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce, aud="ios-app"))
        self.assertEqual(self.post(token, nonce).status_code, 200)

    def test_token_issued_before_the_nonce(self):
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce, iat=int(time.time()) - 3600))
        self.assertError(self.post(token, nonce), 401, "token_invalid")

    def test_expired_token(self):
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce, exp=int(time.time()) - 120))
        self.assertError(self.post(token, nonce), 401, "token_invalid")

    def test_unknown_provider_and_github(self):
        nonce = self.nonce()
        token = self.idp.sign(self.idp.native_claims(nonce))
        self.assertError(self.post(token, nonce, "nobody"), 401, "token_invalid")
        self.assertError(self.post(token, nonce, "github"), 401, "token_invalid")

    def test_user_with_a_second_factor_gets_mfa_required(self):
        user = make_user("alice", email="alice@example.com")
        TotpFactor.objects.create(user=user, secret="JBSWY3DPEHPK3PXP")
        nonce = self.nonce()
        response = self.post(self.idp.sign(self.idp.native_claims(nonce)), nonce)
        self.assertError(response, 403, "mfa_required")


class LinkTests(SocialTestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", email="alice@example.com")
        # The provider's identity names another address: only a link can join them.
        self.idp.identity.update(email="alice.work@example.com")

    def password_login(self, **extra) -> dict:
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD, **extra},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def link(self, access: str):
        return self.signed_in_flow("/api/auth/social/idp/link/", access)

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_link_then_list_then_login_with_it(self):
        access = self.password_login()["access_token"]
        self.assertEqual(fragment(self.link(access)), {"linked": "idp"})
        self.assertTrue(AuthEvent.objects.filter(user=self.alice, kind="social_linked").exists())
        # The security notice goes to the owner's address, from its own template.
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.com"]])
        listed = self.client.get("/api/auth/social/accounts/", **bearer(access)).json()
        self.assertEqual(
            [(i["provider"], i["email"]) for i in listed], [("idp", "alice.work@example.com")]
        )
        self.assertEqual(set(listed[0]), {"id", "provider", "email", "created_at", "last_used_at"})
        self.assertEqual(self.signed_in()["user"]["id"], self.alice.pk)

    def test_link_needs_recent_authentication(self):
        clock = FrozenClock().install(self)
        access = self.password_login()["access_token"]
        clock.advance(301)
        response = self.client.post(
            "/api/auth/social/idp/link/", {"next": NEXT}, format="json", **bearer(access)
        )
        self.assertError(response, 403, "reauthentication_required")

    def test_link_of_a_user_with_a_second_factor_needs_it_proven(self):
        access = self.password_login()["access_token"]
        TotpFactor.objects.create(user=self.alice, secret="JBSWY3DPEHPK3PXP")
        response = self.client.post(
            "/api/auth/social/idp/link/", {"next": NEXT}, format="json", **bearer(access)
        )
        self.assertError(response, 403, "reauthentication_required")

    def test_identity_of_another_account_is_already_linked(self):
        bob = make_user("bob", email="bob@example.com")
        SocialIdentity.objects.create(
            user=bob, provider="idp", issuer=self.idp.issuer, subject="user-1"
        )
        access = self.password_login()["access_token"]
        self.assertEqual(fragment(self.link(access)), {"error": "social_already_linked"})
        self.assertEqual(SocialIdentity.objects.get().user, bob)

    def test_unlink_another_way_in_remains(self):
        access = self.password_login()["access_token"]
        self.link(access)
        pk = SocialIdentity.objects.get().pk
        response = self.client.delete(f"/api/auth/social/accounts/{pk}/", **bearer(access))
        self.assertEqual(response.status_code, 204)
        self.assertTrue(AuthEvent.objects.filter(user=self.alice, kind="social_unlinked").exists())

    def test_unlink_of_the_last_way_in_is_refused(self):
        self.alice.set_unusable_password()
        self.alice.save()
        row = SocialIdentity.objects.create(
            user=self.alice, provider="idp", issuer=self.idp.issuer, subject="user-1"
        )
        access = self.signed_in()["access_token"]
        response = self.client.delete(f"/api/auth/social/accounts/{row.pk}/", **bearer(access))
        self.assertError(response, 400, "last_login_method")
        self.assertTrue(SocialIdentity.objects.filter(pk=row.pk).exists())
        # Another linked identity is a way in of its own.
        SocialIdentity.objects.create(
            user=self.alice, provider="github", issuer="https://github.com", subject="1"
        )
        response = self.client.delete(f"/api/auth/social/accounts/{row.pk}/", **bearer(access))
        self.assertEqual(response.status_code, 204)

    def test_unlink_of_another_users_identity_is_404(self):
        bob = make_user("bob", email="bob@example.com")
        row = SocialIdentity.objects.create(user=bob, provider="idp", issuer="x", subject="y")
        access = self.password_login()["access_token"]
        self.assertEqual(
            self.client.delete(
                f"/api/auth/social/accounts/{row.pk}/", **bearer(access)
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.delete("/api/auth/social/accounts/999999/", **bearer(access)).status_code,
            404,
        )


class ReauthenticationTests(SocialTestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", email="alice@example.com")
        SocialIdentity.objects.create(
            user=self.alice, provider="idp", issuer=self.idp.issuer, subject="user-1"
        )

    def reauthenticate(self, access: str, code: str):
        return self.client.post(
            "/api/auth/reauthenticate/", {"social_code": code}, format="json", **bearer(access)
        )

    def test_social_code_renews_auth_time_with_fed(self):
        clock = FrozenClock().install(self)
        access = self.signed_in()["access_token"]
        clock.advance(400)
        self.idp.claims.update(auth_time=clock.current, iat=clock.current, exp=clock.current + 300)
        back = self.signed_in_flow("/api/auth/social/idp/reauthenticate/", access)
        request = self.idp.authorize_requests[-1]
        self.assertEqual((request["prompt"], request["max_age"]), ("login", "0"))
        response = self.reauthenticate(access, fragment(back)["code"])
        self.assertEqual(response.status_code, 200, response.content)
        renewed = claims(response.json()["access_token"])
        self.assertEqual((renewed["auth_time"], renewed["amr"]), (clock.current, ["fed"]))
        self.assertEqual(renewed["sid"], claims(access)["sid"])

    def test_auth_time_before_the_flow_started_is_refused(self):
        access = self.signed_in()["access_token"]
        self.idp.claims["auth_time"] = int(time.time()) - 3600
        back = self.signed_in_flow("/api/auth/social/idp/reauthenticate/", access)
        self.assertEqual(fragment(back), {"error": "social_provider_error"})

    def test_login_code_is_no_social_code_and_back(self):
        access = self.signed_in()["access_token"]
        self.assertError(self.reauthenticate(access, self.login_code()), 400, "invalid_code")
        back = self.signed_in_flow("/api/auth/social/idp/reauthenticate/", access)
        self.assertError(self.social_login(fragment(back)["code"]), 400, "invalid_code")

    def test_code_of_another_session(self):
        first = self.signed_in()["access_token"]
        second = self.signed_in()["access_token"]
        back = self.signed_in_flow("/api/auth/social/idp/reauthenticate/", first)
        self.assertError(self.reauthenticate(second, fragment(back)["code"]), 400, "invalid_code")

    def test_identity_of_another_account_cannot_reauthenticate(self):
        access = self.signed_in()["access_token"]
        self.idp.identity["sub"] = "somebody-else"
        back = self.signed_in_flow("/api/auth/social/idp/reauthenticate/", access)
        self.assertEqual(fragment(back), {"error": "social_provider_error"})
