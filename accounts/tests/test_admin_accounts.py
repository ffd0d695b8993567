"""The users list shows verified addresses; staff mail password reset links from it."""

from django.core import mail

from tokens.models import AuthEvent
from tokens.tests.lifecycle_support import key_in, register_body
from tokens.tests.support import PASSWORD, AuthAPITestCase, make_user

CHANGELIST = "/admin/accounts/user/"


class UserAdminLifecycleTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.post(
            "/api/auth/register/", register_body("pending@example.com", PASSWORD, "pending")
        )
        mail.outbox.clear()
        self.client.force_login(self.staff)

    def test_the_list_shows_and_filters_whether_the_address_is_verified(self):
        response = self.client.get(CHANGELIST)
        self.assertContains(response, "Verified")
        verified = {
            user.username: not user.signup_pending for user in response.context["cl"].result_list
        }
        self.assertEqual(verified, {"alice": True, "staff": True, "pending": False})
        response = self.client.get(CHANGELIST, {"email_verified": "no"})
        self.assertEqual(
            [user.username for user in response.context["cl"].result_list], ["pending"]
        )
        response = self.client.get(CHANGELIST, {"email_verified": "yes"})
        self.assertEqual(len(response.context["cl"].result_list), 2)

    def test_a_notice_waits_in_the_session_and_never_in_a_cookie(self):
        response = self.client.post(
            CHANGELIST, {"action": "send_password_reset_mail", "_selected_action": [self.user.pk]}
        )
        self.assertEqual(response.status_code, 302)
        # Django's default storage would set a "messages" cookie, which no __Host- prefix guards.
        self.assertNotIn("messages", response.cookies)
        shown = self.client.get(CHANGELIST)
        self.assertEqual([message.level_tag for message in shown.context["messages"]], ["success"])
        again = self.client.get(CHANGELIST)
        self.assertEqual(list(again.context["messages"]), [])

    def test_action_send_a_password_reset_mail(self):
        self.user.email = ""
        self.user.save()
        bob = make_user("bob")
        response = self.client.post(
            CHANGELIST,
            {"action": "send_password_reset_mail", "_selected_action": [bob.pk, self.user.pk]},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [message.level_tag for message in response.context["messages"]], ["success", "warning"]
        )
        self.assertEqual([message.to for message in mail.outbox], [["bob@example.com"]])
        key = key_in(mail.outbox[0], "reset")
        response = self.client.post(
            "/api/auth/password/reset/confirm/",
            {"key": key, "new_password": "another-staple-battery-41"},
        )
        self.assertEqual(response.status_code, 204)
        self.assertTrue(
            AuthEvent.objects.filter(
                kind=AuthEvent.Kind.PASSWORD_RESET_REQUESTED, user=bob, detail="sent by staff"
            ).exists()
        )
