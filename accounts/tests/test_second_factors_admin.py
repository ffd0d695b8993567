"""The users list shows second factors; staff remove them, which revokes every session and is
logged.
"""

from django.core import mail

from tokens.mfa.models import Passkey
from tokens.models import AuthEvent, Session
from tokens.operations import overview
from tokens.tests.mfa import MfaMixin
from tokens.tests.support import AuthAPITestCase, make_user, without_rate_limits


@without_rate_limits()
class SecondFactorsAdminTests(MfaMixin, AuthAPITestCase):
    changelist = "/admin/accounts/user/"

    def setUp(self):
        super().setUp()
        self.secret, _codes = self.enrol_totp()
        Passkey.objects.create(
            user=self.user, name="Phone", credential_id="id-1", public_key=b"k", user_handle="h"
        )
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.force_login(self.staff)

    def test_the_list_shows_the_enrolled_factors(self):
        response = self.client.get(self.changelist)
        self.assertContains(response, "Second factors")
        self.assertContains(response, "TOTP, 1 passkey")

    def test_removing_second_factors_revokes_every_session_and_is_logged(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                self.changelist,
                {"action": "remove_second_factors", "_selected_action": [str(self.user.pk)]},
            )
        self.assertEqual(response.status_code, 302)
        self.assertError(self.me(self.pair["access_token"]), 401, "token_revoked")
        self.assertFalse(Session.objects.filter(user=self.user, revoked_at__isnull=True).exists())
        self.assertFalse(Passkey.objects.filter(user=self.user).exists())
        event = AuthEvent.objects.filter(kind=AuthEvent.Kind.FACTOR_REMOVED, user=self.user).get()
        self.assertIn("by staff", event.detail)
        self.assertIn(
            "A second factor was removed from your account", [m.subject for m in mail.outbox]
        )
        # The next login asks for no second factor: there is none.
        self.login()

    def test_the_event_names_the_staff_member_who_removed_them(self):
        # Of two staff members, the record must say which one acted (the procedure's audit trail).
        other = make_user("operator", is_staff=True, is_superuser=True)
        self.client.force_login(other)
        self.client.post(
            self.changelist,
            {"action": "remove_second_factors", "_selected_action": [str(self.user.pk)]},
        )
        event = AuthEvent.objects.filter(kind=AuthEvent.Kind.FACTOR_REMOVED, user=self.user).get()
        self.assertIn(f"by staff id {other.pk} ({other.get_username()})", event.detail)
        self.assertNotIn(f"staff id {self.staff.pk} ", event.detail)
        self.assertEqual(event.username, self.user.get_username())

    def test_the_overview_charts_second_factor_events(self):
        body = self.password_step()
        self.finish(body["mfa_token"], code="12345x")
        self.clock.advance(2)
        self.finish(body["mfa_token"], code=self.code(self.secret))
        totals = {series.title: series.total for series in overview.figures().daily}
        self.assertEqual(totals["Second factors accepted"], 1)
        self.assertEqual(totals["Second factors refused"], 1)
        self.assertEqual(totals["Factors enrolled or removed"], 1)
        page = self.client.get("/admin/tokens/authevent/overview/")
        self.assertContains(page, "Second factors refused")
