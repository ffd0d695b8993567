"""The OpenAPI description of the API (drf-spectacular), kept out of the views.

The bearer scheme of ``AccessTokenAuthentication`` (so Swagger UI's Authorize works), and for
every endpoint its request and response bodies and the error responses of the API contract.
Imported from ``TokensConfig.ready()``, which registers these extensions.
"""

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiViewExtension,
)
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

from tokens.serializers import (
    CurrentSessionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    RefreshSerializer,
    SessionSerializer,
    TokenRequestSerializer,
    UserSerializer,
)


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


# Response bodies (for the document only) ---------------------------------------------------

# The ``token_type`` of an introspected token (its claim).
INTROSPECTED_TOKEN_TYPES = ("access", "refresh")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A sentence for a person.")
    code = serializers.CharField(
        help_text="A machine code of the API contract, e.g. token_expired."
    )


@extend_schema_field(
    {"type": "string", "pattern": "^Bearer$", "description": "Always Bearer (RFC 6750)."}
)
class BearerTypeField(serializers.CharField):
    """The pair's ``token_type``: a pattern, not an enum, so its name cannot collide with the
    introspected ``token_type`` enum (drf-spectacular names enums by field name)."""


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = BearerTypeField()
    expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    refresh_expires_in = serializers.IntegerField(
        help_text="Seconds the refresh token lives unless rotated."
    )
    session_id = serializers.UUIDField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


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
        choices=("ok", "degraded"), help_text="degraded: serving from the database alone."
    )
    checks = serializers.DictField(
        child=serializers.ChoiceField(choices=("ok", "unavailable")),
        help_text="Each dependency: database, redis.",
    )


class NotReadySerializer(ErrorSerializer):
    failed = serializers.ListField(
        child=serializers.ChoiceField(choices=("database", "redis")),
        help_text="The dependencies that did not answer in time.",
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
        description="not_authenticated, invalid_credentials or a token_* code; "
        "WWW-Authenticate names the Bearer scheme.",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="permission_denied, or csrf_failed for a cookie-authenticated unsafe request.",
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


def responses(success: dict, *statuses: int) -> dict:
    return {**success, **{status: ERRORS[status] for status in statuses}}


NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}
AUTH = ("auth",)
OAUTH = ("oauth",)
OPERATIONS = ("operations",)

# Each view's documentation, by dotted path: methods and their ``extend_schema`` arguments.
VIEWS = {
    "tokens.views.LoginView": {
        "post": extend_schema(
            tags=AUTH,
            request=LoginSerializer,
            responses=responses({200: LoginResponseSerializer}, 400, 401, 429, 503),
            summary="Log in with a username or e-mail address and a password",
        )
    },
    "tokens.views.RefreshView": {
        "post": extend_schema(
            tags=AUTH,
            request=RefreshSerializer,
            responses=responses({200: TokenPairSerializer}, 400, 401, 403, 429, 503),
            summary="Rotate a refresh token (body, Authorization: Bearer or cookie) into a new "
            "pair",
        )
    },
    "tokens.views.LogoutView": {
        "post": extend_schema(
            tags=AUTH,
            request=RefreshSerializer,
            responses=responses(NO_CONTENT, 400, 401, 403, 503),
            summary="End this session, given its access token or a refresh token",
        )
    },
    "tokens.views.LogoutAllView": {
        "post": extend_schema(
            tags=AUTH,
            request=None,
            responses=responses(NO_CONTENT, 401, 403, 503),
            summary="End every session of the user",
        )
    },
    "tokens.views.SessionListView": {
        "get": extend_schema(
            tags=AUTH,
            responses=responses({200: SessionSerializer(many=True)}, 401, 403, 503),
            summary="The user's live sessions",
        )
    },
    "tokens.views.SessionDetailView": {
        "delete": extend_schema(
            tags=AUTH,
            responses=responses(NO_CONTENT, 401, 403, 404, 503),
            summary="Revoke one of the user's sessions",
        )
    },
    "tokens.views.SessionView": {
        "get": extend_schema(
            tags=AUTH,
            responses=responses({200: CurrentSessionSerializer}, 401, 403, 503),
            summary="The current session, from the token and Redis alone (no SQL)",
        )
    },
    "tokens.views.MeView": {
        "get": extend_schema(
            tags=AUTH,
            responses=responses({200: ProfileSerializer}, 401, 403, 503),
            summary="The user's profile",
        ),
        "patch": extend_schema(
            tags=AUTH,
            responses=responses({200: ProfileSerializer}, 400, 401, 403, 503),
            summary="Change e-mail and names",
        ),
    },
    "tokens.views.PasswordView": {
        "post": extend_schema(
            tags=AUTH,
            request=PasswordChangeSerializer,
            responses=responses(NO_CONTENT, 400, 401, 403, 503),
            summary="Change the password; every other session is revoked",
        )
    },
    "tokens.oauth.RevokeView": {
        "post": extend_schema(
            tags=OAUTH,
            request=TokenRequestSerializer,
            responses=responses(
                {
                    200: OpenApiResponse(
                        description="Revoked, or the token was not live (RFC 7009)."
                    )
                },
                400,
                503,
            ),
            summary="RFC 7009 revocation: the token's session ends",
        )
    },
    "tokens.oauth.IntrospectView": {
        "post": extend_schema(
            tags=OAUTH,
            request=TokenRequestSerializer,
            responses=responses({200: IntrospectionSerializer}, 400, 401, 403, 503),
            summary="RFC 7662 introspection (staff or the tokens.introspect_token permission)",
        )
    },
    "tokens.oauth.JWKSView": {
        "get": extend_schema(
            tags=OAUTH,
            operation_id="jwks",
            responses={200: JSONWebKeySetSerializer},
            summary="Public keys of access tokens (empty with HS256)",
        )
    },
    "tokens.operations.health.HealthView": {
        "get": extend_schema(
            tags=OPERATIONS,
            operation_id="healthz",
            responses={200: HealthSerializer},
            summary="Liveness: the process answers (touches neither the database nor Redis)",
        )
    },
    "tokens.operations.health.ReadyView": {
        "get": extend_schema(
            tags=OPERATIONS,
            operation_id="readyz",
            responses={
                200: ReadinessSerializer,
                503: OpenApiResponse(
                    NotReadySerializer,
                    description="service_unavailable: `failed` names what did not answer in time.",
                ),
            },
            summary=(
                "Readiness: the database answers within its timeout (status degraded while Redis "
                "does not)"
            ),
        )
    },
    "tokens.operations.exposition.MetricsView": {
        "get": extend_schema(
            tags=OPERATIONS,
            operation_id="metrics",
            responses={
                (200, "text/plain"): OpenApiResponse(
                    OpenApiTypes.STR, description="Prometheus text exposition."
                ),
                (200, "application/openmetrics-text"): OpenApiResponse(
                    OpenApiTypes.STR, description="OpenMetrics, when the Accept header asks for it."
                ),
                **responses({}, 401, 403, 503),
            },
            summary="Prometheus metrics (access: METRICS_ACCESS open, bearer or staff)",
        )
    },
}


def _view_extension(path: str, methods: dict) -> type[OpenApiViewExtension]:
    class Documented(OpenApiViewExtension):
        target_class = path

        def view_replacement(self):
            return extend_schema_view(**methods)(type(self.target.__name__, (self.target,), {}))

    return Documented


EXTENSIONS = tuple(_view_extension(path, methods) for path, methods in VIEWS.items())


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
