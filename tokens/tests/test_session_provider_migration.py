"""Upgrading to the release that records a session's provider (tokens 0018) keeps every session:
live ones go on working, from their Redis copy and from their row, and show no provider.
"""

from django_redis import get_redis_connection
from rest_framework.test import APITransactionTestCase

from tokens.models import Session
from tokens.store import redis_keys
from tokens.tests.support import SESSION_ITEM_KEYS, AuthAPIMixin, bearer
from tokens.tests.test_app_migrations import migrate

BEFORE = [("tokens", "0017_model_and_field_names_translated")]


class UpgradeKeepsSessionsTests(AuthAPIMixin, APITransactionTestCase):
    def setUp(self):
        super().setUp()
        # Whatever happens, the database ends at the latest state, as every other test expects.
        self.addCleanup(migrate)
        self.pair = self.login()
        self.revoked = self.login()
        self.client.post("/api/auth/logout/", **bearer(self.revoked["access_token"]))
        old = migrate(BEFORE)
        self.assertNotIn(
            "provider", {field.name for field in old.get_model("tokens", "Session")._meta.fields}
        )
        migrate()

    def test_live_sessions_keep_working_and_show_no_provider(self):
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        # The copy lost: the row answers, through the record's statement that reads the provider.
        get_redis_connection("default").delete(
            redis_keys.session(self.user.pk, self.pair["session_id"])
        )
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        refreshed = self.refresh(self.pair["refresh_token"])
        self.assertEqual(refreshed.status_code, 200, refreshed.content)
        response = self.client.get(
            "/api/auth/sessions/", **bearer(refreshed.json()["access_token"])
        )
        self.assertEqual(response.status_code, 200)
        [item] = response.json()
        self.assertEqual(item["id"], self.pair["session_id"])
        self.assertEqual(set(item), SESSION_ITEM_KEYS)
        self.assertIsNone(Session.objects.get(pk=self.pair["session_id"]).provider)

    def test_revoked_sessions_stay_revoked(self):
        self.assertEqual(Session.objects.count(), 2)
        self.assertError(self.me(self.revoked["access_token"]), 401, "token_revoked", "logout")
        self.assertError(self.refresh(self.revoked["refresh_token"]), 401, "token_revoked")
