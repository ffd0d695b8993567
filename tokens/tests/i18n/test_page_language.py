"""The account page in the reader's language, without a browser: the template's words, the
scripts' catalogue, ``<html lang>``, and the language switch (Django's ``set_language``) that keeps
the choice in the language cookie ahead of ``Accept-Language``.
"""

from django.conf import settings
from django.test import Client
from django.utils import translation

from tokens.browser.csp import HEADER
from tokens.tests.support import AuthAPITestCase

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
SWITCH = "/i18n/language/"
CATALOGUE = "/i18n/catalogue.js"


def chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


class AccountPageLanguageTests(AuthAPITestCase):
    def test_the_page_follows_accept_language(self):
        for path in ("/", "/demo/"):
            with self.subTest(path=path):
                response = self.client.get(path, **CHINESE)
                self.assertContains(response, '<html lang="zh-hans">')
                self.assertNotEqual(chinese("Create an account"), "Create an account")
                self.assertContains(response, chinese("Create an account"))
                self.assertNotContains(response, ">Create an account<")
                # The switch offers the other language, by its own name.
                self.assertContains(response, 'name="language" value="en"')
                english = self.client.get(path)
                self.assertContains(english, 'value="zh-hans" lang="zh-hans"')
                self.assertContains(english, '<html lang="en">')
                self.assertContains(english, ">Create an account<")

    def test_the_page_loads_the_catalogue_of_its_language_before_its_scripts(self):
        page = self.client.get("/", **CHINESE).content.decode()
        self.assertLess(page.index(f'src="{CATALOGUE}"'), page.index("tokens/auth-client.js"))
        catalogue = self.client.get(CATALOGUE, **CHINESE)
        self.assertEqual(catalogue.status_code, 200)
        self.assertIn("javascript", catalogue["Content-Type"])
        text = catalogue.content.decode()
        # Named placeholders survive, in the Chinese sentence (JSON-escaped by the view).
        self.assertIn("%(seconds)s", text)
        self.assertIn("\\u79d2", text)  # 秒, the seconds of the countdown
        self.assertNotIn("\\u79d2", self.client.get(CATALOGUE).content.decode())

    def test_the_switch_sets_the_cookie_which_wins_over_accept_language(self):
        client = Client(enforce_csrf_checks=True)
        page = client.get("/")
        token = page.context["csrf_token"]
        response = client.post(
            SWITCH, {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": str(token)}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(response.cookies[settings.LANGUAGE_COOKIE_NAME].value, "zh-hans")
        self.assertContains(client.get("/"), '<html lang="zh-hans">')
        # The cookie is the reader's own choice: it wins over the browser's header.
        client.post(SWITCH, {"language": "en", "next": "/", "csrfmiddlewaretoken": str(token)})
        self.assertContains(client.get("/", **CHINESE), '<html lang="en">')

    def test_the_switch_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.get("/")
        response = client.post(SWITCH, {"language": "zh-hans", "next": "/"})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(settings.LANGUAGE_COOKIE_NAME, response.cookies)

    def test_the_switch_goes_back_to_this_site_only(self):
        client = Client()
        response = client.post(SWITCH, {"language": "zh-hans", "next": "https://evil.example/"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(response["Location"].startswith("https://evil.example"))

    def test_the_switch_keeps_no_key_of_a_mailed_link(self):
        # A verification or reset link's key stays out of the form the page draws.
        response = self.client.get("/?reset=secret-key-of-a-link")
        self.assertContains(response, 'name="next" value="/"')
        self.assertNotContains(response, 'value="/?reset=')

    def test_the_page_keeps_its_policy_in_either_language(self):
        for headers in ({}, CHINESE):
            with self.subTest(headers=headers):
                response = self.client.get("/", **headers)
                self.assertIn("script-src 'self'", response[HEADER])
                self.assertNotIn("unsafe", response[HEADER])
