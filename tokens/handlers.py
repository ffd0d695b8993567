"""The REST framework exception handler: every error in the contract's shape."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tokens.conf import token_settings
from tokens.core.revocation import forget_rolled_back_revocations
from tokens.exceptions import (
    DATABASE_FAULTS,
    ServiceUnavailable,
    TokenRevoked,
    to_api_error,
    www_authenticate,
)
from tokens.operations import metrics


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler: ``{"detail", "code"}`` bodies and RFC 6750 headers."""
    original, exc = exc, to_api_error(exc)
    if isinstance(exc, ServiceUnavailable):
        metrics.UNAVAILABLE.labels(metrics.unavailable_cause(original)).inc()
        if isinstance(original, DATABASE_FAULTS):
            forget_rolled_back_revocations()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = {"detail": str(detail) if detail is not None else str(exc), "code": code}
    if isinstance(exc, TokenRevoked):
        response.data["reason"] = exc.reason
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = www_authenticate(code)
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(token_settings.SERVICE_UNAVAILABLE_RETRY_AFTER)
    return response
