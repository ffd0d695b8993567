"""What a new password may be: any composition (no rule on kinds of characters, OWASP ASVS 5.0
V6.2.5), but never a common one nor one holding the site's or the user's own words (V6.1.2,
V6.2.11), at every place a password is chosen.
"""

from unittest import skipUnless

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings

from tokens.context_words import ContextWordsValidator, site_words
from tokens.tests.lifecycle_support import (
    LifecycleTestCase,
    mails_to,
    register_body,
    unlimited,
)
from tokens.tests.support import PASSWORD, bearer, token_settings, uses_accounts

NEW = "newcomer@example.com"
# Twenty random digits: about 66 bits, and in no list of common passwords.
LONG_DIGITS = "58306172946081735529"
CONTEXT_CODE = "password_has_context_word"


def codes(response, field: str) -> list[str]:
    """The codes of a 400's field errors (the body keeps DRF's shape; the codes ride along)."""
    return [error.code for error in response.data[field]]


@unlimited()
class NewPasswordTests(LifecycleTestCase):
    def register(self, password: str, email: str = NEW, username: str = "newcomer"):
        return self.post("register/", register_body(email, password, username))

    def test_a_long_password_of_digits_alone_is_accepted(self):
        response = self.register(LONG_DIGITS)
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json()["code"], "verification_sent")
        self.assertTrue(get_user_model()._default_manager.filter(email=NEW).exists())

    def test_a_common_password_of_digits_is_refused(self):
        response = self.register("12345678")
        self.assertEqual(response.status_code, 400)
        self.assertIn("password_too_common", codes(response, "password"))
        self.assertEqual(mails_to(NEW), [])

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_a_weak_password_is_refused_on_the_first_submit_beside_another_fields_error(self):
        # A sign-up form with a taken name and a common password: both refusals at once, so the
        # visitor does not fix the name only to hear of the password on the next try.
        self.assertEqual(self.register(LONG_DIGITS).status_code, 202)
        response = self.register("12345678", email="other@example.com")
        self.assertEqual(response.status_code, 400)
        self.assertIn("username", response.data)
        self.assertIn("password_too_common", codes(response, "password"))

    def test_the_similarity_check_still_sees_the_typed_address(self):
        response = self.register("newcomer-example-77")
        self.assertEqual(response.status_code, 400)
        self.assertIn("password_too_similar", codes(response, "password"))

    def test_the_sites_name_inside_a_long_password_is_refused(self):
        # The default list: the words of the site's name and of SITE_URL's host name.
        for password in ("my-Dual-TOKEN-vault-2291", "x9localhost!pass-phrase"):
            with self.subTest(password):
                response = self.register(password)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(codes(response, "password"), [CONTEXT_CODE])
        self.assertEqual(mails_to(NEW), [])

    def test_the_deployments_host_name_is_refused(self):
        with token_settings(SITE_URL="https://accounts.acmebank.example/"):
            response = self.register("quiet-acmebank-river-77")
            self.assertEqual(codes(response, "password"), [CONTEXT_CODE])
            self.assertEqual(self.register("quiet-harbour-river-77").status_code, 202)

    def test_a_listed_word_is_refused_and_the_list_replaces_the_default(self):
        with token_settings(PASSWORD_CONTEXT_WORDS=["Globex Corporation", "HR"]):
            response = self.register("my-globex-summer-7731")
            self.assertEqual(codes(response, "password"), [CONTEXT_CODE])
            # "HR" is shorter than four characters, and the site's name is no longer listed.
            self.assertEqual(self.register("hr-dual-token-summer-7731").status_code, 202)

    def test_a_password_change_and_a_reset_refuse_them_too(self):
        access = self.login()["access_token"]
        response = self.client.post(
            "/api/auth/password/",
            {"old_password": PASSWORD, "new_password": "renewed-token-pass-5521"},
            format="json",
            **bearer(access),
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(codes(response, "new_password"), [CONTEXT_CODE])
        self.post("password/reset/", {"email": self.user.email})
        key = self.last_key(self.user.email, "reset")
        response = self.post(
            "password/reset/confirm/", {"key": key, "new_password": "reset-to-dual-9930-quartz"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(codes(response, "new_password"), [CONTEXT_CODE])
        response = self.post("password/reset/confirm/", {"key": key, "new_password": LONG_DIGITS})
        self.assertEqual(response.status_code, 204)


class ContextWordsValidatorTests(SimpleTestCase):
    def test_the_default_list_is_the_sites_name_and_host_without_short_words(self):
        with token_settings(SITE_URL="https://auth.example.com:8443/app/"):
            self.assertEqual(site_words(), ["auth", "authentication", "dual", "example", "token"])

    @override_settings(SITE_NAME="Initech Payroll")
    def test_the_sites_name_setting_is_followed(self):
        self.assertIn("initech", site_words())
        self.assertIn("payroll", site_words())
        with self.assertRaises(ValidationError) as caught:
            ContextWordsValidator().validate("PAYROLL-season-4471")
        self.assertEqual(caught.exception.code, CONTEXT_CODE)

    def test_it_runs_among_the_projects_validators_and_explains_itself(self):
        names = [type(v).__name__ for v in password_validation.get_default_password_validators()]
        self.assertIn("ContextWordsValidator", names)
        self.assertNotIn("NumericPasswordValidator", names)
        self.assertTrue(str(ContextWordsValidator().get_help_text()))
