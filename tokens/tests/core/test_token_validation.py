import base64
import json
import uuid
from unittest import mock

import jwt
from django.conf import settings

from tokens.tests.support import (
    AuthAPITestCase,
    FrozenClock,
    bearer,
    claims,
    login_name,
    make_user,
)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TokenValidationTests(AuthAPITestCase):
    """Every way a token can be refused, at ``me/`` (access) and ``refresh/`` (refresh)."""

    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.access_claims = claims(self.pair["access_token"])
        self.refresh_claims = claims(self.pair["refresh_token"])

    def access_key(self):
        return settings.TOKENS["ACCESS_SIGNING_KEY"]

    def refresh_key(self):
        return settings.TOKENS["REFRESH_SIGNING_KEY"]

    def test_a_valid_access_token_is_accepted(self):
        response = self.me(self.pair["access_token"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["username"], login_name("alice"))

    def test_no_credentials(self):
        self.assertError(self.client.get("/api/auth/me/"), 401, "not_authenticated")
        self.assertError(
            self.client.get("/api/auth/me/", HTTP_AUTHORIZATION="Basic YTpi"),
            401,
            "not_authenticated",
        )
        self.assertError(
            self.client.post("/api/auth/refresh/", {}, format="json"), 401, "not_authenticated"
        )

    def test_malformed_tokens_are_invalid(self):
        token = self.pair["access_token"]
        header, payload, signature = token.split(".")
        tampered = json.loads(base64.urlsafe_b64decode(payload + "=="))
        tampered["sub"] = "999"
        samples = {
            "garbage": "abc",
            "empty parts": "..",
            "truncated": token[:-10],
            "no signature": f"{header}.{payload}.",
            "tampered payload": f"{header}.{b64(tampered)}.{signature}",
            "non-ascii": "é" * 40,
            "json payload not an object": f"{header}.{b64([1, 2])}.{signature}",
        }
        for name, sample in samples.items():
            with self.subTest(name=name):
                self.assertError(self.me(sample), 401, "token_invalid")
                self.assertError(self.refresh(sample), 401, "token_invalid")

    def test_a_huge_token_is_refused(self):
        self.assertError(self.me("a" * 20000), 401, "token_invalid")
        self.assertEqual(self.refresh("a" * 20000).status_code, 400)

    def test_alg_none_and_unconfigured_algorithms_are_refused(self):
        payload = dict(self.access_claims)
        unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
        self.assertError(self.me(unsigned), 401, "token_invalid")
        for alg in ("HS384", "HS512"):
            with self.subTest(alg=alg):
                other_alg = jwt.encode(payload, self.access_key(), algorithm=alg)
                self.assertError(self.me(other_alg), 401, "token_invalid")

    def test_a_token_signed_with_another_key_is_invalid(self):
        forged = jwt.encode(
            self.access_claims, "some-other-key-of-enough-length-0123456789", algorithm="HS256"
        )
        self.assertError(self.me(forged), 401, "token_invalid")
        # An access token signed with the refresh key does not pass either.
        crossed = jwt.encode(self.access_claims, self.refresh_key(), algorithm="HS256")
        self.assertError(self.me(crossed), 401, "token_invalid")

    def test_missing_or_malformed_claims_are_invalid(self):
        for claim in ("sub", "sid", "jti", "iat", "exp", "username", "token_type"):
            with self.subTest(missing=claim):
                payload = {k: v for k, v in self.access_claims.items() if k != claim}
                self.assertError(
                    self.me(jwt.encode(payload, self.access_key(), algorithm="HS256")),
                    401,
                    "token_invalid",
                )
        for claim, value in (
            ("sub", 5),
            ("sid", "not-a-uuid"),
            ("exp", "soon"),
            ("token_type", "id"),
        ):
            with self.subTest(malformed=claim):
                payload = {**self.access_claims, claim: value}
                self.assertError(
                    self.me(jwt.encode(payload, self.access_key(), algorithm="HS256")),
                    401,
                    "token_invalid",
                )

    def test_wrong_type_both_ways(self):
        self.assertError(self.me(self.pair["refresh_token"]), 401, "token_wrong_type")
        self.assertError(self.refresh(self.pair["access_token"]), 401, "token_wrong_type")

    def test_wrong_type_is_only_said_of_genuine_tokens(self):
        # A refresh-typed token signed with the access key is a forgery, not a genuine refresh
        # token.
        forged = jwt.encode(self.refresh_claims, self.access_key(), algorithm="HS256")
        self.assertError(self.me(forged), 401, "token_invalid")

    def test_expired_tokens(self):
        clock = FrozenClock()
        with mock.patch("tokens.core.clock.time", clock):
            clock.advance(901)
            self.assertError(self.me(self.pair["access_token"]), 401, "token_expired")
            clock.advance(604800)
            self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_expired")

    def test_a_token_for_an_unknown_session_is_revoked(self):
        payload = {**self.access_claims, "sid": str(uuid.uuid4())}
        self.assertError(
            self.me(jwt.encode(payload, self.access_key(), algorithm="HS256")), 401, "token_revoked"
        )

    def test_bearer_scheme_is_case_insensitive(self):
        response = self.client.get(
            "/api/auth/me/", HTTP_AUTHORIZATION=f"bearer {self.pair['access_token']}"
        )
        self.assertEqual(response.status_code, 200)

    def test_a_disabled_user_loses_the_session_at_once(self):
        self.user.is_active = False
        self.user.save()
        self.assertError(self.me(self.pair["access_token"]), 401, "user_inactive")

    def test_a_deleted_user_is_inactive(self):
        carol_user = make_user("carol")
        carol = self.login("carol")
        type(self.user).objects.filter(pk=carol_user.pk).delete()
        self.assertError(self.me(carol["access_token"]), 401, "user_inactive")

    def test_a_bulk_update_revokes_at_once(self):
        type(self.user).objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertError(self.me(self.pair["access_token"]), 401, "user_inactive")
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "user_inactive")

    def test_other_headers_do_not_confuse_authentication(self):
        response = self.client.get(
            "/api/auth/me/", **bearer(self.pair["access_token"]), HTTP_COOKIE="access_token=garbage"
        )
        self.assertEqual(response.status_code, 200)
