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

from tokens.lifecycle.serializers import (
    AcceptedSerializer,
    AddressSerializer,
    KeySerializer,
    PasswordResetConfirmSerializer,
    RegisterSerializer,
    VerifiedSerializer,
)
from tokens.mfa.serializers import (
    CodeSerializer,
    MfaLoginSerializer,
    MfaRequiredSerializer,
    MfaStatusSerializer,
    PasskeyCreatedSerializer,
    PasskeyCreateSerializer,
    PasskeyLoginOptionsSerializer,
    PasskeyLoginSerializer,
    PublicKeyOptionsSerializer,
    ReauthenticateSerializer,
    RecoveryCodesSerializer,
    TotpConfirmedSerializer,
    TotpSetupSerializer,
)
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
        description="permission_denied, csrf_failed for a cookie-authenticated unsafe request, or "
        "(login) email_unverified.",
    ),
    "403-recent": OpenApiResponse(
        ErrorSerializer,
        description="reauthentication_required: the access token's auth_time is older than "
        "REAUTHENTICATION_WINDOW (call reauthenticate/); permission_denied or csrf_failed.",
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


def responses(success: dict, *statuses: int | str) -> dict:
    """``success`` and the error responses named: a status, or a variant like ``"403-recent"``."""
    return {
        **success,
        **{int(str(status).split("-")[0]): ERRORS[status] for status in statuses},
    }


NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}
VERIFICATION_SENT = {
    202: OpenApiResponse(
        AcceptedSerializer, description="verification_sent, whoever the address belongs to."
    )
}
INVALID_KEY = OpenApiResponse(
    VALIDATION_ERROR | {"properties": {"detail": {"type": "string"}, "code": {"type": "string"}}},
    description="invalid_key (a key unknown, used, expired or for another purpose), or field "
    "errors.",
)
ACCOUNTS = ("accounts",)
AUTH = ("auth",)
OAUTH = ("oauth",)
OPERATIONS = ("operations",)
MFA_TAGS = ("second factors",)


def operation(summary: str, answers: dict, method: str = "post", **options) -> dict:
    """A view's documentation: ``extend_schema`` of its ``method`` (tags ``AUTH`` unless given)."""
    return {method: extend_schema(summary=summary, responses=answers, **{"tags": AUTH, **options})}


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

# Each view's documentation, by dotted path: methods and their ``extend_schema`` arguments.
VIEWS = {
    "tokens.views.LoginView": operation(
        "Log in with a username or e-mail address and a password",
        {
            **responses({200: LoginResponseSerializer}, 400, 401, 429, 503),
            403: OpenApiResponse(
                MfaRequiredSerializer,
                description="mfa_required: the password is right and the user has a second "
                "factor, finish at login/mfa/ with the mfa_token; email_unverified: the "
                "address is not verified yet (detail and code only); csrf_failed.",
            ),
        },
        request=LoginSerializer,
    ),
    "tokens.views.RefreshView": operation(
        "Rotate a refresh token (body, Authorization: Bearer or cookie) into a new pair",
        responses({200: TokenPairSerializer}, 400, 401, 403, 429, 503),
        request=RefreshSerializer,
    ),
    "tokens.views.LogoutView": operation(
        "End this session, given its access token or a refresh token",
        responses(NO_CONTENT, 400, 401, 403, 503),
        request=RefreshSerializer,
    ),
    "tokens.views.LogoutAllView": operation(
        "End every session of the user", responses(NO_CONTENT, 401, 403, 503), request=None
    ),
    "tokens.views.LogoutOthersView": operation(
        "End every session of the user but this one (recent authentication)",
        responses(NO_CONTENT, 401, "403-recent", 503),
        request=None,
    ),
    "tokens.views.SessionListView": operation(
        "The user's live sessions",
        responses({200: SessionSerializer(many=True)}, 401, 403, 503),
        "get",
    ),
    "tokens.views.SessionDetailView": operation(
        "Revoke one of the user's sessions (another than this one: recent authentication)",
        responses(NO_CONTENT, 401, "403-recent", 404, 503),
        "delete",
    ),
    "tokens.views.SessionView": operation(
        "The current session, from the token and Redis alone (no SQL)",
        responses({200: CurrentSessionSerializer}, 401, 403, 503),
        "get",
    ),
    "tokens.views.MeView": {
        **operation(
            "The user's profile", responses({200: ProfileSerializer}, 401, 403, 503), "get"
        ),
        "patch": extend_schema(
            tags=AUTH,
            responses=responses({200: ProfileSerializer}, 400, 401, 403, 503),
            summary="Change names (the address changes through email/change/)",
        ),
    },
    "tokens.views.PasswordView": operation(
        "Change the password; every other session is revoked",
        responses(NO_CONTENT, 400, 401, 403, 503),
        request=PasswordChangeSerializer,
    ),
    "tokens.lifecycle.views.RegisterView": operation(
        "Sign up; the same answer whether or not the address has an account",
        responses(VERIFICATION_SENT, 400, 429, 503),
        request=RegisterSerializer,
        tags=ACCOUNTS,
    ),
    "tokens.lifecycle.views.VerifyEmailView": operation(
        "Verify an address with the mailed key (a sign-up, or an e-mail change)",
        {
            200: VerifiedSerializer,
            400: INVALID_KEY,
            503: ERRORS[503],
        },
        request=KeySerializer,
        tags=ACCOUNTS,
    ),
    "tokens.lifecycle.views.ResendVerificationView": operation(
        "Mail a new verification link; the same answer for any address",
        responses(VERIFICATION_SENT, 400, 429, 503),
        request=AddressSerializer,
        tags=ACCOUNTS,
    ),
    "tokens.lifecycle.views.PasswordResetView": operation(
        "Mail a password reset link; the same answer for any address",
        responses(
            {202: OpenApiResponse(AcceptedSerializer, description="reset_sent, for any address.")},
            400,
            429,
            503,
        ),
        request=AddressSerializer,
        tags=ACCOUNTS,
    ),
    "tokens.lifecycle.views.PasswordResetConfirmView": operation(
        "Set a new password with the mailed key; every session of the user ends",
        {
            **NO_CONTENT,
            400: INVALID_KEY,
            503: ERRORS[503],
        },
        request=PasswordResetConfirmSerializer,
        tags=ACCOUNTS,
    ),
    "tokens.lifecycle.views.EmailChangeView": operation(
        "Move the account to a new address once the mailed key is verified; recent authentication",
        responses(VERIFICATION_SENT, 400, 401, "403-recent", 429, 503),
        request=AddressSerializer,
        tags=ACCOUNTS,
    ),
    "tokens.mfa.views.MfaStatusView": operation(
        "The user's second factors",
        responses({200: MfaStatusSerializer}, 401, 403, 503),
        "get",
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.TotpView": {
        **operation(
            "A pending TOTP secret (active once confirmed); recent authentication",
            responses({200: TotpSetupSerializer}, 401, "403-recent", 503),
            request=None,
            tags=MFA_TAGS,
        ),
        **operation(
            "Remove TOTP; recent authentication",
            responses(NO_CONTENT, 401, "403-recent", 503),
            "delete",
            tags=MFA_TAGS,
        ),
    },
    "tokens.mfa.views.TotpConfirmView": operation(
        "Confirm the pending TOTP secret with a code",
        responses({200: TotpConfirmedSerializer}, "400-code", 401, 403, 503),
        request=CodeSerializer,
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.RecoveryCodesView": operation(
        "A new set of recovery codes (the old ones stop working); recent authentication",
        responses({200: RecoveryCodesSerializer}, 400, 401, "403-recent", 503),
        request=None,
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.PasskeyOptionsView": operation(
        "Creation options for a new passkey; recent authentication",
        responses({200: PublicKeyOptionsSerializer}, 401, "403-recent", 503),
        request=None,
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.PasskeyListView": operation(
        "Register a passkey answering the creation options",
        responses({201: PasskeyCreatedSerializer}, "400-code", 401, 403, 503),
        request=PasskeyCreateSerializer,
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.PasskeyDetailView": operation(
        "Remove one of the user's passkeys; recent authentication",
        responses(NO_CONTENT, 401, "403-recent", 404, 503),
        "delete",
        tags=MFA_TAGS,
    ),
    "tokens.mfa.views.LoginMfaView": operation(
        "Finish a login with its mfa_token and a code or a passkey answer",
        responses({200: LoginResponseSerializer}, "400-code", 401, 429, 503),
        request=MfaLoginSerializer,
    ),
    "tokens.mfa.views.PasskeyLoginOptionsView": operation(
        "Request options for a login with any discoverable passkey",
        responses({200: PasskeyLoginOptionsSerializer}, 429, 503),
        request=None,
    ),
    "tokens.mfa.views.PasskeyLoginView": operation(
        "Log in with a passkey alone (user verification required)",
        responses({200: LoginResponseSerializer}, "400-code", 429, 503),
        request=PasskeyLoginSerializer,
    ),
    "tokens.mfa.views.ReauthenticateView": operation(
        "Prove a credential again: a new pair for this session, a fresh auth_time",
        responses({200: TokenPairSerializer}, "400-code", 401, 403, 429, 503),
        request=ReauthenticateSerializer,
    ),
    "tokens.oauth.RevokeView": operation(
        "RFC 7009 revocation: the token's session ends",
        responses({200: REVOKED}, 400, 503),
        request=TokenRequestSerializer,
        tags=OAUTH,
    ),
    "tokens.oauth.IntrospectView": operation(
        "RFC 7662 introspection (staff or the tokens.introspect_token permission)",
        responses({200: IntrospectionSerializer}, 400, 401, 403, 503),
        request=TokenRequestSerializer,
        tags=OAUTH,
    ),
    "tokens.oauth.JWKSView": operation(
        "Public keys of access tokens (empty with HS256)",
        {200: JSONWebKeySetSerializer},
        "get",
        tags=OAUTH,
        operation_id="jwks",
    ),
    "tokens.operations.health.HealthView": operation(
        "Liveness: the process answers (touches neither the database nor Redis)",
        {200: HealthSerializer},
        "get",
        tags=OPERATIONS,
        operation_id="healthz",
    ),
    "tokens.operations.health.ReadyView": operation(
        "Readiness: the database answers within its timeout (status degraded while Redis does not)",
        {200: ReadinessSerializer, 503: NOT_READY},
        "get",
        tags=OPERATIONS,
        operation_id="readyz",
    ),
    "tokens.operations.exposition.MetricsView": operation(
        "Prometheus metrics (access: METRICS_ACCESS open, bearer or staff)",
        {**EXPOSITION, **responses({}, 401, 403, 503)},
        "get",
        tags=OPERATIONS,
        operation_id="metrics",
    ),
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
