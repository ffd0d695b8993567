"""Revocations that fail whole when a private Redis stops mid-way."""

from io import StringIO
from unittest import skipUnless

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tokens.exceptions import StoreUnavailableError
from tokens.models import AuthEvent, Session
from tokens.tests.servers import use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    bearer,
    make_user,
    uses_accounts,
)
from tokens.tests.test_revocation import disabled


class HalfDoneTests(AuthAPITestCase):
    """Each revocation while Redis hangs (SIGSTOP): an error, nothing committed, the tokens still
    work.
    """

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.pair = self.login()
        self.other = self.login()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)

    def record(self):
        user = get_user_model().objects.get(pk=self.user.pk)
        revoked = set(Session.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
        return user.is_active, user.password, revoked, AuthEvent.objects.count()

    def assertNothingChanged(self, before):
        self.assertEqual(self.record(), before)
        for pair in (self.pair, self.other):
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def while_paused(self, action):
        before = self.record()
        self.redis.pause()
        try:
            result = action()
        finally:
            self.redis.resume()
        self.assertNothingChanged(before)
        return result

    def test_api_revocations_answer_503_and_commit_nothing(self):
        token, sid = self.pair["access_token"], self.other["session_id"]
        calls = {
            "logout": lambda: self.client.post("/api/auth/logout/", **bearer(token)),
            "logout-all": lambda: self.client.post("/api/auth/logout-all/", **bearer(token)),
            "delete a session": lambda: self.client.delete(
                f"/api/auth/sessions/{sid}/", **bearer(token)
            ),
            "password": lambda: self.client.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": "an-entirely-new-passphrase-42"},
                **bearer(token),
            ),
            "RFC 7009 revoke": lambda: self.client.post("/api/auth/revoke/", {"token": token}),
        }
        for name, call in calls.items():
            with self.subTest(call=name):
                # The access token is checked against Redis first, so the 503 can come from there
                # too;
                # either way nothing may be committed.
                response = self.while_paused(call)
                self.assertError(response, 503, "service_unavailable")

    def test_reuse_detection_answers_503_and_revokes_nothing(self):
        clock = FrozenClock().install(self)
        successor = self.refresh(self.pair["refresh_token"]).json()
        clock.advance(11)
        response = self.while_paused(lambda: self.refresh(self.pair["refresh_token"]))
        self.assertError(response, 503, "service_unavailable")
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")
        self.assertError(self.me(successor["access_token"]), 401, "token_revoked")

    def test_orm_disabling_and_deleting_raise_and_commit_nothing(self):
        users = get_user_model().objects
        changes = {
            "save": lambda: disabled(users.get(pk=self.user.pk)).save(),
            "bulk update": lambda: users.filter(pk=self.user.pk).update(is_active=False),
            "bulk delete": lambda: users.filter(pk=self.user.pk).delete(),
        }
        for name, change in changes.items():
            with self.subTest(change=name):
                self.assertRaisesUnavailable(lambda change=change: self.while_paused(change))

    def assertRaisesUnavailable(self, call):
        with self.assertRaises(StoreUnavailableError):
            call()

    def test_the_session_admin_shows_a_message_and_revokes_nothing(self):
        self.client.force_login(self.staff)
        data = {"action": "revoke_selected", "_selected_action": [self.pair["session_id"]]}
        response = self.while_paused(
            lambda: self.client.post("/admin/tokens/session/", data, follow=True)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "token store (Redis) cannot be reached")

    @skipUnless(uses_accounts(), "the project's user admin")
    def test_the_admin_shows_a_message_and_leaves_the_user_as_they_were(self):
        self.client.force_login(self.staff)
        changelist = "/admin/accounts/user/"
        posts = {
            "action": (
                changelist,
                {"action": "disable_and_revoke", "_selected_action": [self.user.pk]},
            ),
            "revoke action": (
                changelist,
                {"action": "revoke_all_sessions", "_selected_action": [self.user.pk]},
            ),
            "change form": (f"{changelist}{self.user.pk}/change/", self.change_form_data()),
            "list edit": (changelist, self.list_edit_data()),
        }
        for name, (url, data) in posts.items():
            with self.subTest(post=name):
                response = self.while_paused(
                    lambda url=url, data=data: self.client.post(url, data, follow=True)
                )
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "token store (Redis) cannot be reached")

    def list_edit_data(self):
        users = list(get_user_model().objects.order_by("-username"))
        data = {
            "form-TOTAL_FORMS": str(len(users)),
            "form-INITIAL_FORMS": str(len(users)),
            "_save": "Save",
        }
        for index, user in enumerate(users):
            data[f"form-{index}-id"] = str(user.pk)
            if user.pk != self.user.pk:
                data[f"form-{index}-is_active"] = "on"
        return data

    def test_revoke_sessions_fails_with_a_message_and_revokes_nothing(self):
        def command():
            with self.assertRaisesMessage(CommandError, "Nothing was revoked"):
                call_command("revoke_sessions", "--all-users", stdout=StringIO())

        self.while_paused(command)

    def change_form_data(self):
        user = self.user
        return {
            "username": user.username,
            "email": user.email,
            "first_name": "",
            "last_name": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }  # is_active left out: unticked
