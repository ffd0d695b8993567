"""A trip to the provider and back: the flow's record in Redis (``state``), bound to the browser by
a cookie, and the one-time codes and nonces that come out of it.

The ``state`` names the record by its digest; the record holds the ``nonce``, the PKCE code
verifier (which never leaves the server), the provider, ``next``, the purpose (``login``, ``link``
or ``reauth``), and the digest of the browser cookie's value: a callback in another browser (a
login CSRF that hands the victim the attacker's code) finds no cookie that matches. The login code
the callback gives out carries that digest too: a page opened with the attacker's ``#code=`` in
another browser cannot trade it for the attacker's session.
"""

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import unquote, urlsplit

from tokens.browser.cookie_names import cookie_name
from tokens.browser.cookies import auth_url_prefix
from tokens.browser.origin import origin_of
from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import InvalidCodeError, SocialError
from tokens.store import redis_keys, short_lived

# Seconds a flow may take from the provider's login page to the callback.
FLOW_LIFETIME = 600
# Seconds a login code (``#code=``) is good for, once.
CODE_LIFETIME = 60
# Seconds a nonce of ``login/social/nonce/`` is good for, once.
NONCE_LIFETIME = 600

COOKIE_BASE = "social_flow"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# ``next`` ---------------------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parts(url: str) -> tuple[str, str, int, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port, parts.path or "/"


def allowed_next(url: str | None) -> str:
    """``url`` when it is under one of ``SOCIAL_REDIRECT_URLS`` (default ``SITE_URL``), compared as
    URLs: same scheme, host and port, and a path under the prefix's; else ``invalid_redirect``.
    """
    prefixes = token_settings.SOCIAL_REDIRECT_URLS or [token_settings.SITE_URL]
    if not url:
        return prefixes[0]
    # Characters browsers read differently from the parser (a backslash as a slash), credentials
    # that could hide the host, and anything unprintable.
    if len(url) > 2000 or "\\" in url or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise SocialError("invalid_redirect")
    given = _parts(url)
    if given is None or "@" in urlsplit(url).netloc or _has_dot_segment(given[3]):
        raise SocialError("invalid_redirect")
    for prefix in prefixes:
        allowed = _parts(prefix)
        if allowed is None or given[:3] != allowed[:3]:
            continue
        base = allowed[3]
        if given[3] == base or given[3].startswith(base if base.endswith("/") else base + "/"):
            return url
    raise SocialError("invalid_redirect")


def _has_dot_segment(path: str) -> bool:
    """Whether ``path`` has a ``.`` or ``..`` segment (``%2e`` too), which a browser resolves before
    it loads the page: ``/app/../admin`` is ``/admin``, outside the prefix ``/app/``.
    """
    return any(segment in (".", "..") for segment in unquote(path).split("/"))


def with_fragment(url: str, **values: str) -> str:
    """``url`` with its fragment replaced by ``values`` (``#code=...``)."""
    fragment = "&".join(f"{key}={value}" for key, value in values.items())
    return f"{url.partition('#')[0]}#{fragment}"


def callback_url(provider_id: str) -> str:
    """The callback registered at the provider: ``SITE_URL``'s origin, then where the app's URLs
    are (``/api/auth/``), then ``social/<id>/callback/``.
    """
    return f"{origin_of(token_settings.SITE_URL)}{auth_url_prefix()}social/{provider_id}/callback/"


# The browser's cookie ----------------------------------------------------------------------------


def cookie_path() -> str:
    """All the app's URLs: the callback's, and ``login/social/`` and ``reauthenticate/``, where the
    login code must come from the browser that ran the flow.
    """
    return auth_url_prefix()


def flow_cookie_name() -> str:
    return cookie_name(COOKIE_BASE, cookie_path())


def browser_secret(request) -> str:
    """The value of the browser's flow cookie, kept when it has a sound one (flows in two tabs)."""
    current = request.COOKIES.get(flow_cookie_name(), "")
    if 32 <= len(current) <= 64 and current.replace("-", "").replace("_", "").isalnum():
        return current
    return secrets.token_urlsafe(32)


def set_flow_cookie(response, secret: str) -> None:
    """HttpOnly, for the flow's lifetime and then its login code's; ``SameSite=None; Secure`` so
    that a provider's cross-site form post (Apple) still carries it; Lax over plain HTTP in
    development, where None is refused.
    """
    secure = token_settings.COOKIE_SECURE
    response.set_cookie(
        flow_cookie_name(),
        secret,
        max_age=FLOW_LIFETIME + CODE_LIFETIME,
        path=cookie_path(),
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )


# The flow's record -------------------------------------------------------------------------------


def begin(request, provider_id: str, purpose: str, next_url: str, **extra: Any) -> dict[str, Any]:
    """A new flow's record, kept under its ``state``: returns it with ``state``, ``nonce``,
    ``verifier`` and the browser ``secret`` to set as the cookie.
    """
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    secret = browser_secret(request)
    now = clock.now()
    record = {
        "provider": provider_id,
        "purpose": purpose,
        "next": next_url,
        "nonce": nonce,
        "verifier": verifier,
        "browser": digest(secret),
        "started": now,
        "expires": now + FLOW_LIFETIME,
        **extra,
    }
    short_lived.put(redis_keys.social_state(digest(state)), json.dumps(record), FLOW_LIFETIME)
    return {**record, "state": state, "secret": secret}


def take(request, provider_id: str, state: Any) -> dict[str, Any]:
    """The flow of ``state``, used up: ``social_state_invalid`` when it is unknown, used, expired,
    made for another provider, or this browser lacks its cookie.
    """
    if not isinstance(state, str) or not 0 < len(state) <= 200 or not state.isascii():
        raise SocialError("social_state_invalid")
    value = short_lived.take(redis_keys.social_state(digest(state)))
    if value is None:
        raise SocialError("social_state_invalid")
    record = json.loads(value)
    if (
        record["provider"] != provider_id
        or record["expires"] < clock.now()
        or not _is_this_browser(request, record["browser"])
    ):
        raise SocialError("social_state_invalid")
    return record


def _is_this_browser(request, browser: str) -> bool:
    """Whether the request carries the flow cookie whose digest is ``browser``."""
    secret = request.COOKIES.get(flow_cookie_name(), "")
    return secrets.compare_digest(digest(secret), browser)


# One-time codes and nonces ----------------------------------------------------------------------


def issue_code(flow: dict[str, Any], **values: Any) -> str:
    """A login code (``#code=``) standing for ``values``, single use, ``CODE_LIFETIME`` seconds,
    good only in the browser of ``flow``.
    """
    code = secrets.token_urlsafe(32)
    record = {**values, "browser": flow["browser"], "expires": clock.now() + CODE_LIFETIME}
    short_lived.put(redis_keys.social_code(digest(code)), json.dumps(record), CODE_LIFETIME)
    return code


def redeem_code(request, code: str, purpose: str) -> dict[str, Any]:
    """What ``code`` stands for, used up; ``invalid_code`` when it is unknown, used, expired, for
    another purpose, or brought by another browser than the flow's.
    """
    value = short_lived.take(redis_keys.social_code(digest(code))) if code else None
    if value is None:
        raise InvalidCodeError("unknown login code")
    record = json.loads(value)
    if (
        record.get("purpose") != purpose
        or record["expires"] < clock.now()
        or not _is_this_browser(request, record.get("browser", ""))
    ):
        raise InvalidCodeError("expired, misused or another browser's login code")
    return record


def issue_nonce() -> str:
    nonce = secrets.token_urlsafe(32)
    now = clock.now()
    record = json.dumps({"issued": now, "expires": now + NONCE_LIFETIME})
    short_lived.put(redis_keys.social_nonce(digest(nonce)), record, NONCE_LIFETIME)
    return nonce


def spend_nonce(nonce: str) -> int | None:
    """When ``nonce`` was issued, if it was, is unexpired and unused; it is used up either way."""
    value = short_lived.take(redis_keys.social_nonce(digest(nonce))) if nonce else None
    if value is None:
        return None
    record = json.loads(value)
    return record["issued"] if record["expires"] >= clock.now() else None
