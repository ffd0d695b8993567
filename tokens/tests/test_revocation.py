"""Every revocation completes in record and Redis or fails whole; disabling revokes at once."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_redis import get_redis_connection

from tokens.exceptions import UserInactive
from tokens.models import AuthEvent, Session
from tokens.store import redis_keys
from tokens.tests.servers import PROJECT, database_url, use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    AuthAPITransactionTestCase,
    FrozenClock,
    bearer,
    disable_by_raw_sql,
    login_name,
    make_user,
    token_settings,
)
from tokens.users import TokenUser, pk_json


@token_settings(STORE_EPOCH_LEASE=1, STORE_RETRY_INTERVAL=30)
class RevocationDuringOutageTests(AuthAPITestCase):
    """Each revocation while Redis hangs (SIGSTOP): recorded with its event, refused at once, and
    still refused once Redis answers again with the stale copies it kept.
    """

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.pair = self.login()
        self.other = self.login()

    def while_paused(self, action):
        self.redis.pause()
        try:
            return action()
        finally:
            self.redis.resume()

    def assertRefused(self, pair, code="token_revoked"):
        self.assertError(self.me(pair["access_token"]), 401, code)
        self.assertError(self.refresh(pair["refresh_token"]), 401, code)
        with token_settings(STORE_RETRY_INTERVAL=0):  # Redis is asked again, and answers
            self.assertError(self.me(pair["access_token"]), 401, code)
            self.assertError(
                self.client.get("/api/auth/session/", **bearer(pair["access_token"])), 401, code
            )

    def assertLive(self, pair):
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_api_revocations_are_recorded_and_refused_at_once(self):
        calls = {
            "logout": (
                lambda pair, other: self.client.post(
                    "/api/auth/logout/", **bearer(pair["access_token"])
                ),
                ("pair",),
            ),
            "logout-all": (
                lambda pair, other: self.client.post(
                    "/api/auth/logout-all/", **bearer(pair["access_token"])
                ),
                ("pair", "other"),
            ),
            "delete a session": (
                lambda pair, other: self.client.delete(
                    f"/api/auth/sessions/{other['session_id']}/", **bearer(pair["access_token"])
                ),
                ("other",),
            ),
            "RFC 7009 revoke": (
                lambda pair, other: self.client.post(
                    "/api/auth/revoke/", {"token": pair["refresh_token"]}
                ),
                ("pair",),
            ),
        }
        for name, (call, refused) in calls.items():
            with self.subTest(call=name):
                pairs = {"pair": self.login(), "other": self.login()}
                events = AuthEvent.objects.count()
                response = self.while_paused(lambda call=call, pairs=pairs: call(**pairs))
                self.assertIn(response.status_code, (200, 204), response.content)
                self.assertEqual(AuthEvent.objects.count(), events + 1)
                for key, pair in pairs.items():
                    if key in refused:
                        self.assertRefused(pair)
                    else:
                        self.assertLive(pair)

    def test_a_password_change_keeps_this_session_only(self):
        response = self.while_paused(
            lambda: self.client.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": "an-entirely-new-passphrase-42"},
                **bearer(self.pair["access_token"]),
            )
        )
        self.assertEqual(response.status_code, 204)
        self.assertRefused(self.other)
        self.assertLive(self.pair)
        self.assertEqual(AuthEvent.objects.filter(kind="password_changed").count(), 1)

    def test_reuse_detection_revokes_the_session_at_once(self):
        clock = FrozenClock().install(self)
        successor = self.refresh(self.pair["refresh_token"]).json()
        clock.advance(11)
        response = self.while_paused(lambda: self.refresh(self.pair["refresh_token"]))
        self.assertError(response, 401, "token_reused")
        self.assertRefused(successor)
        self.assertEqual(
            Session.objects.get(pk=self.pair["session_id"]).revoked_reason, "reuse_detected"
        )
        self.assertLive(self.other)

    def test_orm_disabling_and_deleting_revoke_at_once(self):
        users = get_user_model().objects
        changes = {
            "save": lambda user: _disabled(users.get(pk=user.pk)).save(),
            "bulk update": lambda user: users.filter(pk=user.pk).update(is_active=False),
            "bulk delete": lambda user: users.filter(pk=user.pk).delete(),
        }
        for name, change in changes.items():
            with self.subTest(change=name):
                username = f"user-{name.replace(' ', '-')}"
                user = make_user(username)
                pair = self.login(username)
                self.while_paused(lambda change=change, user=user: change(user))
                self.assertRefused(pair, "user_inactive")
                self.assertFalse(
                    Session.objects.filter(user_id=user.pk, revoked_at__isnull=True).exists()
                )
        self.assertLive(self.pair)

    def test_the_session_admin_says_what_was_saved(self):
        self.client.force_login(make_user("staff", is_staff=True, is_superuser=True))
        data = {"action": "revoke_selected", "_selected_action": [self.pair["session_id"]]}
        response = self.while_paused(
            lambda: self.client.post("/admin/tokens/session/", data, follow=True)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Revoked 1 session(s).")
        self.assertContains(response, "the change is saved in the database")
        self.assertRefused(self.pair)
        self.assertLive(self.other)
        self.assertEqual(AuthEvent.objects.filter(kind="revoked").count(), 1)

    def test_revoke_sessions_revokes_and_says_redis_was_away(self):
        out, err = StringIO(), StringIO()
        self.while_paused(
            lambda: call_command("revoke_sessions", "--all-users", stdout=out, stderr=err)
        )
        self.assertEqual(out.getvalue().strip(), "Revoked 2 session(s).")
        self.assertIn("saved in the database", err.getvalue())
        self.assertRefused(self.pair)
        self.assertRefused(self.other)


def _disabled(user):
    user.is_active = False
    return user


class DisablingTests(AuthAPITestCase):
    """Disabling or deleting through the ORM is refused on the very next request."""

    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.users = get_user_model().objects

    def assertRefused(self, code):
        self.assertError(self.me(self.pair["access_token"]), 401, code)
        self.assertError(
            self.client.get("/api/auth/session/", **bearer(self.pair["access_token"])), 401, code
        )
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, code)

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
        self.users.filter(pk=self.user.pk).update(is_active=True)
        self.assertRefused("user_inactive")
        get_redis_connection("default").flushall()  # and not after losing the tombstones either
        self.assertRefused("user_inactive")
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
