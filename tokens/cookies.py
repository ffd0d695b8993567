"""The token cookies for browsers: set on login and refresh, cleared on logout."""

from django.conf import settings

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


def clear_token_cookies(response) -> None:
    if not token_settings.COOKIE_TRANSPORT:
        return
    response.delete_cookie(token_settings.ACCESS_COOKIE_NAME, path="/", samesite="Lax")
    response.delete_cookie(
        token_settings.REFRESH_COOKIE_NAME, path=token_settings.REFRESH_COOKIE_PATH, samesite="Lax"
    )
