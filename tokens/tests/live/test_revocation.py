"""Revocations while a private Redis hangs: recorded with their events and refused at once."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from tokens.models import AuthEvent, Session
from tokens.tests.core.test_revocation import disabled
from tokens.tests.servers import use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    bearer,
    make_user,
    token_settings,
)


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
            "save": lambda user: disabled(users.get(pk=user.pk)).save(),
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
        self.assertContains(response, "Revoked 1 session.")
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
