"""The language of each answer: Django's own choice of it, made once per distinct request header.

``LanguageMiddleware`` stands where Django's ``LocaleMiddleware`` would and chooses exactly as it
does (``translation.get_language_from_request``: the language cookie, then ``Accept-Language``,
then ``LANGUAGE_CODE``), for projects that do not prefix their URLs with a language
(``i18n_patterns``; those keep Django's middleware). It differs in cost only, which on the
token-checked reads is most of what a request costs besides the framework: Django's middleware
parses the headers, activates a translation and reads it back on every request, about a tenth of
an authenticated read's instructions (docs/benchmarks.md). Here the choice is remembered per
(cookie, header) pair, and a request in ``LANGUAGE_CODE`` (what a thread speaks with no
language activated) activates nothing. Another language is active for the request only, and
the previous one comes back after it, so no thread keeps a request's language. One difference
follows: a language that a middleware before this one activated stays active for a request in
``LANGUAGE_CODE``, where Django's middleware would replace it.
"""

from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.core.signals import setting_changed
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tokens.conf import django_setting

# Distinct (cookie, Accept-Language) pairs remembered: browsers send a handful; a client that
# sends a new header each time costs what Django's middleware would, and evicts nothing it needs
# for long.
_CHOICES = 1024


@lru_cache(maxsize=_CHOICES)
def chosen_language(cookie: str | None, accept: str) -> str:
    """The language Django's ``LocaleMiddleware`` would choose for this cookie and header."""
    asked = SimpleNamespace(
        COOKIES={} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie},
        META={"HTTP_ACCEPT_LANGUAGE": accept},
    )
    return translation.get_language_from_request(asked)  # type: ignore[arg-type]  # reads COOKIES and META only


def _forget_choices(*, setting: str, **kwargs) -> None:
    # What Django's choice depends on changed (override_settings): it is made again.
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS"):
        chosen_language.cache_clear()


setting_changed.connect(_forget_choices)


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Read once: each read of a setting is a lazy object's lookup.
        self.cookie_name = settings.LANGUAGE_COOKIE_NAME

    def __call__(self, request):
        language = chosen_language(
            request.COOKIES.get(self.cookie_name), request.META.get("HTTP_ACCEPT_LANGUAGE", "")
        )
        request.LANGUAGE_CODE = language
        if language == django_setting("LANGUAGE_CODE"):
            # A thread speaks LANGUAGE_CODE while no language is activated in it, and no request
            # leaves one activated: this middleware restores the one before, and Django's
            # LocaleMiddleware, which does not, is not in the stack with it. Asking Django which
            # one is active (asgiref's context-local storage, behind a lock) would cost as much
            # as the rest of this middleware.
            response = self.get_response(request)
        else:
            with translation.override(language):
                response = self.get_response(request)
        # As Django's middleware: caches keep one answer per language asked for. DRF's answers
        # vary by Accept alone, which is written here without patch_vary_headers()'s parsing
        # (a third of this middleware's cost on the token-checked reads).
        if response.headers.get("Vary") == "Accept":
            response.headers["Vary"] = "Accept, Accept-Language"
        else:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
