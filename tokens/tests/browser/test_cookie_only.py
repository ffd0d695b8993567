"""Cookies only, nothing for a script to read (OWASP ASVS 5.0 V3.3.4).

Each test is the attack of a script on the page (an injected one): it makes the page's login or
refresh request, or sends its own, and reads the JSON answer. With ``"transport": "cookie"``, or a
refresh by the refresh cookie, that answer holds no token, while the HttpOnly cookies still sign
the browser in. Clients that take the tokens from the body (by body or header) keep them.
"""

from tokens.browser.cookies import access_cookie_name, refresh_cookie_name
from tokens.models import Session
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.mfa import MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    bearer,
    claims,
    login_name,
    token_settings,
    without_rate_limits,
)

ME = "/api/auth/me/"
REFRESH = "/api/auth/refresh/"
TOKENS = ("access_token", "refresh_token")
# What a cookie-only answer keeps of the pair.
KEPT = ("token_type", "expires_in", "refresh_expires_in", "session_id")
COOKIE = {"transport": "cookie"}


@without_rate_limits()
class CookieOnlyTestCase(MfaMixin, AuthAPITestCase):
    """alice, signed in by body tokens (``self.pair``), on a frozen clock."""

    def credentials(self, **extra) -> dict:
        return {"username": login_name("alice"), "password": PASSWORD, **extra}

    def post_login(self, **extra):
        return self.client.post("/api/auth/login/", self.credentials(**extra), format="json")

    def assertNoToken(self, response, status_code=200):
        """The answer a script reads: no token in it, the rest of the pair there."""
        self.assertEqual(response.status_code, status_code, response.content)
        body = response.json()
        for name in TOKENS:
            self.assertNotIn(name, body)
        for name in KEPT:
            self.assertIn(name, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertNotIn(response.cookies[access_cookie_name()].value, response.content.decode())
        self.assertNotIn(response.cookies[refresh_cookie_name()].value, response.content.decode())
        return body

    def assertCookiesSignIn(self, response, session_id):
        """The cookies the answer set are the session's live pair: the next call works by them."""
        access = response.cookies[access_cookie_name()]
        refresh = response.cookies[refresh_cookie_name()]
        self.assertTrue(access["httponly"])
        self.assertTrue(refresh["httponly"])
        self.assertEqual(claims(access.value)["sid"], session_id)
        self.assertEqual(claims(refresh.value)["sid"], session_id)
        me = self.client.get(ME)
        self.assertEqual(me.status_code, 200, me.content)
        self.assertEqual(me.json()["username"], login_name("alice"))


class LoginTests(CookieOnlyTestCase):
    def test_a_script_reading_the_login_answer_gets_no_token(self):
        response = self.post_login(**COOKIE)
        body = self.assertNoToken(response)
        self.assertEqual(body["user"]["username"], login_name("alice"))
        self.assertCookiesSignIn(response, body["session_id"])

    def test_a_script_reading_the_second_step_answer_gets_no_token(self):
        secret, _ = self.enrol_totp()
        # The password step gives no token either way; the second step asks for cookies alone.
        mfa_token = self.password_step()["mfa_token"]
        response = self.finish(mfa_token, code=self.code(secret), **COOKIE)
        body = self.assertNoToken(response)
        self.assertEqual(body["user"]["username"], login_name("alice"))
        self.assertEqual(claims(response.cookies[access_cookie_name()].value)["amr"][-1], "mfa")
        self.assertCookiesSignIn(response, body["session_id"])

    def test_a_script_reading_the_passkey_login_answer_gets_no_token(self):
        authenticator = SoftAuthenticator()
        self.enrol_passkey(authenticator)
        options = self.post("/api/auth/login/passkey/options/").json()
        proof = {"challenge_id": options["challenge_id"], "credential": authenticator.get(options)}
        response = self.post("/api/auth/login/passkey/", {**proof, **COOKIE})
        body = self.assertNoToken(response)
        self.assertCookiesSignIn(response, body["session_id"])

    def test_a_script_reading_the_reauthentication_answer_gets_no_token(self):
        login = self.assertNoToken(self.post_login(**COOKIE))
        # Authenticated by the access cookie, as the page does.
        response = self.client.post(
            "/api/auth/reauthenticate/", {"password": PASSWORD, **COOKIE}, format="json"
        )
        body = self.assertNoToken(response)
        self.assertEqual(body["session_id"], login["session_id"])
        self.assertCookiesSignIn(response, login["session_id"])

    def test_api_clients_that_ask_nothing_or_body_keep_the_tokens(self):
        for extra in ({}, {"transport": "body"}):
            with self.subTest(extra=extra):
                body = self.post_login(**extra).json()
                self.assertEqual(self.me(body["access_token"]).status_code, 200)
                self.assertEqual(claims(body["refresh_token"])["sid"], body["session_id"])
        response = self.post("/api/auth/reauthenticate/", {"password": PASSWORD}, token=None)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn("access_token", response.json())


class RefreshTests(CookieOnlyTestCase):
    def setUp(self):
        super().setUp()
        self.browser_login = self.post_login(**COOKIE)
        self.session_id = self.browser_login.json()["session_id"]
        self.first_refresh = self.browser_login.cookies[refresh_cookie_name()].value

    def test_a_refresh_by_the_cookie_answers_no_token(self):
        response = self.client.post(REFRESH)
        body = self.assertNoToken(response)
        self.assertEqual(body["session_id"], self.session_id)
        self.assertNotEqual(response.cookies[refresh_cookie_name()].value, self.first_refresh)
        self.assertCookiesSignIn(response, self.session_id)

    def test_the_racing_tab_replay_by_the_cookie_answers_no_token(self):
        winner = self.client.post(REFRESH)
        self.assertNoToken(winner)
        # Read before the jar changes: the client's jar shares the response's cookie objects.
        successor = [
            winner.cookies[name].value for name in (access_cookie_name(), refresh_cookie_name())
        ]
        # The other tab sent the same cookie before the answer came: it gets the same successor,
        # in the cookies alone.
        self.client.cookies[refresh_cookie_name()] = self.first_refresh
        self.clock.advance(2)
        replay = self.client.post(REFRESH)
        self.assertNoToken(replay)
        self.assertEqual(
            [replay.cookies[name].value for name in (access_cookie_name(), refresh_cookie_name())],
            successor,
        )
        self.assertCookiesSignIn(replay, self.session_id)

    def test_the_same_refresh_by_body_or_header_keeps_the_tokens(self):
        current = self.first_refresh
        for send in (
            lambda token: self.client.post(REFRESH, {"refresh_token": token}, format="json"),
            lambda token: self.client.post(REFRESH, **bearer(token)),
        ):
            # The browser's cookies are there too: the token the client named wins, and so does
            # its way of reading the answer.
            response = send(current)
            self.assertEqual(response.status_code, 200, response.content)
            body = response.json()
            self.assertEqual(body["refresh_token"], response.cookies[refresh_cookie_name()].value)
            self.assertEqual(self.me(body["access_token"]).status_code, 200)
            current = body["refresh_token"]

    def test_the_racing_tab_replay_by_body_keeps_the_tokens(self):
        winner = self.client.post(REFRESH, {"refresh_token": self.first_refresh}, format="json")
        self.clock.advance(2)
        replay = self.client.post(REFRESH, {"refresh_token": self.first_refresh}, format="json")
        self.assertEqual(replay.status_code, 200, replay.content)
        self.assertEqual(replay.json()["refresh_token"], winner.json()["refresh_token"])


class BadTransportTests(CookieOnlyTestCase):
    """A value the API does not know is a 400 field error at every login-type door, and nothing
    is issued: never a 500, never a pair the client did not ask for.
    """

    BAD = (123, True, None, [], {}, ["cookie"], "", "Cookie", "header", "cookie\x00", "x" * 5000)

    def doors(self, transport):
        mfa_proof = {"mfa_token": "x", "code": "123456", "transport": transport}
        passkey_proof = {"challenge_id": "x", "credential": {}, "transport": transport}
        return {
            "login/": lambda: self.post_login(transport=transport),
            "login/mfa/": lambda: self.post("/api/auth/login/mfa/", mfa_proof),
            "login/passkey/": lambda: self.post("/api/auth/login/passkey/", passkey_proof),
            "reauthenticate/": lambda: self.post(
                "/api/auth/reauthenticate/",
                {"password": PASSWORD, "transport": transport},
                token=self.pair["access_token"],
            ),
        }

    def test_unknown_values_are_field_errors(self):
        sessions = Session.objects.count()
        for value in self.BAD:
            for door, send in self.doors(value).items():
                with self.subTest(door=door, value=value):
                    response = send()
                    self.assertEqual(response.status_code, 400, response.content)
                    self.assertIn("transport", response.json())
                    self.assertNotIn(access_cookie_name(), response.cookies)
        self.assertEqual(Session.objects.count(), sessions)

    def test_form_encoded_values_are_checked_too(self):
        response = self.client.post(
            "/api/auth/login/", {**self.credentials(), "transport": "cookies"}
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("transport", response.json())

    @token_settings(COOKIE_TRANSPORT=False)
    def test_cookies_alone_without_cookies_is_refused_not_tokenless(self):
        # No cookie would carry the tokens: an answer without them would leave the client signed
        # in nowhere, so the request is refused before any session opens.
        sessions = Session.objects.count()
        for door, send in self.doors("cookie").items():
            with self.subTest(door=door):
                response = send()
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("transport", response.json())
        self.assertEqual(Session.objects.count(), sessions)
        body = self.post_login(transport="body").json()
        self.assertEqual(self.me(body["access_token"]).status_code, 200)
