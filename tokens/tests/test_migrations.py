"""The data step of the migration that made the database the record of sessions."""

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django_redis import get_redis_connection

from tokens.models import Session
from tokens.store import redis_keys
from tokens.tests.support import AuthAPITestCase

migration = importlib.import_module("tokens.migrations.0003_durable_session_record")


class CopyCurrentRefreshIdsTests(AuthAPITestCase):
    """Sessions opened before it kept their current refresh id in Redis only."""

    def as_before(self, pair):
        """Put a session back the way it was: no id in its row, the old hash in Redis."""
        session = Session.objects.get(pk=pair["session_id"])
        key = redis_keys.session(self.user.pk, session.pk)
        redis = get_redis_connection("default")
        redis.delete(key)
        redis.hset(key, "r", session.refresh_jti)
        Session.objects.filter(pk=session.pk).update(refresh_jti="")

    def test_live_sessions_keep_working_and_dead_ones_are_marked(self):
        live, dead = self.login(), self.login()
        self.as_before(live)
        self.as_before(dead)
        get_redis_connection("default").delete(redis_keys.session(self.user.pk, dead["session_id"]))
        migration.copy_current_refresh_ids(apps, SimpleNamespace(connection=connection))
        self.assertEqual(self.me(live["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(live["refresh_token"]).status_code, 200)
        self.assertError(self.me(dead["access_token"]), 401, "token_revoked")
        self.assertIsNotNone(Session.objects.get(pk=dead["session_id"]).revoked_at)
        copy = get_redis_connection("default").hgetall(
            redis_keys.session(self.user.pk, live["session_id"])
        )
        self.assertEqual(
            copy[b"u"], str(self.user.pk).encode()
        )  # the old hash was replaced by the new copy
