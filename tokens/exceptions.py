"""Errors in two layers, translated in one place.

Domain errors (``AuthError`` and its subclasses) know nothing of HTTP: the token classes,
the store and the services raise them. API errors (DRF ``APIException`` subclasses) carry
the status and the machine code of the API contract. ``exception_handler`` translates the
first into the second and gives every error body the ``{"detail", "code"}`` shape.
"""

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status

from tokens.conf import token_settings

# Domain errors ---------------------------------------------------------------------------


class AuthError(Exception):
    """Base of the domain errors; ``code`` names the API error it becomes."""

    code = "token_invalid"


class TokenError(AuthError):
    """Malformed token, bad signature, unknown key, disallowed ``alg`` or missing claims."""


class TokenExpiredError(TokenError):
    code = "token_expired"


class TokenWrongTypeError(TokenError):
    code = "token_wrong_type"


class TokenRevokedError(TokenError):
    code = "token_revoked"


class TokenReusedError(TokenError):
    code = "token_reused"


class UserInactiveError(AuthError):
    code = "user_inactive"


class InvalidCredentialsError(AuthError):
    code = "invalid_credentials"


class StoreUnavailableError(AuthError):
    code = "service_unavailable"


class StoreFullError(StoreUnavailableError):
    """Redis answered but refused a write: it is full under ``noeviction`` (reads still work)."""


# API errors ------------------------------------------------------------------------------


class TokenInvalid(exceptions.AuthenticationFailed):
    default_detail = _("The token is malformed, badly signed or missing claims.")
    default_code = "token_invalid"


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("The token has expired.")
    default_code = "token_expired"


class TokenWrongType(exceptions.AuthenticationFailed):
    default_detail = _("The token is of the wrong type for this use.")
    default_code = "token_wrong_type"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = _("The token's session has been logged out or revoked.")
    default_code = "token_revoked"


class TokenReused(exceptions.AuthenticationFailed):
    default_detail = _("This refresh token was already used; the session has been revoked.")
    default_code = "token_reused"


class UserInactive(exceptions.AuthenticationFailed):
    default_detail = _("The user is disabled or no longer exists.")
    default_code = "user_inactive"


class InvalidCredentials(exceptions.AuthenticationFailed):
    default_detail = _("Unable to log in with the provided credentials.")
    default_code = "invalid_credentials"


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = _("CSRF check failed for a cookie-authenticated request.")
    default_code = "csrf_failed"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service cannot complete this request right now; try again shortly.")
    default_code = "service_unavailable"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is larger than this service accepts.")
    default_code = "request_too_large"


class TooManyFields(exceptions.ParseError):
    default_detail = _("The request body has more fields than this service accepts.")
    default_code = "too_many_fields"


API_ERRORS = {
    "token_invalid": TokenInvalid,
    "token_expired": TokenExpired,
    "token_wrong_type": TokenWrongType,
    "token_revoked": TokenRevoked,
    "token_reused": TokenReused,
    "user_inactive": UserInactive,
    "invalid_credentials": InvalidCredentials,
    "service_unavailable": ServiceUnavailable,
}

# Codes whose 401 says the presented token itself was refused (RFC 6750 section 3).
INVALID_TOKEN_CODES = frozenset(
    {
        "token_invalid",
        "token_expired",
        "token_wrong_type",
        "token_revoked",
        "token_reused",
        "user_inactive",
    }
)

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
