"""The cookies for browsers: token cookies set on login and refresh, all cleared on logout."""

from django.conf import settings
from django.middleware.csrf import rotate_token

from tokens import binding
from tokens.conf import token_settings


def set_token_cookies(response, body: dict) -> None:
    if not token_settings.COOKIE_TRANSPORT:
        return
    secure = not settings.DEBUG
    response.set_cookie(
        token_settings.ACCESS_COOKIE_NAME, body["access_token"], max_age=body["expires_in"],
        path="/", secure=secure, httponly=True, samesite="Lax",
    )
    response.set_cookie(
        token_settings.REFRESH_COOKIE_NAME, body["refresh_token"], max_age=body["refresh_expires_in"],
        path=token_settings.REFRESH_COOKIE_PATH, secure=secure, httponly=True, samesite="Lax",
    )


def set_login_cookies(request, response, body: dict, fingerprint: str | None) -> None:
    """Login: the token cookies, the device fingerprint, and a new CSRF token as Django's own login does."""
    set_token_cookies(response, body)
    if fingerprint is not None:
        binding.set_cookie(response, fingerprint)
    if token_settings.COOKIE_TRANSPORT:
        # Also hands the csrftoken cookie to a client that has none, for its cookie-authenticated requests.
        rotate_token(request)


def clear_token_cookies(response) -> None:
    if binding.enabled():
        binding.clear_cookie(response)
    if not token_settings.COOKIE_TRANSPORT:
        return
    response.delete_cookie(token_settings.ACCESS_COOKIE_NAME, path="/", samesite="Lax")
    response.delete_cookie(
        token_settings.REFRESH_COOKIE_NAME, path=token_settings.REFRESH_COOKIE_PATH, samesite="Lax"
    )
