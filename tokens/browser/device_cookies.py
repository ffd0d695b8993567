"""The device cookie of the limits on guessing (OWASP, "Slow Down Online Guessing Attacks with
Device Cookies").

A successful login sets a signed, HttpOnly cookie naming the account that logged in (its primary
key, nothing derived from a name), a random device id and the time it was issued. A guess at that
account from a client presenting it is counted against that device alone, so guesses from elsewhere
never lock the owner out of a browser it has logged in from. The cookie is bound to the account,
never to what was typed: a user whose username is somebody else's e-mail address gains nothing at
the other account. Its path is ``/``, so every door that checks a secret sees it (the API's logins,
``reauthenticate/``, the Django admin's login). Not to be confused with token binding
(``tokens.browser.binding``), which ties tokens to a browser.
"""

import secrets

from django.core import signing

from tokens.browser.cookie_names import cookie_name
from tokens.conf import token_settings
from tokens.core import clock

SALT = "tokens.browser.device_cookies.account"


def name() -> str:
    """The cookie's name: ``LOGIN_DEVICE_COOKIE_NAME``, ``__Host-`` prefixed while cookies are
    Secure.
    """
    return cookie_name(token_settings.LOGIN_DEVICE_COOKIE_NAME, "/")


def set_cookie(response, user) -> None:
    value = signing.Signer(salt=SALT).sign_object(
        {"u": str(user.pk), "d": secrets.token_urlsafe(12), "t": clock.now()}
    )
    response.set_cookie(
        name(),
        value,
        max_age=token_settings.LOGIN_DEVICE_LIFETIME,
        path="/",
        secure=token_settings.COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def device_id(request, user_pk) -> str | None:
    """The id of the request's device cookie if it is valid and was issued to the account
    ``user_pk``, else None.
    """
    value = request.COOKIES.get(name())
    if not value:
        return None
    try:
        payload = signing.Signer(salt=SALT).unsign_object(value)
    except signing.BadSignature:
        return None
    # Signed by this service, so the shape is ours; only the account and the age remain to check.
    if (
        payload["u"] != str(user_pk)
        or clock.now() - payload["t"] > token_settings.LOGIN_DEVICE_LIFETIME
    ):
        return None
    return payload["d"]


def known_device(request, user) -> bool:
    """Whether the request presents a valid device cookie of ``user`` (a browser it used)."""
    return device_id(request, user.pk) is not None
