"""Token binding: tokens usable only alongside a fingerprint cookie (OWASP JWT token sidejacking).

At login a random fingerprint goes to the browser in a hardened HttpOnly cookie and its SHA-256
hex into both tokens (claim ``fgp``); rotation copies the claim. While binding is on, a token whose
claim does not match the cookie of the request is refused, so a stolen token alone is useless.
See the OWASP JSON Web Token Cheat Sheet, "Token sidejacking".
"""

import hashlib
import hmac
import secrets

from tokens.browser.cookie_names import cookie_name as prefixed
from tokens.conf import token_settings
from tokens.exceptions import TokenError

CLAIM = "fgp"
# The cookie covers the whole site: every request that carries a token needs it.
PATH = "/"


def enabled() -> bool:
    return token_settings.TOKEN_BINDING


def new_fingerprint() -> str:
    """A fresh random fingerprint for the cookie (never put in a token as is)."""
    return secrets.token_urlsafe(32)


def digest(fingerprint: str) -> str:
    """The SHA-256 hex of a fingerprint: what the tokens carry."""
    return hashlib.sha256(fingerprint.encode()).hexdigest()


def cookie_name() -> str:
    """The cookie's name: ``__Host-`` prefixed while cookies are Secure."""
    return prefixed(token_settings.FINGERPRINT_COOKIE_NAME, PATH)


def verify(request, payload) -> None:
    """Refuse a token whose fingerprint claim does not match the request's cookie."""
    if not enabled():
        return
    claimed = payload.get(CLAIM)
    cookie = request.COOKIES.get(cookie_name())
    if (
        not isinstance(claimed, str)
        or not cookie
        or not hmac.compare_digest(claimed, digest(cookie))
    ):
        raise TokenError("token not bound to this device")


def set_cookie(response, fingerprint: str) -> None:
    response.set_cookie(
        cookie_name(),
        fingerprint,
        max_age=token_settings.SESSION_LIFETIME,
        path=PATH,
        secure=token_settings.COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def clear_cookie(response) -> None:
    response.delete_cookie(cookie_name(), path=PATH, samesite="Strict")
