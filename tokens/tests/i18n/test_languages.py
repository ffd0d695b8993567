"""Answers in the language the client asks for (``Accept-Language``), with the same codes.

A client that reads ``code`` must work whatever the language; a person reading ``detail`` reads
their own. Each expected sentence is the catalogue's, read through gettext, and must differ from the
English one: a missing translation fails here instead of answering English to a Chinese reader.
"""

from django.test import override_settings
from django.utils import translation
from rest_framework.exceptions import Throttled

from tokens.admin_login import SecondFactorAdminAuthenticationForm
from tokens.exceptions import API_ERRORS
from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name, rate_limits

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
HTML = {"HTTP_ACCEPT": "text/html"}


def in_language(language: str, message) -> str:
    with translation.override(language):
        return str(message)


class LanguageAssertions:
    def assertSpeaks(self, detail: str, message) -> None:
        """``detail`` is ``message`` in Chinese, which is not its English."""
        chinese, english = in_language("zh-hans", message), in_language("en", message)
        self.assertNotEqual(chinese, english, "no Chinese translation")
        self.assertEqual(detail, chinese)

    def assertSpeaksEnglish(self, detail: str, message) -> None:
        self.assertEqual(detail, in_language("en", message))


class ApiErrorLanguageTests(LanguageAssertions, AuthAPITestCase):
    def wrong_login(self, **headers):
        return self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": "wrong"},
            format="json",
            **headers,
        )

    def test_a_failed_login_answers_in_chinese_when_asked_with_the_same_code(self):
        chinese = self.wrong_login(**CHINESE)
        self.assertError(chinese, 401, "invalid_credentials")
        self.assertSpeaks(
            chinese.json()["detail"], API_ERRORS["invalid_credentials"].default_detail
        )
        self.assertEqual(chinese["Content-Language"], "zh-hans")
        self.assertIn("Accept-Language", chinese["Vary"])

    def test_without_the_header_the_answer_is_english(self):
        english = self.wrong_login()
        self.assertError(english, 401, "invalid_credentials")
        self.assertSpeaksEnglish(
            english.json()["detail"], API_ERRORS["invalid_credentials"].default_detail
        )
        self.assertEqual(english["Content-Language"], "en")

    def test_a_browser_asking_for_zh_cn_gets_simplified_chinese(self):
        response = self.wrong_login(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
        self.assertError(response, 401, "invalid_credentials")
        self.assertSpeaks(
            response.json()["detail"], API_ERRORS["invalid_credentials"].default_detail
        )

    def test_a_refused_token_answers_in_chinese(self):
        response = self.refresh("not-a-token", **CHINESE)
        self.assertError(response, 401, "token_invalid")
        self.assertSpeaks(response.json()["detail"], API_ERRORS["token_invalid"].default_detail)
        self.assertError(self.refresh("not-a-token"), 401, "token_invalid")

    @rate_limits(login_ip="1/min", login_username=None)
    def test_throttled_answers_in_chinese(self):
        self.wrong_login(**CHINESE)
        response = self.wrong_login(**CHINESE)
        self.assertError(response, 429, "throttled")
        self.assertTrue(
            response.json()["detail"].startswith(in_language("zh-hans", Throttled.default_detail)),
            response.json(),
        )
        self.assertNotEqual(
            in_language("zh-hans", Throttled.default_detail),
            in_language("en", Throttled.default_detail),
        )

    def test_a_validation_error_answers_in_chinese_under_the_same_field(self):
        response = self.client.post(
            "/api/auth/login/", {"password": PASSWORD}, format="json", **CHINESE
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["username"])
        with translation.override("zh-hans"):
            expected = translation.gettext("Give a username or an e-mail address.")
        self.assertNotEqual(expected, "Give a username or an e-mail address.")
        self.assertEqual(response.json()["username"], [expected])

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_plain_http_refused_before_any_view_still_answers_in_chinese(self):
        response = self.client.post("/api/auth/login/", {}, format="json", **CHINESE)
        self.assertError(response, 403, "https_required")
        self.assertSpeaks(response.json()["detail"], API_ERRORS["https_required"].default_detail)
        self.assertIn("Accept-Language", response["Vary"])


class PageLanguageTests(LanguageAssertions, AuthAPITestCase):
    def test_the_browsable_api_follows_the_language(self):
        response = self.client.get("/api/auth/login/", **HTML, **CHINESE)
        self.assertEqual(response.status_code, 200)
        with translation.override("zh-hans"):
            label = translation.gettext("Username or e-mail")
        self.assertNotEqual(label, "Username or e-mail")
        self.assertContains(response, label)

    def test_the_admin_login_follows_the_language(self):
        response = self.client.get("/admin/login/", **CHINESE)
        self.assertEqual(response.status_code, 200)
        label = in_language(
            "zh-hans", SecondFactorAdminAuthenticationForm.base_fields["code"].label
        )
        self.assertNotEqual(label, "Second factor")
        self.assertContains(response, label)
        self.assertEqual(response["Content-Language"], "zh-hans")
