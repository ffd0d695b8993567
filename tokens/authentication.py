"""DRF authentication by access token: header first, then (optionally) the access cookie."""

from django.contrib.auth import get_user_model
from rest_framework import authentication
from rest_framework.authentication import CSRFCheck

from tokens import binding, store, tokens
from tokens.conf import token_settings
from tokens.exceptions import (
    REDIS_FAILURES,
    AuthError,
    CsrfFailed,
    TokenRevokedError,
    UserInactiveError,
    to_api_error,
    www_authenticate,
)

BEARER = "bearer"


def bearer_token(request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if there is one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != BEARER:
        return None
    return credentials.strip() or None


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """Verify the access token, check its session in one Redis round trip, load the user.

    A header token always wins over the cookie. Cookie-authenticated unsafe requests must
    pass Django's CSRF check, as with DRF's ``SessionAuthentication``. With device binding on,
    the token must also match the request's fingerprint cookie (``tokens.binding``).
    """

    def authenticate(self, request):
        raw = bearer_token(request)
        via_cookie = False
        if raw is None and token_settings.COOKIE_TRANSPORT:
            raw = request.COOKIES.get(token_settings.ACCESS_COOKIE_NAME) or None
            via_cookie = raw is not None
        if raw is None:
            return None
        try:
            token = tokens.decode(raw, tokens.ACCESS)
            binding.verify(request, token.payload)
            user = self.get_live_user(token)
        except (AuthError, *REDIS_FAILURES) as exc:
            raise to_api_error(exc) from exc
        if via_cookie:
            self.enforce_csrf(request)
        return user, token

    def get_live_user(self, token):
        if not store.is_live(token["sub"], token["sid"]):
            raise TokenRevokedError("session not live")
        user = get_user_model()._default_manager.filter(pk=_user_pk(token["sub"])).first()
        if user is None or not user.is_active:
            raise UserInactiveError("user disabled or deleted")
        return user

    def enforce_csrf(self, request):
        """Django's CSRF check, exactly as DRF's SessionAuthentication runs it."""

        def dummy_get_response(request):  # pragma: no cover - never called by the check
            return None

        check = CSRFCheck(dummy_get_response)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
        if reason:
            raise CsrfFailed(f"CSRF Failed: {reason}")

    def authenticate_header(self, request):
        return www_authenticate()


def _user_pk(sub: str):
    return int(sub) if sub.isdigit() else None
