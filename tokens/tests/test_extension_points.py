"""The code a project names by import string: LOGIN_SERIALIZER, USER_SERIALIZER, and the adapter's
claims (the deprecated CLAIMS setting is tested with the adapter, in ``flows/test_pipeline.py``).
"""

from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from tokens import views
from tokens.adapter import DefaultAdapter
from tokens.checks import check_extension_points
from tokens.serializers import LoginSerializer, UserSerializer
from tokens.tests.core.test_costs import data_statements
from tokens.tests.support import (
    AuthAPITestCase,
    FrozenClock,
    bearer,
    claims,
    login_name,
    token_settings,
)
from tokens.users import pk_json

HERE = __name__
ADDED_CLAIMS = {"tenant": "acme", "roles": ["reader"]}


class TenantAdapter(DefaultAdapter):
    """What a project adds to its tokens."""

    def claims(self, user) -> dict:
        return {"tenant": "acme", "roles": ["reader"], "login": user.get_username()}


class OverridingAdapter(DefaultAdapter):
    """An adapter that tries to set claims the tokens decide themselves."""

    def claims(self, user) -> dict:
        return {"sub": "0", "amr": ["hwk"], "exp": 1, "aud": "elsewhere", "tenant": "acme"}


class UserWithJoinedSerializer(UserSerializer):
    date_joined = serializers.DateTimeField(read_only=True)


class LoginWithTermsSerializer(LoginSerializer):
    accept_terms = serializers.BooleanField()

    def validate_accept_terms(self, value):
        if not value:
            raise serializers.ValidationError("The terms must be accepted.")
        return value


class ExtensionPointTests(AuthAPITestCase):
    def post_login(self, **extra):
        body = {"username": login_name("alice"), "password": "correct-horse-battery-9", **extra}
        return self.client.post("/api/auth/login/", body, format="json")

    @token_settings(USER_SERIALIZER=f"{HERE}.UserWithJoinedSerializer")
    def test_user_serializer_renders_logins_user(self):
        response = self.post_login()
        self.assertEqual(response.status_code, 200)
        user = response.json()["user"]
        self.assertEqual(
            (user["id"], user["username"]), (pk_json(self.user.pk), login_name("alice"))
        )
        self.assertIn("date_joined", user)

    @token_settings(LOGIN_SERIALIZER=f"{HERE}.LoginWithTermsSerializer")
    def test_login_serializer_validates_logins_body(self):
        response = self.post_login()
        self.assertEqual(response.status_code, 400)
        self.assertIn("accept_terms", response.json())
        self.assertEqual(self.post_login(accept_terms=True).status_code, 200)

    def test_a_subclass_of_a_view_swaps_its_serializer(self):
        class TermsLoginView(views.LoginView):
            def get_serializer_class(self):
                return LoginWithTermsSerializer

        request = APIRequestFactory().post(
            "/login/", {"username": login_name("alice"), "password": "x"}, format="json"
        )
        response = TermsLoginView.as_view()(request)
        self.assertEqual(response.status_code, 400)
        self.assertIn("accept_terms", response.data)


@token_settings(ADAPTER=f"{HERE}.TenantAdapter")
class AdapterClaimsTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def assertCarried(self, token: str):
        self.assertLessEqual(ADDED_CLAIMS.items(), claims(token).items())
        self.assertEqual(claims(token)["login"], login_name("alice"))

    def test_every_token_carries_the_adapters_claims_through_rotations(self):
        pair = self.login()
        for token in (pair["access_token"], pair["refresh_token"]):
            self.assertCarried(token)
        for _ in range(2):
            self.clock.advance(60)
            pair = self.refresh(pair["refresh_token"]).json()
            self.assertCarried(pair["access_token"])
            self.assertCarried(pair["refresh_token"])
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_a_refresh_still_costs_one_statement(self):
        token = self.login()["refresh_token"]
        self.refresh(token)  # scripts and statements cached
        token = self.login()["refresh_token"]
        with CaptureQueriesContext(connection) as queries:
            response = self.refresh(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data_statements(queries), ["UPDATE"])
        self.assertCarried(response.json()["access_token"])

    def test_the_adapter_is_asked_at_login_not_at_refresh(self):
        pair = self.login()
        with token_settings(ADAPTER=f"{HERE}.OverridingAdapter"):
            rotated = self.refresh(pair["refresh_token"]).json()
        self.assertCarried(rotated["access_token"])

    @token_settings(ADAPTER=f"{HERE}.OverridingAdapter")
    def test_reserved_claims_are_never_overridden(self):
        pair = self.login()
        token = claims(pair["access_token"])
        self.assertEqual(token["tenant"], "acme")
        self.assertEqual(token["sub"], str(self.user.pk))
        self.assertEqual(token["amr"], ["pwd"])
        self.assertNotIn("aud", token)
        self.assertGreater(token["exp"], self.clock.current)
        response = self.client.get("/api/auth/session/", **bearer(pair["access_token"]))
        self.assertEqual(response.status_code, 200)


class ExtensionPointCheckTests(AuthAPITestCase):
    def ids(self) -> list[str]:
        return [message.id for message in check_extension_points(None)]

    def test_the_defaults_pass(self):
        self.assertEqual(self.ids(), [])

    @token_settings(ADAPTER=f"{HERE}.TenantAdapter")
    def test_an_adapter_with_claims_of_its_own_passes(self):
        self.assertEqual(self.ids(), [])

    @token_settings(ADAPTER=f"{HERE}.OverridingAdapter")
    def test_an_adapter_returning_reserved_claims_is_an_error(self):
        messages = check_extension_points(None)
        self.assertEqual([message.id for message in messages], ["tokens.E010"])
        self.assertEqual(messages[0].level, checks.ERROR)

    @token_settings(USER_SERIALIZER=f"{HERE}.Missing", CLAIMS="no.such.module.claims")
    def test_import_strings_that_do_not_import_are_errors(self):
        self.assertEqual(self.ids(), ["tokens.E009", "tokens.E009"])
