"""The presets: Google, Microsoft and Apple with their recorded discovery documents and, end to
end, through the test provider standing in for them; GitHub against a fake of its two user APIs
over HTTP; and the environment variables that configure them.
"""

import html
import os
import re
from unittest import mock, skipUnless
from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib.auth import get_user_model
from joserfc import jwt
from joserfc.jwk import ECKey

from config.settings import social_providers
from tokens.exceptions import SocialError
from tokens.social import client, providers
from tokens.social.models import SocialIdentity
from tokens.tests.social.provider import CLIENT_ID
from tokens.tests.social.support import NEXT, SocialTestCase, fragment
from tokens.tests.support import make_user, uses_accounts

MICROSOFT_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"


class RecordedDiscoveryTests(SocialTestCase):
    def preset(self, provider_id: str, **config):
        recorded = f"{self.idp.issuer}/recorded/{provider_id}.json"
        return providers.build(
            provider_id, {"client_id": CLIENT_ID, "discovery_url": recorded, **config}
        )

    def authorization_query(self, provider) -> dict[str, str]:
        url = client.authorization_url(provider, "https://site.example/cb/", "st", "no", "v" * 43)
        self.assertTrue(url.startswith(providers.discovery(provider)["authorization_endpoint"]))
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def test_google(self):
        google = self.preset("google")
        self.assertEqual(providers.discovery(google)["issuer"], "https://accounts.google.com")
        self.assertTrue(google.trust_email)
        query = self.authorization_query(google)
        self.assertEqual(
            (query["scope"], query["nonce"], query["code_challenge_method"]),
            ("openid email profile", "no", "S256"),
        )
        self.assertNotIn("response_mode", query)

    def test_microsoft_multi_tenant(self):
        microsoft = self.preset("microsoft")
        self.assertEqual(providers.discovery(microsoft)["issuer"], MICROSOFT_TEMPLATE)
        self.assertFalse(microsoft.trust_email)
        # The ID token's iss names its own tenant, and must be the one its tid says.
        self.assertEqual(
            microsoft.expected_issuer({"tid": "9188040d"}),
            "https://login.microsoftonline.com/9188040d/v2.0",
        )
        self.assertEqual(microsoft.expected_issuer({}), "")
        self.assertEqual(microsoft.expected_issuer({"tid": "a/../b"}), "")
        self.assertTrue(microsoft.accepts_issuer("https://login.microsoftonline.com/9188040d/v2.0"))
        self.assertFalse(microsoft.accepts_issuer("https://evil.example/9188040d/v2.0"))

    def test_microsoft_single_tenant_needs_its_own_document(self):
        single = self.preset("microsoft", issuer="https://login.microsoftonline.com/9188040d/v2.0")
        with self.assertRaises(SocialError):
            # The recorded document is the multi-tenant one: it names another issuer.
            providers.discovery(single)

    def test_apple(self):
        apple = self.preset("apple")
        self.assertEqual(providers.discovery(apple)["issuer"], "https://appleid.apple.com")
        query = self.authorization_query(apple)
        self.assertEqual(
            (query["response_mode"], query["scope"]), ("form_post", "openid email name")
        )

    def test_apple_client_secret_is_an_es256_jwt_of_the_team(self):
        key = ECKey.generate_key("P-256", private=True)
        apple = self.preset(
            "apple",
            team_id="TEAM123",
            key_id="KEY123",
            private_key=key.as_pem(private=True).decode(),
        )
        secret = jwt.decode(client.client_secret(apple), key, algorithms=["ES256"])
        self.assertEqual(secret.header["kid"], "KEY123")
        self.assertEqual(
            {k: secret.claims[k] for k in ("iss", "sub", "aud")},
            {"iss": "TEAM123", "sub": CLIENT_ID, "aud": "https://appleid.apple.com"},
        )
        self.assertLessEqual(secret.claims["exp"] - secret.claims["iat"], 300)


class StandInTests(SocialTestCase):
    """The test provider plays each preset's issuer, so the whole trip runs."""

    def use(self, provider_id: str, issuer: str, **config) -> None:
        self.idp.discovery_issuer = issuer
        settings = {"client_id": CLIENT_ID, "client_secret": "client-secret-1", **config}
        settings["discovery_url"] = f"{self.idp.issuer}/.well-known/openid-configuration"
        self.configure(SOCIAL_PROVIDERS={provider_id: settings})

    def test_microsoft_token_of_a_tenant(self):
        self.use("microsoft", MICROSOFT_TEMPLATE)
        self.idp.claims.update(
            iss="https://login.microsoftonline.com/tenant-a/v2.0", tid="tenant-a"
        )
        self.assertIn("code", fragment(self.round_trip("microsoft")))
        row = SocialIdentity.objects.get()
        self.assertEqual(row.issuer, "https://login.microsoftonline.com/tenant-a/v2.0")

    def test_microsoft_token_whose_iss_is_not_its_tenants(self):
        self.use("microsoft", MICROSOFT_TEMPLATE)
        self.idp.claims.update(
            iss="https://login.microsoftonline.com/tenant-a/v2.0", tid="tenant-b"
        )
        self.assertEqual(fragment(self.round_trip("microsoft")), {"error": "social_provider_error"})

    def test_microsoft_address_does_not_link_by_default(self):
        make_user("alice", email="alice@example.com")
        self.use("microsoft", MICROSOFT_TEMPLATE)
        self.idp.claims.update(
            iss="https://login.microsoftonline.com/tenant-a/v2.0", tid="tenant-a"
        )
        self.assertEqual(fragment(self.round_trip("microsoft")), {"error": "social_email_conflict"})

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_apple_form_post_with_the_name_of_the_first_consent(self):
        key = ECKey.generate_key("P-256", private=True)
        self.idp.client_secret_key = key
        self.use(
            "apple",
            "https://appleid.apple.com",
            client_secret="",
            team_id="TEAM123",
            key_id="KEY123",
            private_key=key.as_pem(private=True).decode(),
        )
        self.idp.claims.update(iss="https://appleid.apple.com", email_verified="true")
        self.idp.identity["email"] = "ada@example.com"
        start = self.start("apple")
        page = requests.get(start["Location"], timeout=5)
        action = re.search(r'action="([^"]+)"', page.text).group(1)
        found = re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)
        fields = {name: html.unescape(value) for name, value in found}
        response = self.client.post(urlsplit(action).path, fields)
        self.assertIn("code", fragment(response))
        user = get_user_model().objects.get(email="ada@example.com")
        self.assertEqual(user.username, "ada_lovelace")


class GitHubTests(SocialTestCase):
    def test_new_account_from_the_primary_verified_address(self):
        self.idp.github_emails = [
            {"email": "unverified@example.com", "primary": False, "verified": False},
            {"email": "octo@example.com", "primary": True, "verified": True},
        ]
        body = self.signed_in("github")
        row = SocialIdentity.objects.get()
        self.assertEqual(
            (row.issuer, row.subject, row.email), ("https://github.com", "4242", "octo@example.com")
        )
        self.assertEqual(body["user"]["email"], "octo@example.com")
        # GitHub speaks OAuth 2 only: no nonce is asked for, and PKCE still binds the exchange.
        request = self.idp.authorize_requests[-1]
        self.assertNotIn("nonce", request)
        self.assertEqual(request["code_challenge_method"], "S256")

    def test_address_never_links_by_default(self):
        make_user("octo", email="octo@example.com")
        self.assertEqual(fragment(self.round_trip("github")), {"error": "social_email_conflict"})

    def test_same_github_user_after_a_new_address(self):
        first = self.signed_in("github")
        self.idp.github_emails = [{"email": "new@example.com", "primary": True, "verified": True}]
        self.assertEqual(self.signed_in("github")["user"]["id"], first["user"]["id"])

    def test_api_failure_is_a_provider_error(self):
        self.configure(
            SOCIAL_PROVIDERS={
                "github": self.idp.github_settings(api_url=f"{self.idp.issuer}/missing")
            }
        )
        self.assertEqual(fragment(self.round_trip("github")), {"error": "social_provider_error"})


class EnvironmentTests(SocialTestCase):
    def test_variables_make_the_setting(self):
        env = {
            "SOCIAL_PROVIDERS": "google, keycloak",
            "SOCIAL_GOOGLE_CLIENT_ID": "g-id",
            "SOCIAL_GOOGLE_CLIENT_SECRET": "g-secret",
            "SOCIAL_KEYCLOAK_CLIENT_ID": "k-id",
            "SOCIAL_KEYCLOAK_ISSUER": "https://sso.example.com/realms/main",
            "SOCIAL_KEYCLOAK_NAME": "Company SSO",
            "SOCIAL_KEYCLOAK_TRUST_EMAIL": "true",
            "SOCIAL_KEYCLOAK_AUDIENCES": "ios,android",
        }
        with mock.patch.dict(os.environ, env):
            config = social_providers()
        self.assertEqual(config["google"], {"client_id": "g-id", "client_secret": "g-secret"})
        keycloak = providers.build("keycloak", config["keycloak"])
        self.assertEqual(
            (keycloak.name, keycloak.trust_email, keycloak.audiences, keycloak.scopes),
            ("Company SSO", True, ("ios", "android"), "openid email profile"),
        )
        self.assertEqual(
            keycloak.discovery_url,
            "https://sso.example.com/realms/main/.well-known/openid-configuration",
        )

    def test_issuer_with_a_trailing_slash_is_compared_as_given(self):
        provider = providers.build("sso", {"issuer": "https://sso.example.com/realm/"})
        self.assertEqual(provider.issuer, "https://sso.example.com/realm/")
        self.assertEqual(
            provider.discovery_url, "https://sso.example.com/realm/.well-known/openid-configuration"
        )

    def test_issuer_must_be_https_but_on_loopback(self):
        self.assertEqual(providers.require_https("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x")
        self.assertEqual(providers.require_https("http://localhost:9/x"), "http://localhost:9/x")
        for url in (
            "http://sso.example.com/",
            "ftp://127.0.0.1/",
            "http://127.0.0.1.evil.example/",
        ):
            with self.subTest(url), self.assertRaises(SocialError):
                providers.require_https(url)

    def test_next_login_page_link_goes_back(self):
        # The account page's button: a plain link with next; the flow goes back to it.
        self.assertTrue(self.round_trip(next_url=NEXT)["Location"].startswith(NEXT + "#"))
