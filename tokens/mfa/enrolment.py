"""Enforced second factors (``MFA_REQUIRED``; OWASP ASVS 5.0 V6.3.3): a user in scope who has none
proves the password, and the login waits for a first factor to be enrolled.

The waiting login is kept like an ``mfa_token``'s (``tokens.mfa.factors.start_login``): in Redis,
under the digest of its ``enrollment_token``, with an expiry. Its token is no JWT and opens no
session: ``EnrolmentTokenAuthentication`` recognises it only on the four enrolment steps
(``mfa/totp/``, ``mfa/totp/confirm/``, ``mfa/passkeys/options/``, ``mfa/passkeys/``); everywhere
else the access-token check refuses it as malformed (401 ``token_invalid``). Confirming the factor
spends it and completes the login (``tokens.flows.EnrolmentDoor``).
"""

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import authentication

from tokens.authentication import bearer_token
from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import REDIS_FAILURES, AuthError, TokenError, to_api_error, www_authenticate
from tokens.mfa import factors
from tokens.permissions import RecentAuthentication
from tokens.store import redis_keys, short_lived
from tokens.users import user_pk

# MFA_REQUIRED's values: nobody, staff users (``is_staff``), every user.
NONE, STAFF, ALL = "none", "staff", "all"
SCOPES = (NONE, STAFF, ALL)


def in_scope(user) -> bool:
    """Whether ``MFA_REQUIRED`` asks ``user`` to have a second factor."""
    scope = token_settings.MFA_REQUIRED
    return scope == ALL or (scope == STAFF and bool(getattr(user, "is_staff", False)))


@dataclass
class Enrolment:
    """A login waiting for its first second factor: ``request.auth`` on the enrolment steps."""

    # The SHA-256 of the enrollment_token: the Redis key's name, never the token itself.
    digest: str
    user: Any
    # The RFC 8176 methods proven at the login (a password).
    amr: list[str] = field(default_factory=list)
    # The outside identity provider a social login began at; "" for any other login.
    provider: str = ""


def _digest(enrollment_token: str) -> str:
    return hashlib.sha256(enrollment_token.encode()).hexdigest()


def _password_state(user) -> str:
    """A digest of the user's password hash: a password changed or reset meanwhile ends the wait,
    as it ends every session.
    """
    return hashlib.sha256(str(getattr(user, "password", "")).encode()).hexdigest()


def start(user, amr: Sequence[str], provider: str = "") -> str:
    """A new ``enrollment_token`` for ``user``, who proved ``amr`` (at an outside ``provider``, for
    a social login) and must enrol a factor.
    """
    enrollment_token = secrets.token_urlsafe(32)
    lifetime = token_settings.MFA_ENROLLMENT_TOKEN_LIFETIME
    waiting = {
        "user": str(user.pk),
        "amr": list(amr),
        # Checked against the clock on every use; Redis's expiry only clears the key away.
        "expires": clock.now() + lifetime,
        "password": _password_state(user),
    }
    if provider:
        waiting["provider"] = provider
    short_lived.put(
        redis_keys.enrollment_token(_digest(enrollment_token)), json.dumps(waiting), lifetime
    )
    return enrollment_token


def pending(enrollment_token: str) -> Enrolment:
    """The login an ``enrollment_token`` waits for; ``TokenError`` when it is unknown, spent,
    expired, or its user is gone, disabled, has a new password or has a factor by now.
    """
    digest = _digest(enrollment_token)
    waiting = short_lived.peek(redis_keys.enrollment_token(digest))
    if waiting is None:
        raise TokenError("unknown, spent or expired enrollment_token")
    state = json.loads(waiting)
    if state["expires"] <= clock.now():
        raise TokenError("expired enrollment_token")
    user = get_user_model()._default_manager.filter(pk=user_pk(state["user"])).first()
    if user is None or not getattr(user, "is_active", True):
        raise TokenError("the enrollment_token's user is gone")
    if not secrets.compare_digest(state["password"], _password_state(user)):
        raise TokenError("the password changed since the enrollment_token was given")
    # A token given for an account without a factor must not replace one enrolled since.
    if factors.has_second_factor(user):
        raise TokenError("the user has a second factor now")
    return Enrolment(digest, user, list(state["amr"]), state.get("provider", ""))


def finish(enrolment: Enrolment) -> None:
    """Spend the token of an enrolment whose factor was accepted: one session at most."""
    if short_lived.take(redis_keys.enrollment_token(enrolment.digest)) is None:
        raise TokenError("the enrollment_token was spent meanwhile")


class EnrolmentTokenAuthentication(authentication.BaseAuthentication):
    """The ``enrollment_token`` of ``Authorization: Bearer``, on the enrolment steps only (their
    POST): ``request.user`` is the user, ``request.auth`` the ``Enrolment``.

    Any other credential (a JWT, which has dots; another method) is left to the next class, so an
    access token works there as before and the enrollment token fails as ``token_invalid`` there.
    """

    def authenticate(self, request):
        raw = bearer_token(request)
        if raw is None or "." in raw or request.method != "POST":
            return None
        try:
            enrolment = pending(raw)
        except (AuthError, *REDIS_FAILURES) as exc:
            raise to_api_error(exc) from exc
        return enrolment.user, enrolment

    def authenticate_header(self, request):
        return www_authenticate()


class RecentAuthenticationOrEnrolment(RecentAuthentication):
    """Recent authentication, or an enrolment: its password was proven at the login that gave the
    token, and the token does nothing but enrol the first factor.
    """

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Enrolment) or super().has_permission(request, view)
