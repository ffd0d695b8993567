from io import StringIO

from django.core.management import CommandError, call_command

from tokens.models import AuthEvent, Session
from tokens.tests.support import AuthAPITestCase, bearer, login_name, make_user


class SessionAdminTests(AuthAPITestCase):
    changelist = "/admin/tokens/session/"

    def setUp(self):
        super().setUp()
        self.live = self.login()
        self.revoked = self.login()
        self.client.post("/api/auth/logout/", **bearer(self.revoked["access_token"]))
        self.client.force_login(make_user("staff", is_staff=True, is_superuser=True))

    def test_list_shows_state(self):
        response = self.client.get(self.changelist)
        self.assertEqual(response.status_code, 200)
        states = {str(s.pk): s.state for s in response.context["cl"].result_list}
        self.assertEqual(states[self.live["session_id"]], "live")
        self.assertEqual(states[self.revoked["session_id"]], "revoked")

    def test_revoke_selected_sessions(self):
        response = self.client.post(
            self.changelist,
            {"action": "revoke_selected", "_selected_action": [self.live["session_id"]]},
        )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.assertError(self.me(self.live["access_token"]), 401, "token_revoked")
        self.assertEqual(Session.objects.get(pk=self.live["session_id"]).revoked_reason, "admin")

    def test_sessions_and_events_are_read_only(self):
        self.assertEqual(self.client.get(f"{self.changelist}add/").status_code, 403)
        detail = self.client.get(f"{self.changelist}{self.live['session_id']}/change/")
        self.assertEqual(detail.status_code, 200)
        self.assertNotContains(detail, 'name="_save"')
        self.assertEqual(self.client.get("/admin/tokens/authevent/").status_code, 200)
        self.assertEqual(self.client.get("/admin/tokens/authevent/add/").status_code, 403)
        event = AuthEvent.objects.first()
        self.assertEqual(
            self.client.post(
                f"/admin/tokens/authevent/{event.pk}/delete/", {"post": "yes"}
            ).status_code,
            403,
        )


class RevokeSessionsCommandTests(AuthAPITestCase):
    def test_one_user_or_all_users(self):
        make_user("bob")
        alice, bob = self.login(), self.login("bob")
        out = StringIO()
        call_command("revoke_sessions", login_name("alice"), stdout=out)
        self.assertIn("Revoked 1 session", out.getvalue())
        self.assertError(self.me(alice["access_token"]), 401, "token_revoked")
        self.assertEqual(self.me(bob["access_token"]).status_code, 200)
        call_command("revoke_sessions", "--all-users", stdout=out)
        self.assertError(self.me(bob["access_token"]), 401, "token_revoked")

    def test_bad_arguments(self):
        with self.assertRaises(CommandError):
            call_command("revoke_sessions", "nobody")
        with self.assertRaises(CommandError):
            call_command("revoke_sessions")
