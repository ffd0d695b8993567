"""The admin's own pages (the index's security link, the security overview, a user's security
sections, the login page) and the browsable API's frame follow the staff member's language: the
language cookie or ``Accept-Language``.

Each expected label is the catalogue's, read through gettext under the language, and must differ
from the English one.
"""

import unittest

from django.urls import reverse
from django.utils import translation

from tokens.conf import token_settings
from tokens.tests.support import AuthAPITestCase, make_user, uses_accounts

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


class ChineseAssertions:
    def assertShowsInChinese(self, response, *messages: str) -> None:
        """Each of ``messages`` is on the page in Chinese and not in English."""
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Language"], "zh-hans")
        self.assertContains(response, '<html lang="zh-hans"')
        for message in messages:
            with self.subTest(message):
                self.assertNotEqual(chinese(message), message, "no Chinese translation")
                self.assertContains(response, chinese(message))
                self.assertNotContains(response, f">{message}<")


class AdminPageLanguageTests(ChineseAssertions, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.force_login(self.staff)

    def test_the_index_links_the_security_overview_in_chinese(self):
        response = self.client.get(reverse("admin:index"), **CHINESE)
        self.assertShowsInChinese(
            response,
            "Security",
            "Security overview",
            "Logins, refreshes, reuse and revocations per hour and day; most failed logins; "
            "live sessions.",
        )
        # The admin's title (config/urls.py), which names the site.
        header = chinese("{name} administration")
        self.assertNotEqual(header, "{name} administration")
        self.assertContains(response, header.format(name=token_settings.SITE_NAME))

    def test_the_security_overview_is_in_chinese(self):
        response = self.client.get(reverse("admin:tokens_authevent_overview"), **CHINESE)
        self.assertShowsInChinese(
            response,
            "Needs action",
            "live sessions",
            "users with a live session",
            "Last 24 hours, per hour",
            "Most failed logins, last 24 hours",
            "Last 30 days, per day",
            "Logins succeeded",
            "Failed logins by address",
            "No failed logins.",
        )

    def test_the_language_cookie_chooses_the_language_too(self):
        self.client.cookies["django_language"] = "zh-hans"
        response = self.client.get(reverse("admin:tokens_authevent_overview"))
        self.assertShowsInChinese(response, "Needs action")

    def test_without_a_language_the_overview_is_english(self):
        response = self.client.get(reverse("admin:tokens_authevent_overview"))
        self.assertEqual(response["Content-Language"], "en")
        self.assertContains(response, ">Needs action<")

    @unittest.skipUnless(uses_accounts(), "the project's user admin, with accounts.User")
    def test_a_users_page_shows_its_security_sections_in_chinese(self):
        self.login()
        self.client.force_login(self.staff)
        response = self.client.get(
            reverse("admin:accounts_user_change", args=[self.user.pk]), **CHINESE
        )
        self.assertShowsInChinese(
            response,
            "Sessions",
            "Second factors",
            "Recent auth events",
            "device",
            "last used",
            "Revoke",
            "authenticator app",
            "recovery codes left",
        )


class LoginPageLanguageTests(ChineseAssertions, AuthAPITestCase):
    def test_the_admin_login_is_in_chinese(self):
        response = self.client.get(reverse("admin:login"), **CHINESE)
        self.assertShowsInChinese(response, "Sign in with a passkey")

    def test_the_browsable_api_login_page_is_in_chinese(self):
        response = self.client.get("/api/auth/login/", HTTP_ACCEPT="text/html", **CHINESE)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"<h1>{chinese('Log in')}</h1>")
        self.assertContains(response, f'id="login-submit">{chinese("Log in")}</button>')
        self.assertContains(response, f'id="login-link">{chinese("Log in")}</a>')
