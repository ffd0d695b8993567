"""DRF authentication by access token: header first, then (optionally) the access cookie."""

from time import perf_counter

from rest_framework import authentication
from rest_framework.authentication import CSRFCheck

from tokens.browser.cookies import access_cookie_name
from tokens.conf import token_settings
from tokens.core import tokens
from tokens.core.lookup import live_session, verify_presented
from tokens.exceptions import (
    REDIS_FAILURES,
    AuthError,
    CsrfFailed,
    to_api_error,
    www_authenticate,
)
from tokens.operations import batched_metrics, metrics
from tokens.users import TokenUser

BEARER = "bearer"


def bearer_token(request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if there is one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != BEARER:
        return None
    return credentials.strip() or None


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """Verify the access token and check its session in one Redis round trip; no SQL.

    ``request.user`` is a ``TokenUser``: its id and username come with the token, and the row
    is read only when a view asks for more. ``request.auth`` is the token, with the session's
    live copy as ``request.auth.session``.

    A header token always wins over the cookie. Cookie-authenticated unsafe requests must
    pass Django's CSRF check, as with DRF's ``SessionAuthentication``. With token binding on,
    the token must also match the request's fingerprint cookie (``tokens.browser.binding``).
    """

    def authenticate(self, request):
        raw = bearer_token(request)
        via_cookie = False
        if raw is None and token_settings.COOKIE_TRANSPORT:
            raw = request.COOKIES.get(access_cookie_name()) or None
            via_cookie = raw is not None
        if raw is None:
            return None
        # Timed by hand: prometheus-client's timer() builds a context manager per call, which
        # costs as much again as the observation (batched: tokens.operations.batched_metrics).
        started = perf_counter()
        try:
            token = verify_presented(request, raw, tokens.ACCESS)
            token.session = live_session(token)
            if via_cookie:
                self.enforce_csrf(request)
        except (AuthError, *REDIS_FAILURES) as exc:
            raise to_api_error(exc) from exc
        finally:
            batched_metrics.observe(metrics.AUTHENTICATION_SECONDS, perf_counter() - started)
        return TokenUser(token["sub"], token.session.username or token["username"]), token

    def enforce_csrf(self, request):
        """Django's CSRF check, exactly as DRF's SessionAuthentication runs it."""

        def dummy_get_response(request):  # pragma: no cover - never called by the check
            return None

        check = CSRFCheck(dummy_get_response)
        check.process_request(request)
        reason = check.process_view(request, dummy_get_response, (), {})
        if reason:
            raise CsrfFailed(f"CSRF Failed: {reason}")

    def authenticate_header(self, request):
        return www_authenticate()
