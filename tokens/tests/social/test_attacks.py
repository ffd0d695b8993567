"""Attacks on the social login that must be turned away: a login code carried to another browser
(login CSRF), a ``next`` that climbs out of its prefix, addresses that only look like an account's
or that nobody verified, odd bodies at the callback and the native endpoint, and refusals that must
be counted and logged.
"""

from tokens.models import AuthEvent
from tokens.social.models import SocialIdentity
from tokens.tests.operations.test_metrics import ScrapeMixin
from tokens.tests.social.provider import b64
from tokens.tests.social.support import SocialTestCase, fragment
from tokens.tests.support import make_user

CALLBACK = "/api/auth/social/idp/callback/"


class LoginCsrfTests(SocialTestCase):
    def test_login_code_is_good_only_in_the_browser_that_ran_the_flow(self):
        # The attacker runs a flow to the end in their own browser and keeps the login code; a
        # link to the project's page with #code= would sign the victim in as the attacker.
        code = self.login_code()
        victim = self.client_class()
        response = victim.post("/api/auth/login/social/", {"code": code}, format="json")
        self.assertError(response, 400, "invalid_code")
        self.assertFalse(any("access_token" in name for name in response.cookies))

    def test_reauthentication_code_is_good_only_in_that_browser_too(self):
        make_user("alice", email="alice@example.com")
        access = self.signed_in()["access_token"]
        answer = fragment(self.signed_in_flow("/api/auth/social/idp/reauthenticate/", access))
        other_browser = self.client_class()
        response = other_browser.post(
            "/api/auth/reauthenticate/",
            {"social_code": answer["code"]},
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
        self.assertError(response, 400, "invalid_code")

    def test_the_flow_cookie_outlives_the_flow_by_a_codes_lifetime(self):
        # A callback in the flow's last second leaves a code that the same browser can still use.
        response = self.start()
        cookie = next(c for name, c in response.cookies.items() if "social_flow" in name)
        self.assertGreaterEqual(int(cookie["max-age"]), 600 + 60)


class RedirectTests(SocialTestCase):
    def test_dot_segments_cannot_leave_the_prefix(self):
        self.configure(SOCIAL_REDIRECT_URLS=["http://localhost:8000/app/"])
        for target in (
            "http://localhost:8000/app/../admin/",
            "http://localhost:8000/app/%2e%2e/admin/",
            "http://localhost:8000/app/.%2E/admin/",
            "http://localhost:8000/app/./../admin/",
            "http://localhost:8000/app/..",
        ):
            with self.subTest(target):
                self.assertError(self.start(next_url=target), 400, "invalid_redirect")

    def test_dots_inside_a_segment_are_a_name(self):
        self.configure(SOCIAL_REDIRECT_URLS=["http://localhost:8000/app/"])
        self.assertEqual(self.start(next_url="http://localhost:8000/app/v1.2/..x").status_code, 302)


class LookAlikeAddressTests(SocialTestCase):
    """A provider trusted for e-mail vouches for an address that a database's case-insensitive
    comparison (PostgreSQL's upper(), MySQL's accent-blind collations) takes for an account's: a
    dotless i or an accent makes another mailbox, which never reaches that account.
    """

    def test_an_address_equal_only_beyond_ascii_case_never_links(self):
        alice = make_user("alice", email="alice@github.com")
        for number, address in enumerate(
            (
                "alice@g\u0131thub.com",
                "AL\u0130CE@github.com",
                "al\u0131ce@github.com",
                "alice@gith\u00fcb.com",
            )
        ):
            with self.subTest(address):
                self.idp.identity = {"sub": f"look-alike-{number}", "email": address}
                self.idp.identity["email_verified"] = True
                self.round_trip()
                self.assertFalse(SocialIdentity.objects.filter(user=alice).exists())

    def test_the_same_address_in_other_ascii_case_still_links(self):
        alice = make_user("alice", email="alice@github.com")
        self.idp.identity["email"] = "Alice@GitHub.COM"
        self.assertIn("code", fragment(self.round_trip()))
        self.assertTrue(SocialIdentity.objects.filter(user=alice).exists())


class PreAccountTakeoverTests(SocialTestCase):
    def test_without_accounts_an_address_never_links_by_itself(self):
        # The attacker signs up first through a provider not trusted for e-mail, naming the
        # victim's address; without tokens.lifecycle nothing records that it was never verified.
        # The victim's later login through a trusted provider must not land in that account.
        self.configure(ACCOUNTS=False)
        self.idp.github_emails = [{"email": "victim@example.com", "primary": True}]
        self.idp.github_emails[0]["verified"] = True
        self.assertIn("code", fragment(self.round_trip("github")))
        planted = SocialIdentity.objects.get(provider="github").user
        self.idp.identity["email"] = "victim@example.com"
        self.assertEqual(fragment(self.round_trip()), {"error": "social_email_conflict"})
        self.assertEqual(SocialIdentity.objects.filter(user=planted).count(), 1)


class OddCallbackTests(SocialTestCase):
    def test_json_body_that_is_no_object(self):
        for body in ("[]", '["state"]', "1", '"x"', "null"):
            with self.subTest(body):
                response = self.client.post(CALLBACK, body, content_type="application/json")
                self.assertError(response, 400, "social_state_invalid")

    def test_apple_user_field_that_is_no_json_text(self):
        for user in ({"name": {"firstName": "Ada"}}, ["Ada"], 7, "[" * 5000):
            with self.subTest(user=str(user)[:20]):
                start = self.start()
                _, params = self.at_provider(start["Location"])
                answer = self.client.post(CALLBACK, {**params, "user": user}, format="json")
                self.assertEqual(answer.status_code, 302, answer.content)
                self.assertIn("code", fragment(answer))


class OddNativeTokenTests(SocialTestCase):
    def test_header_that_is_no_json_object(self):
        for header in ('["alg"]', '"alg"', '"xalgx"'):
            with self.subTest(header):
                nonce = self.client.post("/api/auth/login/social/nonce/").json()["nonce"]
                id_token = f"{b64(header.encode())}.{b64(b'{}')}.c2ln"
                response = self.client.post(
                    "/api/auth/login/social/token/",
                    {"provider": "idp", "id_token": id_token, "nonce": nonce},
                    format="json",
                )
                self.assertError(response, 401, "token_invalid")


class CountedOutcomeTests(ScrapeMixin, SocialTestCase):
    def setUp(self):
        super().setUp()
        self.configure(METRICS_ACCESS="open")

    def test_an_untrusted_state_is_a_failed_login_and_counted(self):
        moved = self.delta(
            lambda: self.client.get(CALLBACK, {"state": "forged", "code": "x"}),
            "auth_social_total",
            provider="idp",
            outcome="state_invalid",
        )
        self.assertEqual(moved, 1)
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual(event.detail, "social idp: social_state_invalid")

    def test_a_login_held_back_for_enrolment_is_counted_as_at_login(self):
        self.configure(MFA_REQUIRED="all")
        code = self.login_code()
        moved = self.delta(
            lambda: self.assertError(self.social_login(code), 403, "mfa_enrollment_required"),
            "auth_logins_total",
            outcome="mfa_enrollment_required",
        )
        self.assertEqual(moved, 1)

    def test_a_login_code_refused_is_a_failed_login(self):
        moved = self.delta(
            lambda: self.assertError(self.social_login("x" * 43), 400, "invalid_code"),
            "auth_logins_total",
            outcome="failed",
        )
        self.assertEqual(moved, 1)
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual(event.detail, "social: invalid_code")

    def test_a_disabled_users_login_is_a_failed_login(self):
        user = make_user("alice", email="alice@example.com", is_active=False)
        code = self.login_code()
        moved = self.delta(
            lambda: self.assertError(self.social_login(code), 401, "invalid_credentials"),
            "auth_logins_total",
            outcome="failed",
        )
        self.assertEqual(moved, 1)
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual((event.user_id, event.detail), (user.pk, "social: idp: disabled"))

    def native(self, nonce: str | None = None):
        if nonce is None:
            nonce = self.client.post("/api/auth/login/social/nonce/").json()["nonce"]
        return self.client.post(
            "/api/auth/login/social/token/",
            {
                "provider": "idp",
                "id_token": self.idp.sign(self.idp.native_claims(nonce)),
                "nonce": nonce,
            },
            format="json",
        )

    def test_a_native_token_refused_is_a_failed_login(self):
        moved = self.delta(
            lambda: self.assertError(self.native("never-issued"), 401, "token_invalid"),
            "auth_social_total",
            provider="idp",
            outcome="refused",
        )
        self.assertEqual(moved, 1)
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual(event.detail, "social idp native: social_provider_error")

    def test_a_native_login_the_linking_rules_refuse_is_a_failed_login(self):
        make_user("alice", email="alice@example.com")
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(trust_email=False)})
        moved = self.delta(
            lambda: self.assertEqual(self.native().json()["code"], "social_email_conflict"),
            "auth_social_total",
            provider="idp",
            outcome="email_conflict",
        )
        self.assertEqual(moved, 1)
        event = AuthEvent.objects.get(kind="login_failed")
        self.assertEqual(event.detail, "social idp native: social_email_conflict")
