"""Plain HTTP to the API is refused, never redirected.

With ``SECURE_SSL_REDIRECT`` on, Django's ``SecurityMiddleware`` answers a request over plain HTTP
with a 301 to ``https``: right for a page a person opens, wrong for an API call. A client follows
the redirect and its call works, so nobody learns that the token it carried (a bearer header, a
password in the body) has just crossed the network in clear. Under the API's prefix (``/api/`` for
``/api/auth/``) such a request answers 403 ``https_required`` instead, so the client's developer
learns it, and no view runs: nothing is issued, nothing is read.

``HttpsRequiredMiddleware`` goes before ``django.middleware.security.SecurityMiddleware``, which
keeps every page's redirect (and stays in ``MIDDLEWARE`` by its own name, as ``check --deploy``
wants). It reads ``SECURE_SSL_REDIRECT`` and ``SECURE_REDIRECT_EXEMPT`` on each request and trusts
``request.is_secure()``, so ``SECURE_PROXY_SSL_HEADER`` works as for Django's redirect.
"""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tokens.browser.cookies import auth_url_prefix
from tokens.conf import django_setting
from tokens.exceptions import HttpsRequired


def under_the_api(request: HttpRequest) -> bool:
    """Whether ``request`` is for the API: under the first segment of where the project includes
    the app's URLs (``/api/`` for ``/api/auth/``), read from the URLconf.
    """
    first_segment = auth_url_prefix().strip("/").split("/", 1)[0]
    return request.path.startswith(f"/{first_segment}/" if first_segment else "/")


def https_required(request: HttpRequest) -> JsonResponse:
    """The 403 ``https_required`` answer, in the API's error shape and the request's language
    (it answers before ``LocaleMiddleware`` has chosen one).
    """
    with translation.override(translation.get_language_from_request(request)):
        detail = str(HttpsRequired.default_detail)
    response = JsonResponse(
        {"detail": detail, "code": HttpsRequired.default_code},
        status=HttpsRequired.status_code,
    )
    # It answers before SecurityMiddleware and XFrameOptionsMiddleware see the response: their
    # headers, set here (no response may be framed by another site).
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ("Accept-Language",))
    return response


class HttpsRequiredMiddleware:
    """403 ``https_required`` for plain HTTP under the API's prefix while ``SECURE_SSL_REDIRECT``
    is on; everything else goes on to Django's ``SecurityMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            django_setting("SECURE_SSL_REDIRECT")
            and not request.is_secure()
            and under_the_api(request)
        ):
            path = request.path.lstrip("/")
            if not any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT):
                return https_required(request)
        return self.get_response(request)
