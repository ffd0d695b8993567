"""The cookies for browsers: token cookies set on login and refresh, all cleared on logout."""

from collections.abc import Mapping

from django.conf import settings
from django.middleware.csrf import rotate_token
from django.urls import get_script_prefix, get_urlconf, reverse

from tokens.browser import binding
from tokens.browser.cookie_names import cookie_name
from tokens.conf import token_settings


def refresh_cookie_path() -> str:
    """Where the refresh cookie goes: the setting, else where the app's URLs are included."""
    return token_settings.REFRESH_COOKIE_PATH or auth_url_prefix()


def auth_url_prefix() -> str:
    """The path the project includes ``tokens.urls`` under, from the URLconf (``/api/auth/``)."""
    # Every refresh sets the refresh cookie on this path: reversing the URL each time cost a
    # tenth of the view. It is kept per script prefix and URLconf, the two things it depends on.
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if key not in _PREFIXES:
        _PREFIXES[key] = reverse("tokens:login")[: -len("login/")]
    return _PREFIXES[key]


_PREFIXES: dict[tuple, str] = {}


def access_cookie_name() -> str:
    """The access token cookie's name (path ``/``): ``__Host-`` prefixed while cookies are
    Secure.
    """
    return cookie_name(token_settings.ACCESS_COOKIE_NAME, "/")


def refresh_cookie_name() -> str:
    """The refresh token cookie's name: ``__Secure-`` prefixed on its path while cookies are
    Secure (``__Host-`` if that path is ``/``).
    """
    return cookie_name(token_settings.REFRESH_COOKIE_NAME, refresh_cookie_path())


# The body field of a login-type request that asks for the tokens in cookies alone, and its value.
TRANSPORT_FIELD, COOKIE_ONLY = "transport", "cookie"
# What a body answering a cookie-only request leaves out: what a script on the page could steal.
TOKEN_FIELDS = ("access_token", "refresh_token")


def asks_cookies_only(request) -> bool:
    """Whether a login-type request asked for its tokens in the HttpOnly cookies alone
    (``"transport": "cookie"``). Never while the cookies are off: a client must not be left
    without any token (its serializer refuses that request first).
    """
    data = getattr(request, "data", None)
    return (
        token_settings.COOKIE_TRANSPORT
        and isinstance(data, Mapping)
        and data.get(TRANSPORT_FIELD) == COOKIE_ONLY
    )


def without_tokens(body: dict) -> dict:
    """The pair body for a script to read: everything but the tokens themselves."""
    return {key: value for key, value in body.items() if key not in TOKEN_FIELDS}


def set_token_cookies(response, body: dict) -> None:
    if not token_settings.COOKIE_TRANSPORT:
        return
    secure = token_settings.COOKIE_SECURE
    response.set_cookie(
        access_cookie_name(),
        body["access_token"],
        max_age=body["expires_in"],
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    response.set_cookie(
        refresh_cookie_name(),
        body["refresh_token"],
        max_age=body["refresh_expires_in"],
        path=refresh_cookie_path(),
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def set_login_cookies(request, response, body: dict, fingerprint: str | None) -> None:
    """Login: the token cookies, the device fingerprint, and a new CSRF token as Django's own login
    does.
    """
    set_token_cookies(response, body)
    if fingerprint is not None:
        binding.set_cookie(response, fingerprint)
    if token_settings.COOKIE_TRANSPORT:
        # Also hands the csrftoken cookie to a client that has none, for its cookie-authenticated
        # requests.
        rotate_token(request)


def clear_token_cookies(response) -> None:
    if binding.enabled():
        binding.clear_cookie(response)
    if not token_settings.COOKIE_TRANSPORT:
        return
    response.delete_cookie(access_cookie_name(), path="/", samesite="Lax")
    response.delete_cookie(refresh_cookie_name(), path=refresh_cookie_path(), samesite="Lax")
