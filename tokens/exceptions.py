"""Errors in two layers, translated in one place.

Domain errors (``AuthError`` and its subclasses) know nothing of HTTP: the token classes,
the store and the services raise them. API errors (DRF ``APIException`` subclasses) carry
the status and the machine code of the API contract. ``exception_handler`` translates the
first into the second and gives every error body the ``{"detail", "code"}`` shape.
"""

from dataclasses import dataclass

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status

from tokens.conf import token_settings

# Why a session ended, as a ``token_revoked`` answer names it (the API contract's list).
REVOKED_REASONS = (
    "logout",
    "revoked",
    "logout_all",
    "password_changed",
    "password_reset",
    "user_disabled",
    "factor_added",
    "factors_removed",
    "reuse_detected",
    "session_limit",
    "expired",
)

# Domain errors ---------------------------------------------------------------------------


class AuthError(Exception):
    """Base of the domain errors; ``code`` (a key of ``ERROR_CODES``) names the API error it
    becomes, given as a class argument: ``class TokenExpiredError(TokenError, code=...)``.
    """

    code = "token_invalid"

    def __init_subclass__(cls, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code


class TokenError(AuthError):
    """Malformed token, bad signature, unknown key, disallowed ``alg`` or missing claims."""


class TokenExpiredError(TokenError, code="token_expired"):
    """The token's ``exp``, or the end of its session, has passed."""


class TokenWrongTypeError(TokenError, code="token_wrong_type"):
    """A genuine token of the other type: a refresh token used as an access token, or back."""


class TokenRevokedError(TokenError, code="token_revoked"):
    """The token's session was logged out, revoked, or no longer exists; ``reason`` names why, as
    the API contract lists it (``logout``, ``reuse_detected``, ``expired``, ...).
    """

    def __init__(self, message: str, reason: str = "revoked"):
        super().__init__(message)
        self.reason = reason


class TokenReusedError(TokenError, code="token_reused"):
    """A refresh token rotated before, presented after its grace window."""


class UserInactiveError(AuthError, code="user_inactive"):
    """The token's user was disabled or deleted after it was issued."""


class InvalidCredentialsError(AuthError, code="invalid_credentials"):
    """Unknown user, wrong password or inactive user: one error for all."""


class StoreUnavailableError(AuthError, code="service_unavailable"):
    """Redis could not be reached, or refused a write: nothing was decided."""


class InvalidCodeError(AuthError, code="invalid_code"):
    """A wrong, reused or expired one-time code, recovery code or passkey answer."""


class ThrottledError(AuthError, code="throttled"):
    """Too many wrong attempts lately: ``wait`` seconds before the next one is heard."""

    def __init__(self, wait: float):
        super().__init__(f"try again in {wait:.1f} s")
        self.wait = wait


class InvalidKeyError(AuthError, code="invalid_key"):
    """A mailed key that is unknown, used, expired, for another purpose or for another state."""


class EmailUnverifiedError(AuthError, code="email_unverified"):
    """The right password for an account whose address is not verified yet."""


class SocialError(AuthError, code="social_provider_error"):
    """A social login that cannot go on; ``code`` is one of the contract's ``social_*`` codes
    (``invalid_redirect``, ``last_login_method`` too), given when raised.
    """

    def __init__(self, code: str, reason: str = ""):
        super().__init__(reason or code)
        self.code = code


class StoreFullError(StoreUnavailableError):
    """Redis answered but refused a write: it is full under ``noeviction`` (reads still work)."""


# API errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCode:
    """One error code of the API contract: the answer it is, and what else it means."""

    # The DRF exception it specializes (its status unless ``status`` says otherwise).
    base: type[exceptions.APIException]
    # The sentence for a person.
    detail: str | Promise
    # The HTTP status, where ``base`` has another one.
    status: int | None = None
    # A 401 that refuses the presented token itself: error="invalid_token" (RFC 6750 section 3).
    invalid_token: bool = False
    # The ``auth_refreshes_total`` outcome of a refresh refused with this code.
    refresh_outcome: str | None = None


def _refused_token(detail: str | Promise, refresh_outcome: str) -> ErrorCode:
    """A 401 that refuses the presented token (RFC 6750 ``invalid_token``), and so a refresh."""
    return ErrorCode(
        exceptions.AuthenticationFailed,
        detail,
        invalid_token=True,
        refresh_outcome=refresh_outcome,
    )


def _with_status(status_code: int, detail: str | Promise) -> ErrorCode:
    """An error whose status DRF's exception classes do not name (400 with a code, 413, 503)."""
    return ErrorCode(exceptions.APIException, detail, status=status_code)


_REVOKED_DETAIL = _("The token's session has been logged out or revoked.")

# Every error code the app answers with, written once: the API exceptions below, the RFC 6750
# header and the refresh metrics' labels are made from it.
ERROR_CODES: dict[str, ErrorCode] = {
    "token_invalid": _refused_token(
        _("The token is malformed, badly signed or missing claims."), "invalid"
    ),
    "token_expired": _refused_token(_("The token has expired."), "expired"),
    "token_wrong_type": _refused_token(
        _("The token is of the wrong type for this use."), "invalid"
    ),
    "token_revoked": _refused_token(_REVOKED_DETAIL, "revoked"),
    "token_reused": _refused_token(
        _("This refresh token was already used; the session has been revoked."), "reused"
    ),
    "user_inactive": _refused_token(
        _("The user is disabled or no longer exists."), "user_inactive"
    ),
    "invalid_credentials": ErrorCode(
        exceptions.AuthenticationFailed, _("Unable to log in with the provided credentials.")
    ),
    "csrf_failed": ErrorCode(
        exceptions.PermissionDenied, _("CSRF check failed for a cookie-authenticated request.")
    ),
    "https_required": ErrorCode(
        exceptions.PermissionDenied,
        _(
            "This API answers over HTTPS only: this request, and any token or password in it, "
            "crossed the network unencrypted."
        ),
    ),
    "email_unverified": ErrorCode(
        exceptions.PermissionDenied,
        _("Confirm your e-mail address first: follow the link in the mail we sent."),
    ),
    "signup_closed": ErrorCode(
        exceptions.PermissionDenied, _("This site does not take new accounts right now.")
    ),
    "reauthentication_required": ErrorCode(
        exceptions.PermissionDenied,
        _("This action needs a recent authentication: re-authenticate first."),
    ),
    "invalid_key": _with_status(
        status.HTTP_400_BAD_REQUEST, _("This link is invalid, used or expired; ask for a new one.")
    ),
    "invalid_code": _with_status(
        status.HTTP_400_BAD_REQUEST,
        _("The code or passkey answer is wrong, already used or expired."),
    ),
    "invalid_redirect": _with_status(
        status.HTTP_400_BAD_REQUEST, _("This address is not one a login may return to.")
    ),
    "social_state_invalid": _with_status(
        status.HTTP_400_BAD_REQUEST,
        _("This sign-in is unknown, used or expired, or was started in another browser."),
    ),
    "social_provider_error": _with_status(
        status.HTTP_502_BAD_GATEWAY, _("The identity provider's answer could not be used.")
    ),
    "social_email_conflict": _with_status(
        status.HTTP_409_CONFLICT,
        _("An account has this e-mail address: log in and link this identity from it."),
    ),
    "social_signup_closed": ErrorCode(
        exceptions.PermissionDenied, _("This site does not take new accounts right now.")
    ),
    "social_already_linked": _with_status(
        status.HTTP_409_CONFLICT, _("This identity belongs to another account.")
    ),
    "last_login_method": _with_status(
        status.HTTP_400_BAD_REQUEST,
        _("This is the account's last way in: set a password or link another first."),
    ),
    "service_unavailable": _with_status(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        _("The service cannot complete this request right now; try again shortly."),
    ),
    "request_too_large": _with_status(
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        _("The request body is larger than this service accepts."),
    ),
    "too_many_fields": ErrorCode(
        exceptions.ParseError, _("The request body has more fields than this service accepts.")
    ),
}


def _api_error(code: str) -> type[exceptions.APIException]:
    """The ``APIException`` subclass of ``code`` (``token_expired``: ``TokenExpired``)."""
    spec = ERROR_CODES[code]
    attributes: dict = {
        "__module__": __name__,
        "__doc__": f"The API error ``{code}``.",
        "default_code": code,
        "default_detail": spec.detail,
    }
    if spec.status is not None:
        attributes["status_code"] = spec.status
    name = "".join(part.capitalize() for part in code.split("_"))
    return type(name, (spec.base,), attributes)


API_ERRORS = {code: _api_error(code) for code in ERROR_CODES}


class TokenRevoked(exceptions.AuthenticationFailed):
    """The API error ``token_revoked``; its body adds ``reason``, why the session ended."""

    default_code = "token_revoked"
    default_detail = _REVOKED_DETAIL

    def __init__(self, detail=None, code=None, reason: str = "revoked"):
        super().__init__(detail, code)
        self.reason = reason


API_ERRORS["token_revoked"] = TokenRevoked
TokenInvalid = API_ERRORS["token_invalid"]
TokenExpired = API_ERRORS["token_expired"]
TokenWrongType = API_ERRORS["token_wrong_type"]
TokenReused = API_ERRORS["token_reused"]
UserInactive = API_ERRORS["user_inactive"]
InvalidCredentials = API_ERRORS["invalid_credentials"]
CsrfFailed = API_ERRORS["csrf_failed"]
HttpsRequired = API_ERRORS["https_required"]
EmailUnverified = API_ERRORS["email_unverified"]
ReauthenticationRequired = API_ERRORS["reauthentication_required"]
SignupClosed = API_ERRORS["signup_closed"]
InvalidKey = API_ERRORS["invalid_key"]
InvalidCode = API_ERRORS["invalid_code"]
ServiceUnavailable = API_ERRORS["service_unavailable"]
RequestTooLarge = API_ERRORS["request_too_large"]
TooManyFields = API_ERRORS["too_many_fields"]

# Codes whose 401 says the presented token itself was refused (RFC 6750 section 3).
INVALID_TOKEN_CODES = frozenset(code for code, spec in ERROR_CODES.items() if spec.invalid_token)

# The refresh outcome each refused refresh's error code means (an unreachable store is a 503, not
# an outcome).
REFRESH_REFUSALS = {
    code: spec.refresh_outcome for code, spec in ERROR_CODES.items() if spec.refresh_outcome
}

# Redis failures that can escape from django-redis (the cache) or redis-py (the store).
REDIS_FAILURES = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)

# Database faults (a connection lost or refused, a backend terminated, a failed commit): a 503,
# never a 500. Not ``DatabaseError`` as a whole: an ``IntegrityError`` is a bug to see, not an
# outage.
DATABASE_FAULTS = (OperationalError, InterfaceError)


def to_api_error(exc: Exception) -> Exception:
    """Translate a domain, Redis, database or request-size error into the API error of the
    contract.
    """
    if isinstance(exc, ThrottledError):
        return exceptions.Throttled(exc.wait)
    if isinstance(exc, TokenRevokedError):
        return TokenRevoked(reason=exc.reason)
    if isinstance(exc, AuthError):
        return API_ERRORS[exc.code]()
    if isinstance(exc, (*REDIS_FAILURES, *DATABASE_FAULTS)):
        return ServiceUnavailable()
    # Django's limits on a body (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS and
    # _FILES) raise SuspiciousOperations that DRF leaves to Django, which answers with an HTML 400.
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return TooManyFields()
    return exc


def www_authenticate(code: str | None = None) -> str:
    value = f'Bearer realm="{token_settings.WWW_AUTHENTICATE_REALM}"'
    if code in INVALID_TOKEN_CODES:
        value += ', error="invalid_token"'
    return value
