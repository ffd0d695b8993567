"""``TOKENS["SECOND_FACTORS"]``: off, the core asks nothing of the second factors' tables, and
``manage.py check`` holds the setting and the ``tokens.mfa`` app together. The whole core without
the app runs in ``live/test_optional_apps.py``.
"""

from django.core import checks
from rest_framework.test import APITestCase

from tokens.conf import DEFAULTS
from tokens.mfa.factors import has_second_factor
from tokens.tests.mfa import MfaMixin
from tokens.tests.support import PASSWORD, token_settings

# The default stages without the second factor's, as a project without tokens.mfa lists them.
STAGES = [stage for stage in DEFAULTS["LOGIN_STAGES"] if stage != "tokens.flows.SecondFactorStage"]


class SecondFactorsOffTests(MfaMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.secret, _ = self.enrol_totp()

    def test_no_user_has_a_second_factor_and_none_is_asked(self):
        with token_settings(SECOND_FACTORS=False), self.assertNumQueries(0):
            self.assertFalse(has_second_factor(self.user))

    def test_a_login_opens_a_session_with_the_password(self):
        with token_settings(SECOND_FACTORS=False, LOGIN_STAGES=STAGES):
            pair = self.login()
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_reauthenticate_takes_a_password_and_no_code(self):
        with token_settings(SECOND_FACTORS=False):
            response = self.post(
                "/api/auth/reauthenticate/",
                {"code": self.code(self.secret)},
                token=self.pair["access_token"],
            )
            self.assertEqual(response.status_code, 400)
            self.assertIn("password", response.json())
            response = self.post(
                "/api/auth/reauthenticate/", {"password": PASSWORD}, token=self.pair["access_token"]
            )
        self.assertEqual(response.status_code, 200, response.content)

    def test_the_check_names_the_app_installed_with_the_setting_off(self):
        with token_settings(SECOND_FACTORS=False):
            found = {message.id for message in checks.run_checks()}
        self.assertIn("tokens.E014", found)
        self.assertNotIn("tokens.E014", {message.id for message in checks.run_checks()})
