"""The claims a session carries: set at login, kept by rotation, by a miss and by the migration."""

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.test import SimpleTestCase
from django_redis import get_redis_connection

from tokens.core import claims
from tokens.models import Session
from tokens.store import copies
from tokens.tests.support import AuthAPITestCase, FrozenClock
from tokens.tests.support import claims as payload

migration = importlib.import_module("tokens.migrations.0005_session_claims")


class MethodsTests(SimpleTestCase):
    def test_one_method_is_itself(self):
        self.assertEqual(claims.methods(["pwd"]), ["pwd"])

    def test_two_methods_add_mfa_once(self):
        self.assertEqual(claims.methods(["pwd"], ["otp", "mfa"]), ["pwd", "otp", "mfa"])
        self.assertEqual(claims.methods(["pwd", "pwd"]), ["pwd"])


class SessionClaimsTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def test_login_puts_auth_time_and_amr_in_both_tokens(self):
        pair = self.login()
        for token in (pair["access_token"], pair["refresh_token"]):
            self.assertEqual(payload(token)["auth_time"], self.clock.current)
            self.assertEqual(payload(token)["amr"], ["pwd"])
        self.assertEqual(
            Session.objects.get(pk=pair["session_id"]).claims,
            {"auth_time": self.clock.current, "amr": ["pwd"]},
        )

    def test_rotation_carries_them_forward_unchanged(self):
        pair = self.login()
        logged_in_at = self.clock.current
        for _ in range(3):
            self.clock.advance(600)
            response = self.refresh(pair["refresh_token"])
            self.assertEqual(response.status_code, 200, response.content)
            pair = response.json()
        for token in (pair["access_token"], pair["refresh_token"]):
            self.assertEqual(payload(token)["auth_time"], logged_in_at)
            self.assertEqual(payload(token)["amr"], ["pwd"])
            self.assertGreater(payload(token)["iat"], logged_in_at)

    def test_the_copy_keeps_them_and_a_miss_seeds_them_again(self):
        pair = self.login()
        self.assertEqual(self.client.get("/api/auth/session/", **self.auth(pair)).status_code, 200)
        get_redis_connection("default").flushdb()
        self.assertEqual(self.client.get("/api/auth/session/", **self.auth(pair)).status_code, 200)
        copy, _epoch = copies.lookup(self.user.pk, pair["session_id"])
        self.assertEqual(copy.claims, {"auth_time": self.clock.current, "amr": ["pwd"]})

    def auth(self, pair):
        return {"HTTP_AUTHORIZATION": f"Bearer {pair['access_token']}"}


class MigrationTests(AuthAPITestCase):
    def test_sessions_from_before_were_opened_by_a_password_when_created(self):
        pair = self.login()
        Session.objects.filter(pk=pair["session_id"]).update(claims={})
        migration.claims_of_existing_sessions(apps, SimpleNamespace(connection=connection))
        session = Session.objects.get(pk=pair["session_id"])
        self.assertEqual(
            session.claims, {"auth_time": int(session.created_at.timestamp()), "amr": ["pwd"]}
        )
        rotated = self.refresh(pair["refresh_token"]).json()
        self.assertEqual(payload(rotated["access_token"])["amr"], ["pwd"])
