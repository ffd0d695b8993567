"""Requests that open a session come from this site: the login CSRF defence of the login-type views.

A page on another site can make a browser post a form to ``login/`` with the attacker's
credentials, and the browser then holds the attacker's session (login CSRF; OWASP's Cross-Site
Request Forgery Prevention Cheat Sheet, "Login CSRF"). Browsers name the page's origin in
``Origin`` and whether it is another site in ``Sec-Fetch-Site`` (Fetch Metadata); a client that
sends neither is not a browser made to post by a page, and is heard as before.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import is_same_domain

from tokens.authentication import AccessTokenAuthentication
from tokens.conf import token_settings
from tokens.exceptions import CsrfFailed

# The bodies of HTML forms: they must also pass Django's CSRF check. (A text/plain form carries
# no field the views read; a server may also give a request without a Content-Type that type.)
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def origin_of(url: str) -> str:
    """The ``scheme://host[:port]`` of ``url``, lower case (RFC 6454 section 4)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_own_origin(request, origin: str) -> bool:
    """Whether ``origin`` is this site's: the request's own, ``SITE_URL``'s, or one of
    ``CSRF_TRUSTED_ORIGINS`` (where ``https://*.example.com`` covers the subdomains, as in Django).
    """
    origin = origin.lower()
    if origin in (origin_of(request.build_absolute_uri("/")), origin_of(token_settings.SITE_URL)):
        return True
    scheme, _, host = origin.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted_scheme, _, trusted_host = trusted.lower().partition("://")
        if scheme == trusted_scheme and (
            host == trusted_host
            or (trusted_host.startswith("*.") and is_same_domain(host, trusted_host[1:]))
        ):
            return True
    return False


def refuse_cross_site(request) -> None:
    """Refuse (403 ``csrf_failed``) a request another site's page made, and a form that fails
    Django's CSRF check.
    """
    origin = request.META.get("HTTP_ORIGIN")
    # An opaque origin ("null": a sandboxed frame, a data: URL, a redirect across sites) is never
    # this site's.
    if request.META.get("HTTP_SEC_FETCH_SITE") == "cross-site" or (
        origin is not None and not is_own_origin(request, origin)
    ):
        raise CsrfFailed()
    if request.content_type.split(";")[0].strip().lower() in FORM_CONTENT_TYPES:
        AccessTokenAuthentication().enforce_csrf(request)
