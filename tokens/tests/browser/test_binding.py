"""Token binding (OWASP token sidejacking): tokens work only with the fingerprint cookie of their
login.
"""

import hashlib
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from tokens.browser.cookies import access_cookie_name
from tokens.checks import check_settings_keys
from tokens.conf import token_settings as live
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    bearer,
    claims,
    login_name,
    token_settings,
)

SECURE_COOKIE = "__Host-fgp"
ME = "/api/auth/me/"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@token_settings(TOKEN_BINDING=True)
class TokenBindingTests(AuthAPITestCase):
    def bound_login(self):
        """Log in; keep only the fingerprint cookie, so tokens travel in the header or body."""
        response = self.client.post("/api/auth/login/", alice_credentials(), format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.fingerprint = response.cookies[SECURE_COOKIE].value
        self.client.cookies.clear()
        self.client.cookies[SECURE_COOKIE] = self.fingerprint
        return response

    def test_login_sets_a_hardened_fingerprint_cookie(self):
        cookie = self.bound_login().cookies[SECURE_COOKIE]
        self.assertTrue(cookie["httponly"])
        self.assertTrue(cookie["secure"])
        self.assertEqual(cookie["samesite"], "Strict")
        self.assertEqual(cookie["path"], "/")
        self.assertGreaterEqual(len(cookie.value), 32)

    @token_settings(TOKEN_BINDING=True, COOKIE_SECURE=False)
    def test_without_https_the_cookie_has_no_secure_prefix(self):
        response = self.client.post("/api/auth/login/", alice_credentials(), format="json")
        self.assertNotIn(SECURE_COOKIE, response.cookies)
        self.assertFalse(response.cookies["fgp"]["secure"])
        self.assertEqual(response.cookies["fgp"]["samesite"], "Strict")
        pair = response.json()
        self.assertEqual(claims(pair["access_token"])["fgp"], sha256(response.cookies["fgp"].value))

    def test_both_tokens_carry_the_fingerprint_hash(self):
        pair = self.bound_login().json()
        self.assertEqual(claims(pair["access_token"])["fgp"], sha256(self.fingerprint))
        self.assertEqual(claims(pair["refresh_token"])["fgp"], sha256(self.fingerprint))
        self.assertNotIn(self.fingerprint, pair["access_token"] + pair["refresh_token"])

    def test_every_login_gets_its_own_fingerprint(self):
        self.bound_login()
        first = self.fingerprint
        self.bound_login()
        self.assertNotEqual(first, self.fingerprint)

    def test_an_access_token_needs_its_cookie(self):
        pair = self.bound_login().json()
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        self.client.cookies[SECURE_COOKIE] = "someone-elses-fingerprint"
        self.assertError(self.me(pair["access_token"]), 401, "token_invalid")
        del self.client.cookies[SECURE_COOKIE]
        self.assertError(self.me(pair["access_token"]), 401, "token_invalid")

    def test_an_access_cookie_needs_the_fingerprint_cookie_too(self):
        pair = self.bound_login().json()
        self.client.cookies[access_cookie_name()] = pair["access_token"]
        self.assertEqual(self.client.get(ME).status_code, 200)
        del self.client.cookies[SECURE_COOKIE]
        self.assertError(self.client.get(ME), 401, "token_invalid")

    def test_a_refresh_token_needs_its_cookie(self):
        pair = self.bound_login().json()
        self.client.cookies[SECURE_COOKIE] = "someone-elses-fingerprint"
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")
        del self.client.cookies[SECURE_COOKIE]
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")
        # The refused attempts consumed nothing: the owner still refreshes.
        self.client.cookies[SECURE_COOKIE] = self.fingerprint
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)

    def test_rotation_keeps_the_fingerprint(self):
        pair = self.bound_login().json()
        rotated = self.refresh(pair["refresh_token"]).json()
        self.assertEqual(claims(rotated["access_token"])["fgp"], sha256(self.fingerprint))
        self.assertEqual(claims(rotated["refresh_token"])["fgp"], sha256(self.fingerprint))
        self.assertEqual(self.me(rotated["access_token"]).status_code, 200)
        again = self.refresh(rotated["refresh_token"])
        self.assertEqual(again.status_code, 200)
        self.assertNotIn(SECURE_COOKIE, again.cookies)

    def test_the_grace_window_successor_is_bound_too(self):
        pair = self.bound_login().json()
        first = self.refresh(pair["refresh_token"]).json()
        retry = self.refresh(pair["refresh_token"])
        self.assertEqual(retry.json()["refresh_token"], first["refresh_token"])
        del self.client.cookies[SECURE_COOKIE]
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")

    def test_logout_needs_the_cookie_and_clears_it(self):
        pair = self.bound_login().json()
        del self.client.cookies[SECURE_COOKIE]
        self.assertError(
            self.client.post("/api/auth/logout/", **bearer(pair["access_token"])),
            401,
            "token_invalid",
        )
        self.assertError(
            self.client.post(
                "/api/auth/logout/", {"refresh_token": pair["refresh_token"]}, format="json"
            ),
            401,
            "token_invalid",
        )
        self.client.cookies[SECURE_COOKIE] = self.fingerprint
        response = self.client.post(
            "/api/auth/logout/", {"refresh_token": pair["refresh_token"]}, format="json"
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.cookies[SECURE_COOKIE].value, "")
        self.assertEqual(response.cookies[SECURE_COOKIE]["max-age"], 0)
        self.client.cookies[SECURE_COOKIE] = self.fingerprint
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")

    def test_logout_everywhere_clears_the_cookie(self):
        pair = self.bound_login().json()
        response = self.client.post("/api/auth/logout-all/", **bearer(pair["access_token"]))
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.cookies[SECURE_COOKIE]["max-age"], 0)

    def test_unbound_tokens_are_refused_once_binding_is_on(self):
        with token_settings(TOKEN_BINDING=False):
            pair = self.login()
        self.assertNotIn("fgp", claims(pair["access_token"]))
        self.assertError(self.me(pair["access_token"]), 401, "token_invalid")
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")

    def test_expiry_is_still_reported_for_a_bound_token(self):
        clock = FrozenClock()
        with mock.patch("tokens.core.clock.time", clock):
            pair = self.bound_login().json()
            clock.advance(3600)
            self.assertError(self.me(pair["access_token"]), 401, "token_expired")


def alice_credentials() -> dict:
    """What alice logs in with, whatever the user model."""
    return {"username": login_name("alice"), "password": PASSWORD}


class BindingOffTests(AuthAPITestCase):
    def test_off_by_default_no_cookie_and_no_claim(self):
        response = self.client.post("/api/auth/login/", alice_credentials(), format="json")
        self.assertNotIn(SECURE_COOKIE, response.cookies)
        self.assertNotIn("fgp", response.cookies)
        self.assertNotIn("fgp", claims(response.json()["access_token"]))
        self.assertNotIn("fgp", claims(response.json()["refresh_token"]))

    def test_bound_tokens_work_without_the_cookie_when_binding_is_off(self):
        with token_settings(TOKEN_BINDING=True):
            pair = self.login()
        self.assertIn("fgp", claims(pair["access_token"]))
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        rotated = self.refresh(pair["refresh_token"])
        self.assertEqual(rotated.status_code, 200)
        self.assertEqual(
            claims(rotated.json()["access_token"])["fgp"], claims(pair["access_token"])["fgp"]
        )


class RenamedSettingTests(SimpleTestCase):
    """``DEVICE_BINDING``, the setting's name before its release, still works, with a warning."""

    def test_the_old_name_still_binds_and_warns(self):
        old = {k: v for k, v in settings.TOKENS.items() if k != "TOKEN_BINDING"}
        with override_settings(TOKENS={**old, "DEVICE_BINDING": True}):
            with self.assertWarns(DeprecationWarning):
                self.assertIs(live.TOKEN_BINDING, True)
            self.assertEqual(check_settings_keys(None), [])
