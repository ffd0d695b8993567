from unittest import skipUnless

import jwt

from tokens.models import AuthEvent, Session
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    claims,
    login_name,
    make_user,
    token_settings,
    uses_accounts,
)


class LoginTests(AuthAPITestCase):
    def post(self, data, **kwargs):
        return self.client.post(
            "/api/auth/login/", data, format=kwargs.pop("format", "json"), **kwargs
        )

    def test_login_by_username_returns_the_token_pair_and_user(self):
        FrozenClock().install(self)  # lifetimes counted from one "now", whatever the machine's load
        response = self.post({"username": login_name("alice"), "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            set(body),
            {
                "access_token",
                "refresh_token",
                "token_type",
                "expires_in",
                "refresh_expires_in",
                "session_id",
                "user",
            },
        )
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 900)
        self.assertEqual(body["refresh_expires_in"], 604800)
        # The id in its JSON form: a number for accounts.User, a string for a UUID key.
        user_id = self.user.pk if uses_accounts() else str(self.user.pk)
        self.assertEqual(
            body["user"],
            {"id": user_id, "username": login_name("alice"), "email": "alice@example.com"},
        )
        self.assertIn("no-store", response["Cache-Control"])

    @skipUnless(uses_accounts(), "the project's username-or-e-mail backend")
    def test_login_by_email_in_either_field_ignores_case(self):
        for data in (
            {"username": "ALICE@Example.com", "password": PASSWORD},
            {"email": "Alice@EXAMPLE.com", "password": PASSWORD},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.post(data).status_code, 200)

    def test_form_encoded_login_works_for_browsable_api_forms(self):
        response = self.client.post(
            "/api/auth/login/", {"username": login_name("alice"), "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 200)

    def test_claims_follow_the_contract(self):
        body = self.post({"username": login_name("alice"), "password": PASSWORD}).json()
        access, refresh = claims(body["access_token"]), claims(body["refresh_token"])
        self.assertEqual(access["token_type"], "access")
        self.assertEqual(refresh["token_type"], "refresh")
        for payload in (access, refresh):
            self.assertEqual(payload["sub"], str(self.user.pk))
            self.assertEqual(payload["sid"], body["session_id"])
            for claim in ("jti", "iat", "exp"):
                self.assertIn(claim, payload)
        self.assertEqual(access["username"], login_name("alice"))
        self.assertNotIn("username", refresh)
        self.assertNotEqual(access["jti"], refresh["jti"])
        self.assertEqual(access["exp"] - access["iat"], 900)
        self.assertEqual(jwt.get_unverified_header(body["access_token"])["alg"], "HS256")

    def test_each_type_is_signed_with_its_own_key(self):
        body = self.post({"username": login_name("alice"), "password": PASSWORD}).json()
        from django.conf import settings

        access_key, refresh_key = (
            settings.TOKENS["ACCESS_SIGNING_KEY"],
            settings.TOKENS["REFRESH_SIGNING_KEY"],
        )
        jwt.decode(body["access_token"], access_key, algorithms=["HS256"])
        jwt.decode(body["refresh_token"], refresh_key, algorithms=["HS256"])
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(body["access_token"], refresh_key, algorithms=["HS256"])
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(body["refresh_token"], access_key, algorithms=["HS256"])

    def test_login_opens_a_session_updates_last_login_and_records_an_event(self):
        self.assertIsNone(self.user.last_login)
        credentials = {"username": login_name("alice"), "password": PASSWORD}
        body = self.post(credentials, HTTP_USER_AGENT="TestAgent/1.0").json()
        session = Session.objects.get(pk=body["session_id"])
        self.assertEqual(session.user, self.user)
        self.assertEqual(session.user_agent, "TestAgent/1.0")
        self.assertEqual(session.ip_address, "127.0.0.1")
        self.assertEqual(session.state, "live")
        self.user.refresh_from_db()
        self.assertIsNotNone(self.user.last_login)
        self.assertTrue(AuthEvent.objects.filter(kind="login_succeeded", user=self.user).exists())

    def test_failures_share_one_code(self):
        make_user("bob", is_active=False)
        cases = [
            {"username": login_name("alice"), "password": "wrong"},
            {"username": "nobody", "password": PASSWORD},
            {"username": "nobody@example.com", "password": PASSWORD},
            {"username": login_name("bob"), "password": PASSWORD},
        ]
        for data in cases:
            with self.subTest(data=data):
                self.assertError(self.post(data), 401, "invalid_credentials")
        self.assertEqual(AuthEvent.objects.filter(kind="login_failed").count(), len(cases))
        self.assertFalse(Session.objects.exists())

    def test_missing_fields_are_field_errors(self):
        for data, field in (
            ({"password": PASSWORD}, "username"),
            ({"username": login_name("alice")}, "password"),
        ):
            with self.subTest(data=data):
                response = self.post(data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())

    def test_garbage_bodies_get_4xx_never_500(self):
        bodies = [
            ("[1, 2]", "application/json"),
            ("12", "application/json"),
            ('"just a string"', "application/json"),
            ("{not json", "application/json"),
            ("null", "application/json"),
            ('{"username": ["a"], "password": {"x": 1}}', "application/json"),
            ('{"username": true, "password": false}', "application/json"),
            ('{"username": "' + "x" * 20000 + '", "password": "p"}', "application/json"),
            (
                '{"username": login_name("alice"), "password": "' + "p" * 20000 + '"}',
                "application/json",
            ),
            ("\x00\xff\xfe", "application/json"),
            ("username=alice&password=", "application/x-www-form-urlencoded"),
            ("<xml/>", "application/xml"),
        ]
        for raw, content_type in bodies:
            with self.subTest(body=raw[:40]):
                response = self.client.generic(
                    "POST", "/api/auth/login/", raw, content_type=content_type
                )
                self.assertGreaterEqual(response.status_code, 400)
                self.assertLess(response.status_code, 500)
                self.assertIsInstance(response.json(), dict)
        self.assertFalse(Session.objects.exists())

    def test_only_post_is_allowed(self):
        response = self.client.get("/api/auth/login/", HTTP_ACCEPT="application/json")
        self.assertError(response, 405, "method_not_allowed")

    @token_settings(ACCESS_TOKEN_LIFETIME=60, REFRESH_TOKEN_LIFETIME=600, SESSION_LIFETIME=3600)
    def test_lifetimes_are_settings_read_when_used(self):
        # The body counts the lifetimes from the moment it is written: a second that ends between
        # signing and answering would make it 59.
        FrozenClock().install(self)
        body = self.post({"username": login_name("alice"), "password": PASSWORD}).json()
        self.assertEqual(body["expires_in"], 60)
        self.assertEqual(body["refresh_expires_in"], 600)
