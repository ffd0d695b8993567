"""The auth endpoints of the API contract. Thin: validation in serializers, work in services.

Long: each view carries its documentation (summary, answers, group) above it; split, the login,
session and account views would share their base classes across modules.
"""

from collections.abc import Sequence
from typing import Any, cast

from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework import generics, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from tokens import flows
from tokens.adapter import get_adapter
from tokens.authentication import AccessTokenAuthentication, bearer_token
from tokens.browser import origin
from tokens.browser.cookies import (
    access_cookie_name,
    clear_token_cookies,
    refresh_cookie_name,
    set_token_cookies,
    without_tokens,
)
from tokens.conf import token_settings
from tokens.core import clock
from tokens.core.database import retry_read
from tokens.core.events import record_event
from tokens.core.logout import logout
from tokens.core.revocation import revoke, revoke_all
from tokens.core.rotation import rotate
from tokens.exceptions import (
    InvalidCredentialsError,
    ReauthenticationRequired,
    www_authenticate,
)
from tokens.handlers import exception_handler
from tokens.mfa.serializers import MFA_REQUIRED
from tokens.models import AuthEvent, Session
from tokens.operations import metrics
from tokens.parsers import JSONParser
from tokens.permissions import (
    RecentAuthentication,
    RecentSecondFactorWhenEnrolled,
    authenticated_recently,
)
from tokens.renderers import LoginPageRenderer
from tokens.schema import (
    ACCOUNT,
    LOGIN,
    SESSIONS,
    TokenPairSerializer,
    document,
    responses,
)
from tokens.serializers import (
    MAX_TOKEN_LENGTH,
    CurrentSessionSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    NoBodySerializer,
    PasswordChangeSerializer,
    ProfileReadSerializer,
    ProfileSerializer,
    RefreshSerializer,
    SessionSerializer,
)
from tokens.throttling import (
    LoginIPThrottle,
    RefreshIPThrottle,
    check_password,
)


class AuthAPIView(generics.GenericAPIView):
    """Base of the app's views: its own authentication, parsers and error shape, whatever the
    project's DRF settings; serializers through ``get_serializer()``, so a subclass (or a setting)
    can swap them.
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = (AccessTokenAuthentication,)
    permission_classes: Sequence[type[BasePermission]] = (IsAuthenticated,)
    # The deep-JSON guard too, not only where a project's DEFAULT_PARSER_CLASSES names it.
    parser_classes: Sequence[type[BaseParser]] = (JSONParser, FormParser, MultiPartParser)
    serializer_class: type[BaseSerializer] = NoBodySerializer

    def get_exception_handler(self):
        # The app's errors keep the contract's {detail, code} shape without the project's
        # EXCEPTION_HANDLER.
        return exception_handler

    def get_authenticate_header(self, request):
        # Always name the scheme, so DRF keeps a failed authentication a 401 (RFC 6750).
        return www_authenticate()

    def valid_serializer(self, request) -> BaseSerializer:
        """The view's serializer of the request's body, validated (else a 400 with field errors)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer

    def presented_token(self, request, *cookie_names: str) -> str:
        """A token from the body, else the Authorization header, else a cookie (CSRF-checked)."""
        return self.presented(request, *cookie_names)[0]

    def presented(self, request, *cookie_names: str) -> tuple[str, bool]:
        """``presented_token()`` and whether it came from a cookie."""
        token = _plain_body_token(request.data)
        if token is None:
            token = self.valid_serializer(request).validated_data.get("refresh_token")
        token = token or bearer_token(request)
        if token:
            return token, False
        if token_settings.COOKIE_TRANSPORT:
            for name in cookie_names:
                if request.COOKIES.get(name):
                    AccessTokenAuthentication().enforce_csrf(request)
                    return request.COOKIES[name], True
        raise NotAuthenticated(_("No token was presented."))


def _plain_body_token(data) -> str | None:
    """The body's ``refresh_token`` when it is a plain string ``RefreshSerializer`` would accept
    unchanged; None for anything else, which the serializer then validates as before.

    A refresh's body is nearly always exactly that, and building a serializer to say so costs more
    than the rest of the view.
    """
    token = data.get("refresh_token") if type(data) is dict else None
    if (
        type(token) is str
        and 0 < len(token) <= MAX_TOKEN_LENGTH
        # The serializer's own refusals (null characters, surrogates) are left to it.
        and token.isascii()
        and "\x00" not in token
        and not token[0].isspace()
        and not token[-1].isspace()
    ):
        return token
    return None


@method_decorator(never_cache, name="dispatch")
class TokenEndpoint(AuthAPIView):
    """A view whose request carries its credentials (a password, a token) in itself: no
    authentication asked, and no answer stored by a cache.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    # True on the views that open a session in the browser that asks (login-type views): their
    # unsafe requests must come from this site (tokens.browser.origin).
    same_site_only = False

    def initial(self, request, *args, **kwargs):
        # Before the throttles, so that another site's requests spend nobody's allowance; not in
        # check_permissions(), which the browsable API also asks whether to show its form.
        if self.same_site_only and request.method not in SAFE_METHODS:
            origin.refuse_cross_site(request)
        super().initial(request, *args, **kwargs)


@document(
    "Log in with a username or e-mail address and a password",
    {**responses(LoginResponseSerializer, 400, 401, 429, 503), 403: MFA_REQUIRED},
    tags=LOGIN,
)
class LoginView(TokenEndpoint):
    """Log in with a username or e-mail address and a password; returns a token pair."""

    throttle_classes = (LoginIPThrottle,)
    renderer_classes = (JSONRenderer, LoginPageRenderer)
    same_site_only = True

    def get_serializer_class(self):
        """A subclass's own ``serializer_class``, else ``LOGIN_SERIALIZER``: it validates the body
        and offers ``identifier``, the name tried.
        """
        if self.serializer_class is not AuthAPIView.serializer_class:
            return self.serializer_class
        return token_settings.imported("LOGIN_SERIALIZER")

    def post(self, request):
        serializer = cast(LoginSerializer, self.valid_serializer(request))
        door = flows.PasswordDoor(serializer.identifier, serializer.validated_data["password"])
        return flows.login(request, door)

    def throttled(self, request, wait):
        metrics.LOGINS.labels("throttled").inc()
        super().throttled(request, wait)


@document(
    "Rotate a refresh token (body, Authorization: Bearer or cookie) into a new pair",
    responses(TokenPairSerializer, 400, 401, 403, 429, 503),
    tags=LOGIN,
)
class RefreshView(TokenEndpoint):
    """Exchange a refresh token for a new pair (rotation); the presented token is consumed."""

    throttle_classes = (RefreshIPThrottle,)
    serializer_class = RefreshSerializer
    # A page of another site could otherwise post the attacker's refresh token and leave the
    # attacker's session in the browser's cookies.
    same_site_only = True

    def post(self, request):
        raw, from_cookie = self.presented(request, refresh_cookie_name())
        body = rotate(request, raw).body()
        # A token the page's scripts could not read stays out of their reach: its successors
        # travel in the cookies alone (a racing tab's replay in the grace window too).
        response = Response(without_tokens(body) if from_cookie else body)
        set_token_cookies(response, body)
        return response


@document(
    "End this session, given its access token or a refresh token",
    responses(204, 400, 401, 403, 503),
    tags=SESSIONS,
)
class LogoutView(TokenEndpoint):
    """End this session: its access and refresh tokens are refused from the next request on."""

    serializer_class = RefreshSerializer

    def post(self, request):
        raw = self.presented_token(request, access_cookie_name(), refresh_cookie_name())
        logout(request, raw)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response


@method_decorator(never_cache, name="dispatch")
@document("End every session of the user", responses(204, 401, 403, 503), tags=SESSIONS)
class LogoutAllView(AuthAPIView):
    """End every session of the user, this one included."""

    def post(self, request):
        revoke_all(request.user, Session.RevokeReason.LOGOUT_ALL, request=request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response


@method_decorator(never_cache, name="dispatch")
@document(
    "End every session of the user but this one (recent authentication)",
    responses(204, 401, "403-recent", 503),
    tags=SESSIONS,
)
class LogoutOthersView(AuthAPIView):
    """End every session of the user but this one."""

    # Ending the other sessions is sensitive: a thief holding this one would end the owner's.
    permission_classes = (IsAuthenticated, RecentAuthentication)

    def post(self, request):
        revoke_all(
            request.user,
            Session.RevokeReason.USER_REVOKED,
            keep_session_id=request.auth["sid"],
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@document(
    "The user's live sessions",
    responses(SessionSerializer(many=True), 401, 403, 503),
    "get",
    tags=SESSIONS,
)
class SessionListView(AuthAPIView):
    """The user's live sessions (devices); "current" marks the one making this request."""

    serializer_class = SessionSerializer

    def get_serializer_context(self):
        token: Any = self.request.auth
        return {**super().get_serializer_context(), "current_session_id": token["sid"]}

    def get_queryset(self):
        return Session.objects.live().filter(user_id=self.request.user.pk)

    def get(self, request):
        # A read: retried once on a fresh connection if the database dropped the old one.
        sessions = retry_read(lambda: list(self.get_queryset()))
        return Response(self.get_serializer(sessions, many=True).data)


@document(
    "Revoke one of the user's sessions (another than this one: recent authentication)",
    responses(204, 401, "403-recent", 404, 503),
    "delete",
    tags=SESSIONS,
)
class SessionDetailView(AuthAPIView):
    """Revoke one of the user's own sessions (another than this one after a recent
    authentication); any other id is 404.
    """

    def delete(self, request, session_id):
        # Ending another session is sensitive (a thief would end the owner's); this one is a logout.
        if str(session_id) != request.auth["sid"] and not authenticated_recently(request):
            raise ReauthenticationRequired()
        own = Session.objects.live().filter(user_id=request.user.pk, pk=session_id)
        if not revoke(own, Session.RevokeReason.USER_REVOKED, request):
            raise NotFound(_("No such session."))
        return Response(status=status.HTTP_204_NO_CONTENT)


@document(
    "The current session, from the token and Redis alone (no SQL)",
    responses(CurrentSessionSerializer, 401, 403, 503),
    "get",
    tags=SESSIONS,
)
class SessionView(AuthAPIView):
    """The session of this access token: answered from the token and Redis, without SQL."""

    serializer_class = CurrentSessionSerializer

    def get(self, request):
        token, copy = request.auth, request.auth.session
        body = {
            "session_id": token["sid"],
            "user": {"id": request.user.pk, "username": request.user.get_username()},
            "access_expires_at": clock.to_iso(token["exp"]),
            "session_expires_at": clock.to_iso(copy.usable_until),
        }
        # No serializer on the way out: it would cost more than the rest of the request (the
        # times are written as the renderer writes datetimes); ``serializer_class`` documents
        # the shape.
        return Response(body)


@document("The user's profile", responses(ProfileSerializer, 401, 403, 503), "get", tags=ACCOUNT)
@document(
    "Change names (the address changes through email/change/)",
    responses(ProfileSerializer, 400, 401, 403, 503),
    "patch",
    tags=ACCOUNT,
)
class MeView(AuthAPIView, generics.RetrieveUpdateAPIView):
    """The signed-in user's profile; PATCH changes names (a new address goes through
    ``email/change/``).
    """

    serializer_class = ProfileSerializer
    http_method_names = ("get", "patch", "head", "options")

    def get_serializer_class(self):
        return ProfileReadSerializer if self.request.method in SAFE_METHODS else ProfileSerializer

    def get_object(self):
        return self.request.user

    def retrieve(self, request, *args, **kwargs):
        if self.get_serializer_class() is ProfileReadSerializer:
            return Response(ProfileReadSerializer.shared().to_representation(self.get_object()))
        return super().retrieve(request, *args, **kwargs)


@document(
    "Change the password; every other session is revoked (with a second factor: recent "
    "authentication with it)",
    responses(204, 400, 401, "403-recent", 429, 503),
    tags=ACCOUNT,
)
class PasswordView(AuthAPIView):
    """Change the password; every other session of the user is revoked."""

    # The old password proves nothing more than the password: with a second factor, a thief
    # holding the session and the password must not lock the owner out.
    permission_classes = (IsAuthenticated, RecentSecondFactorWhenEnrolled)
    serializer_class = PasswordChangeSerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        data = serializer.validated_data
        # The old password is a secret a stolen access token could guess at: limited and recorded
        # as a failed login of the account, whatever door it is given at.
        try:
            check_password(request, request.user, data["old_password"], "password change")
        except InvalidCredentialsError:
            raise ValidationError(
                {"old_password": [_("The current password is not correct.")]}
            ) from None
        # One transaction: if the other sessions cannot be revoked, the password is not changed
        # either.
        with transaction.atomic():
            request.user.set_password(data["new_password"])
            request.user.save(update_fields=["password"])
            revoke_all(
                request.user,
                Session.RevokeReason.PASSWORD_CHANGED,
                keep_session_id=request.auth["sid"],
                request=request,
            )
            record_event(AuthEvent.Kind.PASSWORD_CHANGED, request, request.user)
        get_adapter().notify(request.user, "password_changed", {"reset": False}, request)
        return Response(status=status.HTTP_204_NO_CONTENT)
