"""The admin's password forms refuse a breached password too: staff cannot hand a user one
(Have I Been Pwned's range API by k-anonymity, a real server on the loopback address).
"""

from accounts.models import User
from tokens.tests.range_server import BREACHED, SAFE, RangeServer, sha1_hex
from tokens.tests.support import AuthAPITestCase, make_user, token_settings


class AdminBreachedPasswordTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.server = RangeServer().start()
        self.addCleanup(self.server.stop)
        self.enterContext(token_settings(BREACHED_PASSWORDS_URL=self.server.url))
        self.client.force_login(make_user("root", is_staff=True, is_superuser=True))

    def error_codes(self, form) -> set:
        return {error.code for errors in form.errors.as_data().values() for error in errors}

    def add_user(self, password):
        return self.client.post(
            "/admin/accounts/user/add/",
            {
                "username": "newcomer",
                "usable_password": "true",
                "password1": password,
                "password2": password,
            },
        )

    def test_adding_a_user_with_a_breached_password_is_refused(self):
        response = self.add_user(BREACHED)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.error_codes(response.context["adminform"].form), {"password_breached"}
        )
        self.assertFalse(User.objects.filter(username="newcomer").exists())
        self.assertEqual(self.add_user(SAFE).status_code, 302)
        self.assertTrue(User.objects.filter(username="newcomer").exists())

    def test_setting_a_breached_password_is_refused(self):
        url = f"/admin/accounts/user/{self.user.pk}/password/"
        response = self.client.post(url, {"password1": BREACHED, "password2": BREACHED})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.error_codes(response.context["form"]), {"password_breached"})
        self.user.refresh_from_db()
        self.assertFalse(self.user.check_password(BREACHED))
        response = self.client.post(url, {"password1": SAFE, "password2": SAFE})
        self.assertEqual(response.status_code, 302)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(SAFE))
        self.assertEqual(self.server.paths, [f"/range/{sha1_hex(p)[:5]}" for p in (BREACHED, SAFE)])
