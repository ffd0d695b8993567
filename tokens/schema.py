"""The OpenAPI description of the API (drf-spectacular): what the views' own documentation uses.

Each view carries its documentation as a decorator above its class, ``@document(...)``: a summary
and the responses, built from the error responses of the API contract (``ERRORS``, through
``responses()``) and the bodies only the document names, which live here; a feature's own bodies
live beside its serializers, and its views hand them to ``responses()``. The request body is the
view's serializer's. Here too: the bearer scheme of ``AccessTokenAuthentication`` (so Swagger
UI's Authorize works), registered when ``TokensConfig.ready()`` imports this module, and the views
serving the document.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from tokens.exceptions import REVOKED_REASONS


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.AccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from login/ or refresh/ (the access cookie works too).",
        }


class EnrolmentTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.mfa.enrolment.EnrolmentTokenAuthentication"
    name = "enrollmentToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The enrollment_token of a login answered 403 mfa_enrollment_required "
            "(MFA_REQUIRED): it enrols the first second factor, which completes that login.",
        }


# Response bodies (for the document only) ---------------------------------------------------

# The ``token_type`` of an introspected token (its claim).
INTROSPECTED_TOKEN_TYPES = ("access", "refresh")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("A sentence for a person."))
    code = serializers.CharField(
        help_text=_("A machine code of the API contract, e.g. token_expired.")
    )
    reason = serializers.ChoiceField(
        choices=REVOKED_REASONS,
        required=False,
        help_text=_(
            "token_revoked only: why the session ended (revoked: from another session, "
            "by staff, an operator or a client; expired: its lifetime ended before the token's "
            "exp)."
        ),
    )


@extend_schema_field(
    {"type": "string", "pattern": "^Bearer$", "description": "Always Bearer (RFC 6750)."}
)
class BearerTypeField(serializers.CharField):
    """The pair's ``token_type``: a pattern, not an enum, so its name cannot collide with the
    introspected ``token_type`` enum (drf-spectacular names enums by field name)."""


# Why a pair body may lack its tokens (API contract, "Cookies").
COOKIE_ONLY_NOTE = (
    'Left out for a request with "transport": "cookie" and for a refresh by the refresh cookie: '
    "the token is then in its HttpOnly cookie alone."
)


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField(required=False, help_text=COOKIE_ONLY_NOTE)
    refresh_token = serializers.CharField(required=False, help_text=COOKIE_ONLY_NOTE)
    token_type = BearerTypeField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the access token lives."))
    refresh_expires_in = serializers.IntegerField(
        help_text=_("Seconds the refresh token lives unless rotated.")
    )
    session_id = serializers.UUIDField()


class IntrospectionSerializer(serializers.Serializer):
    """RFC 7662 section 2.2; only ``active`` when the token is not live."""

    active = serializers.BooleanField()
    token_type = serializers.ChoiceField(choices=INTROSPECTED_TOKEN_TYPES, required=False)
    sub = serializers.CharField(required=False)
    username = serializers.CharField(required=False)
    sid = serializers.UUIDField(required=False)
    iat = serializers.IntegerField(required=False)
    exp = serializers.IntegerField(required=False)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=("ok",))


class ReadinessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=("ok", "degraded"), help_text=_("degraded: serving from the database alone.")
    )
    checks = serializers.DictField(
        child=serializers.ChoiceField(choices=("ok", "unavailable")),
        help_text=_("Each dependency: database, redis."),
    )


class NotReadySerializer(ErrorSerializer):
    failed = serializers.ListField(
        child=serializers.ChoiceField(choices=("database", "redis")),
        help_text=_("The dependencies that did not answer in time."),
    )


class JSONWebKeySerializer(serializers.Serializer):
    kid = serializers.CharField()
    kty = serializers.ChoiceField(choices=("RSA", "EC", "OKP"))
    alg = serializers.ChoiceField(choices=("RS256", "ES256", "EdDSA"))
    use = serializers.ChoiceField(choices=("sig",))


class JSONWebKeySetSerializer(serializers.Serializer):
    keys = JSONWebKeySerializer(many=True)


# 400: DRF's field errors, or ``{detail, code}`` when the body could not be parsed at all.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}

ERRORS = {
    400: OpenApiResponse(VALIDATION_ERROR, description="Missing or malformed fields."),
    401: OpenApiResponse(
        ErrorSerializer,
        description="not_authenticated, invalid_credentials, user_inactive or a token_* code "
        "(token_revoked adds reason); WWW-Authenticate names the Bearer scheme.",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="permission_denied, csrf_failed (a cookie-authenticated unsafe request without "
        "a valid CSRF token, or a login posted from another site), (login) email_unverified, or "
        "https_required (plain HTTP while the server wants HTTPS).",
    ),
    "403-recent": OpenApiResponse(
        ErrorSerializer,
        description="reauthentication_required: the access token's auth_time is older than "
        "REAUTHENTICATION_WINDOW, or the user has a second factor and the recent proof did not "
        "include it (call reauthenticate/); permission_denied or csrf_failed.",
    ),
    "400-code": OpenApiResponse(
        {
            "oneOf": [
                {"$ref": "#/components/schemas/Error"},
                {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            ]
        },
        description="invalid_code (a wrong, reused or expired code or passkey answer), or field "
        "errors.",
    ),
    "400-key": OpenApiResponse(
        VALIDATION_ERROR
        | {"properties": {"detail": {"type": "string"}, "code": {"type": "string"}}},
        description="invalid_key (a key unknown, used, expired or for another purpose), or field "
        "errors.",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such session of this user."),
    429: OpenApiResponse(
        ErrorSerializer, description="throttled; Retry-After says when to try again."
    ),
    503: OpenApiResponse(
        ErrorSerializer,
        description=(
            "service_unavailable: the database cannot be reached or a write to it failed; "
            "Retry-After set, nothing was issued."
        ),
    ),
}


NO_CONTENT = OpenApiResponse(description="Done; no body.")


def responses(success, *statuses: int | str) -> dict:
    """``success`` and the error responses named: a status, or a variant like ``"403-recent"``.

    ``success`` is ``{status: response}``, the body of a 200 alone, or 204 (done, no body).
    """
    if isinstance(success, int):
        success = {204: NO_CONTENT}
    elif not isinstance(success, dict):
        success = {200: success}
    return {
        **success,
        **{int(str(status).split("-")[0]): ERRORS[status] for status in statuses},
    }


# The groups of the API's documentation, by task; SPECTACULAR_SETTINGS["TAGS"] orders and
# describes them.
LOGIN = ("Login",)
SESSIONS = ("Sessions",)
ACCOUNT = ("Account",)
ACCOUNTS = ("Sign-up and recovery",)
MFA_TAGS = ("Second factors",)
SOCIAL = ("Social login",)
OAUTH = ("Token services",)
OPERATIONS = ("Operations",)

REVOKED = OpenApiResponse(description="Revoked, or the token was not live (RFC 7009).")
NOT_READY = OpenApiResponse(
    NotReadySerializer,
    description="service_unavailable: `failed` names what did not answer in time.",
)
EXPOSITION = {
    (200, "text/plain"): OpenApiResponse(
        OpenApiTypes.STR, description="Prometheus text exposition."
    ),
    (200, "application/openmetrics-text"): OpenApiResponse(
        OpenApiTypes.STR, description="OpenMetrics, when the Accept header asks for it."
    ),
}


# Each view's documentation: ``@document(...)`` above its class -------------------------------

View = TypeVar("View", bound=type[APIView])


def document(
    summary: str, answers: dict, method: str = "post", *, tags: Sequence[str], **options
) -> Callable[[View], View]:
    """A view's documentation, as a decorator of its class: ``extend_schema`` of its ``method``
    (one decorator a method where a view answers several).

    No ``request`` needed: drf-spectacular reads the body from the view's serializer, and
    ``NoBodySerializer``, having no fields, documents none.
    """
    return extend_schema_view(
        **{method: extend_schema(summary=summary, responses=answers, tags=tags, **options)}
    )


class JSONUnlessReadingMixin(APIView):
    """The document's views render YAML or an HTML template; anything but GET and HEAD gets JSON.

    ``OPTIONS`` (DRF's metadata) and the 405 of other methods would otherwise go through the
    page's renderer: Swagger UI's template renderer fails on them (a 500), the YAML renderer
    answers an error in YAML instead of the contract's JSON body.
    """

    def get_renderers(self):
        if self.request.method in ("GET", "HEAD"):
            return super().get_renderers()
        return [JSONRenderer()]


class SchemaView(JSONUnlessReadingMixin, SpectacularAPIView):
    """``/api/schema/``: the OpenAPI document."""


class SwaggerView(JSONUnlessReadingMixin, SpectacularSwaggerView):
    """``/api/docs/``: Swagger UI over the document."""
