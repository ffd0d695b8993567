from tokens.models import AuthEvent, Session
from tokens.tests.support import AuthAPITestCase, make_user


class UserAdminTests(AuthAPITestCase):
    """Staff disable users and revoke sessions from the Django admin."""

    changelist = "/admin/accounts/user/"

    def setUp(self):
        super().setUp()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.pairs = [self.login(), self.login()]
        self.client.force_login(self.staff)

    def assertAllRevoked(self, disabled=True):
        # The sessions are revoked; the tokens of a disabled user say why they are refused.
        code = "user_inactive" if disabled else "token_revoked"
        for pair in self.pairs:
            self.assertError(self.me(pair["access_token"]), 401, code)
            self.assertError(self.refresh(pair["refresh_token"]), 401, code)

    def test_the_list_shows_live_session_counts(self):
        response = self.client.get(self.changelist)
        self.assertEqual(response.status_code, 200)
        row = next(user for user in response.context["cl"].result_list if user.pk == self.user.pk)
        self.assertEqual(row.live_session_count, 2)
        self.assertContains(response, "Live sessions")

    def test_disabling_from_the_changelist_revokes_sessions_before_the_response(self):
        users = list(self.client.get(self.changelist).context["cl"].result_list)
        data = {
            "form-TOTAL_FORMS": str(len(users)),
            "form-INITIAL_FORMS": str(len(users)),
            "_save": "Save",
        }
        for index, user in enumerate(users):
            data[f"form-{index}-id"] = str(user.pk)
            if user.pk != self.user.pk:
                data[f"form-{index}-is_active"] = "on"
        response = self.client.post(self.changelist, data)
        self.assertEqual(response.status_code, 302)
        self.user.refresh_from_db()
        self.assertFalse(self.user.is_active)
        self.client.logout()
        self.assertAllRevoked()
        self.assertTrue(AuthEvent.objects.filter(kind="user_disabled", user=self.user).exists())
        self.assertEqual(
            set(Session.objects.filter(user=self.user).values_list("revoked_reason", flat=True)),
            {"user_disabled"},
        )

    def test_disabling_from_the_change_form(self):
        response = self.client.get(f"{self.changelist}{self.user.pk}/change/")
        form = response.context["adminform"].form
        data = {
            name: value
            for name, value in form.initial.items()
            if value is not None and name != "password"
        }
        data.update(
            is_active="",
            date_joined_0=self.user.date_joined.strftime("%Y-%m-%d"),
            date_joined_1=self.user.date_joined.strftime("%H:%M:%S"),
            groups=[],
            user_permissions=[],
        )
        data = {
            k: v for k, v in data.items() if k not in {"is_active", "last_login", "date_joined"}
        }
        response = self.client.post(f"{self.changelist}{self.user.pk}/change/", data)
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.assertAllRevoked()

    def test_action_disable_and_revoke(self):
        response = self.client.post(
            self.changelist, {"action": "disable_and_revoke", "_selected_action": [self.user.pk]}
        )
        self.assertEqual(response.status_code, 302)
        self.user.refresh_from_db()
        self.assertFalse(self.user.is_active)
        self.client.logout()
        self.assertAllRevoked()

    def test_action_revoke_all_sessions_keeps_the_user_active(self):
        response = self.client.post(
            self.changelist, {"action": "revoke_all_sessions", "_selected_action": [self.user.pk]}
        )
        self.assertEqual(response.status_code, 302)
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_active)
        self.client.logout()
        self.assertAllRevoked(disabled=False)
        self.login()

    def test_saving_a_disabled_user_anywhere_revokes(self):
        self.client.logout()
        self.user.is_active = False
        self.user.save()
        self.assertAllRevoked()
        self.assertEqual(AuthEvent.objects.filter(kind="user_disabled").count(), 1)
        self.user.save()  # saving an already disabled user again records nothing new
        self.assertEqual(AuthEvent.objects.filter(kind="user_disabled").count(), 1)

    def test_search_and_filters(self):
        self.assertEqual(self.client.get(self.changelist, {"q": "alice@example"}).status_code, 200)
        self.assertEqual(
            self.client.get(self.changelist, {"is_active__exact": "1"}).status_code, 200
        )
        self.assertEqual(self.client.get(self.changelist, {"o": "6"}).status_code, 200)

    def test_non_staff_cannot_reach_the_admin(self):
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(self.changelist).status_code, 302)
