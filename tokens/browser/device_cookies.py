"""The device cookie of login throttling (OWASP, "Slow Down Online Guessing Attacks with Device
Cookies").

A successful login sets a signed, HttpOnly cookie naming the user (digests of the names the user
logs in with) with a random device id and the time it was issued. A login attempt that presents a
valid one for the name being tried is counted against that device alone, so guesses from elsewhere
never lock the owner out of a browser it has logged in from. Not to be confused with device
binding (``tokens.browser.binding``), which ties tokens to a browser.
"""

import hashlib
import secrets

from django.core import signing
from django.urls import reverse

from tokens.conf import token_settings
from tokens.core import clock

SALT = "tokens.browser.device_cookies"


def name_digest(name: str) -> str:
    """What a login name is counted under: case and outer blanks ignored, safe in a Redis key."""
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]


def login_names(user) -> list[str]:
    """The names ``user`` can log in with: the username, and the e-mail address if it has one."""
    names = [user.get_username(), getattr(user, user.get_email_field_name(), "") or ""]
    return [name for name in names if name]


def set_cookie(response, user) -> None:
    value = signing.Signer(salt=SALT).sign_object(
        {
            "n": [name_digest(name) for name in login_names(user)],
            "d": secrets.token_urlsafe(12),
            "t": clock.now(),
        }
    )
    response.set_cookie(
        token_settings.LOGIN_DEVICE_COOKIE_NAME,
        value,
        max_age=token_settings.LOGIN_DEVICE_LIFETIME,
        path=reverse("tokens:login"),
        secure=token_settings.COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def device_id(request, digest: str) -> str | None:
    """The id of the request's device cookie if it is valid for the name ``digest`` names, else
    None.
    """
    value = request.COOKIES.get(token_settings.LOGIN_DEVICE_COOKIE_NAME)
    if not value:
        return None
    try:
        payload = signing.Signer(salt=SALT).unsign_object(value)
    except signing.BadSignature:
        return None
    # Signed by this service, so the shape is ours; only the name and the age remain to check.
    if (
        digest not in payload["n"]
        or clock.now() - payload["t"] > token_settings.LOGIN_DEVICE_LIFETIME
    ):
        return None
    return payload["d"]


def known_device(request, user) -> bool:
    """Whether the request presents a valid device cookie of ``user`` (a browser it used)."""
    return any(device_id(request, name_digest(name)) is not None for name in login_names(user))
