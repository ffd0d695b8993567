"""A user's admin page shows their live sessions (each revocable from there), their second factors
and their last auth events; the revoke view takes a POST from staff who may change the user only.
"""

import unittest

from django.urls import reverse

from tokens.mfa.models import Passkey
from tokens.models import AuthEvent, Session
from tokens.tests.support import AuthAPITestCase, make_user, uses_accounts


@unittest.skipUnless(uses_accounts(), "the project's user admin, with accounts.User")
class UserPageTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.first = self.login()
        self.second = self.login()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.force_login(self.staff)
        self.page = reverse("admin:accounts_user_change", args=[self.user.pk])

    def revoke_url(self, session_id):
        return reverse("admin:accounts_user_revoke_session", args=[self.user.pk, session_id])

    def test_the_page_lists_live_sessions_factors_and_events_with_a_revoke_button(self):
        Passkey.objects.create(
            user=self.user, name="Work laptop", credential_id="x", public_key=b"y"
        )
        response = self.client.get(self.page)
        self.assertEqual(response.status_code, 200)
        for session in (self.first, self.second):
            self.assertContains(response, self.revoke_url(session["session_id"]))
        self.assertContains(response, "Work laptop")
        self.assertContains(response, "user-security", count=3)

    def test_the_events_list_stops_at_twenty(self):
        for _ in range(25):
            AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_FAILED, user=self.user)
        response = self.client.get(self.page)
        events = response.content.decode().split("Recent auth events", 1)[1]
        self.assertEqual(events.count("login failed"), 20)

    def test_the_button_revokes_that_session_and_no_other(self):
        response = self.client.post(self.revoke_url(self.first["session_id"]))
        self.assertRedirects(response, self.page, fetch_redirect_response=False)
        self.client.logout()
        self.assertError(self.me(self.first["access_token"]), 401, "token_revoked")
        self.assertEqual(self.me(self.second["access_token"]).status_code, 200)
        self.assertEqual(Session.objects.get(pk=self.first["session_id"]).revoked_reason, "admin")

    def test_a_get_or_staff_without_the_change_permission_cannot_revoke(self):
        self.assertEqual(
            self.client.get(self.revoke_url(self.first["session_id"])).status_code, 403
        )
        viewer = make_user("viewer", is_staff=True)
        self.client.force_login(viewer)
        response = self.client.post(self.revoke_url(self.first["session_id"]))
        self.assertIn(response.status_code, (302, 403))
        self.assertEqual(Session.objects.get(pk=self.first["session_id"]).state, "live")

    def test_another_users_session_is_not_found_through_this_user(self):
        other = make_user("bob")
        url = reverse(
            "admin:accounts_user_revoke_session", args=[other.pk, self.first["session_id"]]
        )
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(Session.objects.get(pk=self.first["session_id"]).state, "live")
