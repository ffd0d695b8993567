"""Social login through a real OpenID Connect provider: the trip, the login code, and the rules
that decide which account an outside identity reaches.
"""

from unittest import skipUnless
from urllib.parse import parse_qs, urlsplit

import pyotp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from tokens.lifecycle.models import EmailVerification
from tokens.mfa.models import TotpFactor
from tokens.models import AuthEvent
from tokens.social.models import SocialIdentity
from tokens.tests.social.support import NEXT, SocialTestCase, fragment
from tokens.tests.support import FrozenClock, claims, make_user, uses_accounts


class TripTests(SocialTestCase):
    def test_providers_lists_the_ones_that_are_on(self):
        response = self.client.get("/api/auth/social/providers/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), [{"id": "idp", "name": "Test IdP"}, {"id": "github", "name": "GitHub"}]
        )

    def test_login_sends_the_browser_with_state_nonce_and_an_s256_challenge(self):
        response = self.start()
        self.assertEqual(response.status_code, 302)
        query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertTrue(query["state"] and query["nonce"] and query["code_challenge"])
        self.assertNotIn("code_verifier", query)
        self.assertEqual(
            query["redirect_uri"], "http://localhost:8000/api/auth/social/idp/callback/"
        )
        cookie = next(c for name, c in response.cookies.items() if "social_flow" in name)
        self.assertTrue(cookie["httponly"])

    def test_next_outside_the_allowed_urls_is_refused(self):
        for target in (
            "https://evil.example/",
            "http://localhost:8000.evil.example/",
            "http://localhost:8001/",
            "https://localhost:8000/",
            "http://evil@localhost:8000/",
            "javascript:alert(1)",
            "http://localhost:8000\\@evil.example/",
        ):
            with self.subTest(target):
                self.assertError(self.start(next_url=target), 400, "invalid_redirect")

    def test_next_matches_the_prefix_as_a_path(self):
        self.configure(SOCIAL_REDIRECT_URLS=["http://localhost:8000/app/"])
        self.assertEqual(self.start(next_url="http://localhost:8000/app/page").status_code, 302)
        self.assertError(
            self.start(next_url="http://localhost:8000/other/"), 400, "invalid_redirect"
        )

    def test_unknown_provider_is_404(self):
        self.assertEqual(self.client.get("/api/auth/social/nobody/login/").status_code, 404)

    def test_the_provider_checks_the_pkce_verifier_the_server_kept(self):
        response = self.round_trip()
        self.assertIn("code", fragment(response))
        exchange = self.idp.token_requests[-1]
        self.assertTrue(exchange["code_verifier"])
        self.assertTrue(response["Location"].startswith(NEXT + "#code="))

    def test_provider_error_comes_back_as_an_error_fragment(self):
        self.idp.error = "access_denied"
        response = self.round_trip()
        self.assertEqual(fragment(response), {"error": "social_provider_error"})
        self.assertFalse(SocialIdentity.objects.exists())


class NewAccountTests(SocialTestCase):
    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_unknown_identity_makes_an_account_without_password_and_logs_in_with_fed(self):
        self.idp.identity.update(email="new@example.com", name="New Person")
        body = self.signed_in()
        user = get_user_model().objects.get(email="new@example.com")
        self.assertFalse(user.has_usable_password())
        self.assertEqual(body["user"]["id"], user.pk)
        self.assertEqual(claims(body["access_token"])["amr"], ["fed"])
        row = SocialIdentity.objects.get(user=user)
        self.assertEqual((row.issuer, row.subject), (self.idp.issuer, "user-1"))
        # Trusted provider, verified address: the account's address counts as verified.
        self.assertFalse(EmailVerification.objects.filter(user=user).exists())
        event = AuthEvent.objects.get(user=user, kind="login_succeeded")
        self.assertEqual(event.detail, "social: idp")

    def test_address_of_an_untrusted_provider_stays_unverified(self):
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(trust_email=False)})
        self.idp.identity.update(email="new@example.com")
        self.signed_in()
        user = get_user_model().objects.get(email="new@example.com")
        self.assertTrue(EmailVerification.objects.filter(user=user, purpose="signup").exists())

    def test_signup_closed_makes_nothing(self):
        self.configure(SOCIAL_SIGNUP=False)
        self.idp.identity.update(email="new@example.com")
        self.assertEqual(fragment(self.round_trip()), {"error": "social_signup_closed"})
        self.assertFalse(get_user_model().objects.filter(email="new@example.com").exists())

    def test_same_identity_reaches_the_same_account_after_its_address_changed(self):
        self.idp.identity.update(email="first@example.com")
        first = self.signed_in()
        self.idp.identity.update(email="second@example.com")
        second = self.signed_in()
        self.assertEqual(first["user"]["id"], second["user"]["id"])
        self.assertEqual(get_user_model().objects.count(), 1)
        self.assertEqual(SocialIdentity.objects.get().email, "second@example.com")


class ExistingAddressTests(SocialTestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", email="alice@example.com")

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_trusted_verified_address_links_to_the_verified_account_and_mails_its_owner(self):
        body = self.signed_in()
        self.assertEqual(body["user"]["id"], self.alice.pk)
        self.assertTrue(SocialIdentity.objects.filter(user=self.alice).exists())
        self.assertTrue(AuthEvent.objects.filter(user=self.alice, kind="social_linked").exists())
        # The security notice goes to the owner's address, from its own template.
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.com"]])

    def test_untrusted_provider_is_a_conflict(self):
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(trust_email=False)})
        self.assertEqual(fragment(self.round_trip()), {"error": "social_email_conflict"})
        self.assertFalse(SocialIdentity.objects.exists())
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual(event.detail, "social idp login: social_email_conflict")

    def test_unverified_at_the_provider_is_a_conflict(self):
        self.idp.identity["email_verified"] = False
        self.assertEqual(fragment(self.round_trip()), {"error": "social_email_conflict"})

    def test_account_with_unverified_address_is_a_conflict(self):
        EmailVerification.objects.create(
            user=self.alice, purpose="signup", email="alice@example.com"
        )
        self.assertEqual(fragment(self.round_trip()), {"error": "social_email_conflict"})
        self.assertFalse(SocialIdentity.objects.exists())

    def test_address_compared_without_case(self):
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(trust_email=False)})
        self.idp.identity["email"] = "ALICE@example.com"
        self.assertEqual(fragment(self.round_trip()), {"error": "social_email_conflict"})


class LoginCodeTests(SocialTestCase):
    def test_code_is_single_use(self):
        code = self.login_code()
        self.assertEqual(self.social_login(code).status_code, 200)
        self.assertError(self.social_login(code), 400, "invalid_code")

    def test_code_expires_after_60_seconds(self):
        clock = FrozenClock().install(self)
        code = self.login_code()
        clock.advance(61)
        self.assertError(self.social_login(code), 400, "invalid_code")

    def test_code_within_60_seconds_works(self):
        clock = FrozenClock().install(self)
        code = self.login_code()
        clock.advance(59)
        self.assertEqual(self.social_login(code).status_code, 200)

    def test_unknown_code(self):
        self.assertError(self.social_login("x" * 43), 400, "invalid_code")

    def test_user_with_a_second_factor_gets_mfa_required(self):
        user = make_user("alice", email="alice@example.com")
        TotpFactor.objects.create(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        response = self.social_login(self.login_code())
        self.assertError(response, 403, "mfa_required")
        self.assertIn("mfa_token", response.json())
        self.assertNotIn("access_token", response.json())

    def test_second_factor_completes_the_login_with_fed_otp_and_mfa(self):
        user = make_user("alice", email="alice@example.com")
        TotpFactor.objects.create(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        mfa_token = self.social_login(self.login_code()).json()["mfa_token"]
        response = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": mfa_token, "code": pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now()},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["fed", "otp", "mfa"])

    def test_disabled_user_is_invalid_credentials(self):
        make_user("alice", email="alice@example.com", is_active=False)
        code = self.login_code()
        self.assertError(self.social_login(code), 401, "invalid_credentials")

    def test_login_posted_from_another_site_is_refused(self):
        code = self.login_code()
        response = self.client.post(
            "/api/auth/login/social/",
            {"code": code},
            format="json",
            HTTP_ORIGIN="https://evil.example",
        )
        self.assertError(response, 403, "csrf_failed")
        response = self.client.post(
            "/api/auth/login/social/",
            {"code": code},
            format="json",
            HTTP_SEC_FETCH_SITE="cross-site",
        )
        self.assertError(response, 403, "csrf_failed")
        # Refused before the code was looked at: the real page can still use it.
        self.assertEqual(
            self.social_login(code, HTTP_ORIGIN="http://localhost:8000").status_code, 200
        )

    def test_login_from_a_new_browser_mails_the_owner(self):
        make_user("alice", email="alice@example.com")
        self.signed_in()
        mail.outbox.clear()
        # Known browser (its device cookie): no mail.
        self.signed_in()
        self.assertEqual(mail.outbox, [])
        self.client.cookies.clear()
        self.signed_in()
        self.assertEqual(len(mail.outbox), 1)

    def test_login_sets_the_device_cookie(self):
        response = self.social_login(self.login_code())
        self.assertEqual(response.status_code, 200)
        self.assertTrue(any("login_device" in name for name in response.cookies))


class FlowLimitTests(SocialTestCase):
    def test_trips_per_client_address_are_limited(self):
        self.configure(THROTTLE_RATES={**settings.TOKENS["THROTTLE_RATES"], "social_ip": "3/min"})
        for _ in range(3):
            self.assertEqual(self.start().status_code, 302)
        response = self.start()
        self.assertError(response, 429, "throttled")
        self.assertIn("Retry-After", response)
