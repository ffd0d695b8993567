"""Endpoints for other services: revocation (RFC 7009), introspection (RFC 7662) and the JWKS.

Both token endpoints find sessions as every other endpoint does
(``tokens.core.lookup.live_session``), and revoking a token revokes its whole session.
"""

from functools import partial

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tokens import schema
from tokens.core import signing_keys, tokens
from tokens.core.lookup import live_session
from tokens.core.revocation import revoke
from tokens.exceptions import (
    AuthError,
    StoreUnavailableError,
    TokenError,
)
from tokens.models import Session
from tokens.schema import (
    REVOKED,
    IntrospectionSerializer,
    JSONWebKeySetSerializer,
    responses,
)
from tokens.serializers import TokenRequestSerializer
from tokens.users import user_pk
from tokens.views import AuthAPIView, TokenEndpoint

# The RFC 7009 section 2.1 hint values this service knows; the hint never changes the outcome.
TOKEN_TYPE_HINTS = ("access_token", "refresh_token")

# The OpenAPI document lists these endpoints under one tag.
document = partial(schema.document, tags=schema.OAUTH)


class CanIntrospect(BasePermission):
    """Staff, or users granted ``tokens.introspect_token``."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_staff or user.has_perm("tokens.introspect_token"))
        )


def verified_token(raw: str) -> tokens.BaseToken | None:
    """``raw`` verified as an access or a refresh token (signature, claims, expiry), else None.

    The token says its own type, so a ``token_type_hint`` is not needed to find it (RFC 7009 2.1).
    """
    try:
        return tokens.decode_either(raw)
    except TokenError:
        return None


@document("RFC 7009 revocation: the token's session ends", responses(REVOKED, 400, 503))
class RevokeView(TokenEndpoint):
    """RFC 7009: revoke the session of an access or refresh token; 200 whatever the token was."""

    serializer_class = TokenRequestSerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        token = verified_token(serializer.validated_data["token"])
        if token is not None:
            own = Session.objects.filter(pk=token["sid"], user_id=user_pk(token["sub"]))
            revoke(own, Session.RevokeReason.RFC7009, request)
        # RFC 7009 section 2.2: an invalid or unknown token is answered with 200 too.
        return Response(status=200)


@method_decorator(never_cache, name="dispatch")
@document(
    "RFC 7662 introspection (staff or the tokens.introspect_token permission)",
    responses(IntrospectionSerializer, 400, 401, 403, 503),
)
class IntrospectView(AuthAPIView):
    """RFC 7662: whether a token is live now and, if so, its claims."""

    permission_classes = (CanIntrospect,)
    serializer_class = TokenRequestSerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        return Response(introspection(serializer.validated_data["token"]))


def introspection(raw: str) -> dict:
    """The RFC 7662 response for ``raw``: ``{"active": false}`` unless it would be honoured now."""
    inactive = {"active": False}
    try:
        token = verified_token(raw)
        if token is None:
            return inactive
        # The same check as an authenticated request.
        session = live_session(token)
    except StoreUnavailableError:
        raise
    except AuthError:
        return inactive
    if token["token_type"] == tokens.REFRESH and session.refresh_jti != token["jti"]:
        # Consumed by a rotation: only the newest refresh token of a session is usable.
        return inactive
    return {
        "active": True,
        "token_type": token["token_type"],
        "sub": token["sub"],
        "username": session.username,
        "sid": token["sid"],
        "iat": token["iat"],
        "exp": token["exp"],
    }


# RFC 7009 and RFC 7662, included among the app's URLs (tokens.urls).
@document(
    "Public keys of access tokens (empty with HS256)",
    responses(JSONWebKeySetSerializer),
    "get",
    operation_id="jwks",
)
class JWKSView(AuthAPIView):
    """The public keys that verify access tokens (RFC 7517); an empty set with HS256."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    renderer_classes = (JSONRenderer,)

    def get(self, request):
        response = Response(signing_keys.keyring().jwks())
        # Short: after a rotation verifiers fetch again anyway when they meet an unknown kid.
        response["Cache-Control"] = "public, max-age=60"
        return response
