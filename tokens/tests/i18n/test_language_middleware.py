"""The project's language middleware chooses as Django's LocaleMiddleware does, and leaves no
request's language behind in the thread that served it.
"""

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.utils import translation

from tokens.languages import LanguageMiddleware, chosen_language

# Cookie and Accept-Language pairs a browser, a client or an attacker may send.
ASKED = [
    (None, ""),
    (None, "zh-CN,zh;q=0.9,en;q=0.8"),
    (None, "zh-Hans"),
    (None, "zh-TW"),
    (None, "en-GB,en;q=0.9"),
    (None, "fr-FR,de;q=0.5"),
    (None, "*"),
    (None, "fr, zh;q=0.1"),
    (None, "x" * 500),
    (None, "zh-CN;q=abc"),
    (None, ";;;,,,"),
    (None, "ZH-hans"),
    ("zh-hans", ""),
    ("zh-hans", "en"),
    ("en", "zh-CN"),
    ("fr", "zh-CN"),
    ("", "zh-CN"),
    ("zh-hans\x00", "en"),
]


class ChoiceTests(SimpleTestCase):
    def test_the_choice_is_djangos(self):
        factory = RequestFactory()
        for cookie, accept in ASKED:
            with self.subTest(cookie=cookie, accept=accept):
                request = factory.get("/api/auth/session/", HTTP_ACCEPT_LANGUAGE=accept)
                if cookie is not None:
                    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
                self.assertEqual(
                    chosen_language(cookie, accept),
                    translation.get_language_from_request(request),
                )

    def test_both_languages_are_reachable(self):
        # Not a comparison that two broken functions could pass together.
        self.assertEqual(chosen_language(None, "zh-CN,zh;q=0.9"), "zh-hans")
        self.assertEqual(chosen_language(None, ""), "en")
        self.assertEqual(chosen_language("zh-hans", "en"), "zh-hans")


class MiddlewareTests(SimpleTestCase):
    def serve(self, accept: str) -> tuple[HttpResponse, str]:
        seen = []

        def view(request):
            seen.append((translation.get_language(), request.LANGUAGE_CODE))
            return HttpResponse("ok")

        request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE=accept)
        response = LanguageMiddleware(view)(request)
        self.assertEqual(seen[0][0], seen[0][1])
        return response, seen[0][0]

    def test_the_view_runs_in_the_chosen_language_and_the_thread_gets_its_own_back(self):
        before = translation.get_language()
        response, during = self.serve("zh-CN")
        self.assertEqual(during, "zh-hans")
        self.assertEqual(response["Content-Language"], "zh-hans")
        self.assertEqual(translation.get_language(), before)

        response, during = self.serve("")
        self.assertEqual(during, "en")
        self.assertEqual(response["Content-Language"], "en")

    def test_a_request_after_one_in_another_language_is_answered_in_the_default(self):
        # Requests in LANGUAGE_CODE activate nothing: what a Chinese request activated must be
        # gone before the next request, or that one would be answered in Chinese.
        for accept, expected in [
            ("zh-CN", "zh-hans"),
            ("", "en"),
            ("zh-CN", "zh-hans"),
            ("", "en"),
        ]:
            with self.subTest(accept=accept):
                response, during = self.serve(accept)
                self.assertEqual(during, expected)
                self.assertEqual(response["Content-Language"], expected)

    def test_a_changed_default_language_is_followed_at_once(self):
        # The choice and the default are remembered; override_settings must reach both.
        self.assertEqual(self.serve("")[1], "en")
        with override_settings(LANGUAGE_CODE="zh-hans"):
            response, during = self.serve("")
            self.assertEqual(during, "zh-hans")
            self.assertEqual(response["Content-Language"], "zh-hans")
        self.assertEqual(self.serve("")[1], "en")

    def test_the_vary_header_names_the_language_once_whatever_the_view_sent(self):
        for sent, expected in [
            (None, "Accept-Language"),
            ("Accept", "Accept, Accept-Language"),
            ("Cookie", "Cookie, Accept-Language"),
            ("Accept, Accept-Language", "Accept, Accept-Language"),
            ("accept-language", "accept-language"),
            ("*", "*"),
        ]:
            with self.subTest(sent=sent):

                def view(request, sent=sent):
                    response = HttpResponse("ok")
                    if sent is not None:
                        response.headers["Vary"] = sent
                    return response

                response = LanguageMiddleware(view)(RequestFactory().get("/"))
                self.assertEqual(response["Vary"], expected)

    def test_caches_are_told_the_answer_depends_on_the_language(self):
        response, _ = self.serve("zh-CN")
        self.assertIn("Accept-Language", response["Vary"])
