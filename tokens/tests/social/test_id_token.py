"""Every check of OpenID Connect Core 3.1.3.7 on the ID token, the state's, and the mix-up
defences: each as the forged or misdirected answer it refuses.
"""

import time
from unittest import mock

from joserfc.jwk import RSAKey

from tokens.social.models import SocialIdentity
from tokens.tests.social.provider import CLIENT_ID, Provider
from tokens.tests.social.support import SITE, SocialTestCase, fragment
from tokens.tests.support import FrozenClock

REFUSED = {"error": "social_provider_error"}


class IdTokenTests(SocialTestCase):
    def refused(self):
        self.assertEqual(fragment(self.round_trip()), REFUSED)
        self.assertFalse(SocialIdentity.objects.exists())

    def test_a_good_token_passes(self):
        self.assertIn("code", fragment(self.round_trip()))

    def test_nonce_of_another_flow(self):
        self.idp.claims["nonce"] = "someone-elses-nonce"
        self.refused()

    def test_missing_nonce(self):
        self.idp.claims["nonce"] = None
        self.refused()

    def test_another_issuer(self):
        self.idp.claims["iss"] = "https://evil.example"
        self.refused()

    def test_another_audience(self):
        self.idp.claims["aud"] = "another-client"
        self.refused()

    def test_several_audiences_without_azp(self):
        self.idp.claims["aud"] = [CLIENT_ID, "another-client"]
        self.refused()

    def test_several_audiences_with_azp_of_another_client(self):
        self.idp.claims.update(aud=[CLIENT_ID, "another-client"], azp="another-client")
        self.refused()

    def test_several_audiences_with_our_azp_pass(self):
        self.idp.claims.update(aud=[CLIENT_ID, "another-client"], azp=CLIENT_ID)
        self.assertIn("code", fragment(self.round_trip()))

    def test_expired(self):
        self.idp.claims["exp"] = int(time.time()) - 120
        self.refused()

    def test_issued_before_the_flow_began(self):
        self.idp.claims["iat"] = int(time.time()) - 3600
        self.refused()

    def test_expired_a_moment_ago(self):
        self.idp.claims["exp"] = int(time.time()) - 1
        self.refused()

    def test_issued_in_the_future(self):
        self.idp.claims["iat"] = int(time.time()) + 3600
        self.refused()

    def test_without_iat(self):
        self.idp.claims["iat"] = None
        self.refused()

    def test_without_sub(self):
        self.idp.claims["sub"] = None
        self.refused()

    def test_alg_none_even_when_announced(self):
        self.idp.algorithms = ["RS256", "none"]
        self.idp.raw_id_token = Provider.unsigned(
            {"iss": self.idp.issuer, "aud": CLIENT_ID, "sub": "x", "iat": 1, "exp": 2**31}
        )
        self.refused()

    def test_hs256_with_the_client_secret_even_when_announced(self):
        self.idp.algorithms = ["RS256", "HS256"]
        now = int(time.time())
        self.idp.raw_id_token = Provider.hmac_signed(
            {"iss": self.idp.issuer, "aud": CLIENT_ID, "sub": "x", "iat": now, "exp": now + 60}
        )
        self.refused()

    def test_alg_the_provider_does_not_announce(self):
        self.idp.algorithms = ["RS256"]
        self.idp.rotate("ec")
        self.refused()

    def test_token_without_kid_from_a_provider_with_several_keys(self):
        self.idp.keys.append(RSAKey.generate_key(2048, parameters={"kid": "rsa-2"}, private=True))
        self.idp.header["kid"] = None
        self.assertIn("code", fragment(self.round_trip()))

    def test_token_without_kid_signed_by_no_published_key(self):
        self.idp.signing_key = RSAKey.generate_key(2048, parameters={"kid": "x"}, private=True)
        self.idp.header["kid"] = None
        self.refused()

    def test_tampered_signature(self):
        response = self.start()
        path, params = self.at_provider(response["Location"])
        good = self.idp.id_token
        self.idp.id_token = lambda request, now=None: _tampered(good(request, now))  # type: ignore[method-assign]
        self.assertEqual(fragment(self.client.get(path, params)), REFUSED)

    def test_key_not_the_providers_under_a_published_kid(self):
        self.idp.signing_key = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)
        self.refused()


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    return f"{header}.{payload}.{flipped}"


class KeyRotationTests(SocialTestCase):
    def test_unknown_kid_fetches_the_keys_again(self):
        self.assertIn("code", fragment(self.round_trip()))
        fetches = self.idp.jwks_fetches
        clock = self.idp.now = FrozenClock().install(self)
        clock.advance(61)
        self.idp.rotate("ec")
        self.assertIn("code", fragment(self.round_trip()))
        self.assertEqual(self.idp.jwks_fetches, fetches + 1)

    def test_keys_fetched_again_at_most_once_a_minute(self):
        clock = self.idp.now = FrozenClock().install(self)
        self.assertIn("code", fragment(self.round_trip()))
        self.idp.rotate()
        # A token naming a key not published yet: fetched once, then not again within the minute.
        clock.advance(61)
        self.idp.header["kid"] = "not-published"
        self.assertEqual(fragment(self.round_trip()), REFUSED)
        fetches = self.idp.jwks_fetches
        for _ in range(3):
            self.assertEqual(fragment(self.round_trip()), REFUSED)
        self.assertEqual(self.idp.jwks_fetches, fetches)
        clock.advance(61)
        self.assertEqual(fragment(self.round_trip()), REFUSED)
        self.assertEqual(self.idp.jwks_fetches, fetches + 1)

    def test_keys_and_discovery_are_kept(self):
        self.round_trip()
        self.round_trip()
        self.assertEqual(self.idp.jwks_fetches, 1)
        self.assertEqual(self.idp.discovery_fetches, 1)


class MixUpTests(SocialTestCase):
    def test_discovery_naming_another_issuer_is_not_used(self):
        self.idp.discovery_issuer = "https://other.example"
        response = self.start()
        self.assertError(response, 502, "social_provider_error")
        self.assertEqual(self.idp.authorize_requests, [])

    def test_issuer_without_https_is_refused(self):
        self.configure(SOCIAL_PROVIDERS={"idp": self.idp.settings(issuer="http://idp.example")})
        self.assertError(self.start(), 502, "social_provider_error")

    def test_iss_parameter_of_another_issuer(self):
        self.idp.send_iss = "https://evil.example"
        self.assertEqual(fragment(self.round_trip()), REFUSED)

    def test_iss_parameter_of_this_issuer(self):
        self.idp.send_iss = self.idp.issuer
        self.assertIn("code", fragment(self.round_trip()))


class StateTests(SocialTestCase):
    def come_back(self):
        response = self.start()
        return self.at_provider(response["Location"])

    def test_state_is_single_use(self):
        path, params = self.come_back()
        self.assertIn("code", fragment(self.client.get(path, params)))
        self.assertError(self.client.get(path, params), 400, "social_state_invalid")

    def test_state_expires_after_ten_minutes(self):
        clock = FrozenClock().install(self)
        path, params = self.come_back()
        clock.advance(601)
        self.assertError(self.client.get(path, params), 400, "social_state_invalid")

    def test_state_of_another_provider(self):
        _, params = self.come_back()
        response = self.client.get("/api/auth/social/github/callback/", params)
        self.assertError(response, 400, "social_state_invalid")

    def test_browser_without_the_flow_cookie(self):
        path, params = self.come_back()
        self.client.cookies.clear()
        self.assertError(self.client.get(path, params), 400, "social_state_invalid")
        self.assertEqual(self.idp.token_requests, [])

    def test_browser_with_another_flow_cookie(self):
        path, params = self.come_back()
        for name in list(self.client.cookies):
            if "social_flow" in name:
                self.client.cookies[name] = "x" * 43
        self.assertError(self.client.get(path, params), 400, "social_state_invalid")

    def test_unknown_state_in_a_browser_goes_to_the_site(self):
        response = self.client.get(
            "/api/auth/social/idp/callback/",
            {"state": "nope", "code": "x"},
            HTTP_ACCEPT="text/html",
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], f"{SITE}#error=social_state_invalid")

    def test_form_post_callback(self):
        path, params = self.come_back()
        response = self.client.post(path, params)
        self.assertIn("code", fragment(response))

    def test_code_the_provider_does_not_know(self):
        path, params = self.come_back()
        with mock.patch.object(self.idp, "codes", {}):
            self.assertEqual(fragment(self.client.get(path, params)), REFUSED)
