"""Every revocation completes in record and Redis or fails whole; disabling revokes at once."""

import os
import subprocess
import sys
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django_redis import get_redis_connection

from tokens.exceptions import UserInactive
from tokens.models import AuthEvent, Session
from tokens.store import redis_keys
from tokens.tests.servers import PROJECT, database_url
from tokens.tests.support import (
    AuthAPITestCase,
    AuthAPITransactionTestCase,
    FrozenClock,
    bearer,
    disable_by_raw_sql,
    login_name,
    make_user,
)
from tokens.users import TokenUser, pk_json


def disabled(user):
    user.is_active = False
    return user


class DisablingTests(AuthAPITestCase):
    """Disabling or deleting through the ORM is refused on the very next request."""

    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.users = get_user_model().objects

    def assertRefused(self, code, reason=None):
        self.assertError(self.me(self.pair["access_token"]), 401, code, reason)
        self.assertError(
            self.client.get("/api/auth/session/", **bearer(self.pair["access_token"])),
            401,
            code,
            reason,
        )
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, code, reason)

    def test_a_bulk_update_revokes_and_logs_once_per_user(self):
        bob = make_user("bob")
        self.users.filter(pk__in=[self.user.pk, bob.pk]).update(is_active=False)
        self.assertRefused("user_inactive")
        self.assertEqual(AuthEvent.objects.filter(kind="user_disabled").count(), 2)
        self.assertEqual(
            Session.objects.get(pk=self.pair["session_id"]).revoked_reason, "user_disabled"
        )

    def test_an_update_that_enables_revokes_nothing(self):
        self.users.filter(pk=self.user.pk).update(is_active=True, email="alice@example.org")
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)

    def test_a_queryset_delete_revokes(self):
        self.users.filter(pk=self.user.pk).delete()
        self.assertRefused("user_inactive")
        self.assertEqual(
            list(
                get_redis_connection("default").hgetall(
                    redis_keys.session(self.user.pk, self.pair["session_id"])
                )
            ),
            [b"x"],
        )

    def test_a_user_enabled_again_never_gets_an_old_session_back(self):
        self.user.is_active = False
        self.user.save()
        self.assertRefused("user_inactive")
        self.users.filter(pk=self.user.pk).update(is_active=True)
        # Active again, the owner reads why the old session ended, and it stays ended.
        self.assertRefused("token_revoked", "user_disabled")
        get_redis_connection("default").flushall()  # and not after losing the tombstones either
        self.assertRefused("token_revoked", "user_disabled")
        self.assertEqual(self.me(self.login()["access_token"]).status_code, 200)

    def test_raw_sql_is_caught_at_the_next_refresh(self):
        disable_by_raw_sql(self.user)
        # The access token alone is not checked against the row (no SQL on the hot path) ...
        self.assertEqual(
            self.client.get("/api/auth/session/", **bearer(self.pair["access_token"])).status_code,
            200,
        )
        # ... but loading the row refuses it, and the refresh revokes every session of the user.
        self.assertError(self.me(self.pair["access_token"]), 401, "user_inactive")
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "user_inactive")
        self.assertError(
            self.client.get("/api/auth/session/", **bearer(self.pair["access_token"])),
            401,
            "user_inactive",
        )


class GraceAfterLossTests(AuthAPITestCase):
    """A retry within the grace window whose successor pair Redis lost never mints a second
    successor.
    """

    def test_the_retry_is_refused_and_the_session_lives_on(self):
        clock = FrozenClock().install(self)
        pair = self.login()
        successor = self.refresh(pair["refresh_token"]).json()
        get_redis_connection("default").flushall()
        clock.advance(5)
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked")
        self.assertEqual(Session.objects.get(pk=pair["session_id"]).revoked_at, None)
        self.assertEqual(self.refresh(successor["refresh_token"]).status_code, 200)

    def test_within_the_window_an_evicted_copy_does_not_lose_the_successor(self):
        pair = self.login()
        successor = self.refresh(pair["refresh_token"]).json()
        get_redis_connection("default").delete(redis_keys.session(self.user.pk, pair["session_id"]))
        retry = self.refresh(pair["refresh_token"])
        self.assertEqual(retry.status_code, 200)
        self.assertEqual(retry.json()["refresh_token"], successor["refresh_token"])


class SessionEndpointTests(AuthAPITestCase):
    def test_the_current_session_from_the_token_and_redis(self):
        clock = FrozenClock(start=1_900_000_000).install(self)
        pair = self.login()
        response = self.client.get("/api/auth/session/", **bearer(pair["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "session_id": pair["session_id"],
                "user": {"id": pk_json(self.user.pk), "username": login_name("alice")},
                "access_expires_at": _iso(clock.current + 900),
                "session_expires_at": _iso(
                    clock.current + 604800
                ),  # the idle end comes before the absolute one
            },
        )

    def test_it_needs_an_access_token(self):
        self.assertError(self.client.get("/api/auth/session/"), 401, "not_authenticated")
        pair = self.login()
        self.assertError(
            self.client.get("/api/auth/session/", **bearer(pair["refresh_token"])),
            401,
            "token_wrong_type",
        )


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TokenUserTests(AuthAPITestCase):
    """``request.user``: what the token carries costs nothing, anything else loads the row once."""

    def test_the_token_carries_id_and_username(self):
        user = TokenUser(str(self.user.pk), login_name("alice"))
        with self.assertNumQueries(0):
            self.assertTrue(user)
            self.assertTrue(user.is_authenticated)
            self.assertFalse(user.is_anonymous)
            username_field = get_user_model().USERNAME_FIELD
            self.assertEqual(
                (user.pk, user.id, getattr(user, username_field), user.get_username()),
                (self.user.pk,) * 2 + (login_name("alice"),) * 2,
            )
        with self.assertNumQueries(1):
            self.assertEqual(user.email, "alice@example.com")
            self.assertEqual(user.date_joined, self.user.date_joined)
        self.assertEqual(user, self.user)

    def test_a_row_gone_or_disabled_behind_the_orms_back_is_refused(self):
        disable_by_raw_sql(self.user)
        with self.assertRaises(UserInactive):
            TokenUser(str(self.user.pk), login_name("alice")).date_joined  # noqa: B018


class ManagePyTests(AuthAPITransactionTestCase):
    """``revoke_sessions`` as a person types it: through manage.py, system checks and all."""

    def manage(self, *args):
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        }
        environment.pop("PYTEST_VERSION", None)
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )

    def test_revoke_sessions_of_one_user(self):
        make_user("bob")
        alice, bob = self.login(), self.login("bob")
        result = self.manage("revoke_sessions", login_name("alice"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "Revoked 1 session(s).")
        self.assertError(self.me(alice["access_token"]), 401, "token_revoked")
        self.assertEqual(self.me(bob["access_token"]).status_code, 200)
        self.assertEqual(Session.objects.get(pk=alice["session_id"]).revoked_reason, "command")

    def test_an_unknown_user_is_an_error(self):
        result = self.manage("revoke_sessions", "nobody")
        self.assertEqual(result.returncode, 1)
        self.assertIn("No user named 'nobody'", result.stderr)
