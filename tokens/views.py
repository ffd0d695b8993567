"""The auth endpoints of the API contract. Thin: validation in serializers, work in services."""

from collections.abc import Sequence

from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.defaults import bad_request, page_not_found, server_error
from rest_framework import generics, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.authentication import AccessTokenAuthentication, bearer_token
from tokens.browser import binding, device_cookies
from tokens.browser.cookies import clear_token_cookies, set_login_cookies, set_token_cookies
from tokens.conf import token_settings
from tokens.core import clock, services
from tokens.core.database import retry_read
from tokens.exceptions import InvalidCredentialsError, www_authenticate
from tokens.handlers import exception_handler
from tokens.models import AuthEvent, Session
from tokens.operations import metrics
from tokens.renderers import LoginPageRenderer
from tokens.serializers import (
    MAX_TOKEN_LENGTH,
    CurrentSessionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileReadSerializer,
    ProfileSerializer,
    RefreshSerializer,
    SessionSerializer,
    UserSerializer,
)
from tokens.throttling import LoginFailureThrottle, LoginIPThrottle, RefreshIPThrottle


class AuthAPIView(APIView):
    """Base of the app's views: its own authentication and error shape, whatever the project's DRF
    settings.
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = (AccessTokenAuthentication,)
    permission_classes: Sequence[type[BasePermission]] = (IsAuthenticated,)

    def get_exception_handler(self):
        # The app's errors keep the contract's {detail, code} shape without the project's
        # EXCEPTION_HANDLER.
        return exception_handler

    def get_authenticate_header(self, request):
        # Always name the scheme, so DRF keeps a failed authentication a 401 (RFC 6750).
        return www_authenticate()

    def presented_token(self, request, *cookie_names: str) -> str:
        """A token from the body, else the Authorization header, else a cookie (CSRF-checked)."""
        token = _plain_body_token(request.data)
        if token is None:
            serializer = RefreshSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            token = serializer.validated_data.get("refresh_token")
        token = token or bearer_token(request)
        if token:
            return token
        if token_settings.COOKIE_TRANSPORT:
            for name in cookie_names:
                if request.COOKIES.get(name):
                    AccessTokenAuthentication().enforce_csrf(request)
                    return request.COOKIES[name]
        raise NotAuthenticated("No token was presented.")


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
class LoginView(AuthAPIView):
    """Log in with a username or e-mail address and a password; returns a token pair."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (LoginIPThrottle, LoginFailureThrottle)
    renderer_classes = (JSONRenderer, LoginPageRenderer)
    serializer_class = LoginSerializer

    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.identifier
        user = authenticate(request, username=name, password=serializer.validated_data["password"])
        if user is None:
            LoginFailureThrottle().failed(request, name)
            metrics.LOGINS.labels("failed").inc()
            raise InvalidCredentialsError("login failed")
        fingerprint = binding.new_fingerprint() if binding.enabled() else None
        pair = services.login(request, user, fingerprint and binding.digest(fingerprint))
        LoginFailureThrottle().succeeded(request, name)
        metrics.LOGINS.labels("succeeded").inc()
        # Signed in from now on, as Django's own login() does: the browsable API's navbar shows it
        # at once.
        request.user = user
        body = {**pair.body(), "user": UserSerializer(user).data}
        response = Response(body)
        set_login_cookies(request, response, body, fingerprint)
        device_cookies.set_cookie(response, user)
        return response

    def throttled(self, request, wait):
        metrics.LOGINS.labels("throttled").inc()
        super().throttled(request, wait)


@method_decorator(never_cache, name="dispatch")
class RefreshView(AuthAPIView):
    """Exchange a refresh token for a new pair (rotation); the presented token is consumed."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (RefreshIPThrottle,)
    serializer_class = RefreshSerializer

    def post(self, request):
        raw = self.presented_token(request, token_settings.REFRESH_COOKIE_NAME)
        body = services.rotate(request, raw).body()
        response = Response(body)
        set_token_cookies(response, body)
        return response


@method_decorator(never_cache, name="dispatch")
class LogoutView(AuthAPIView):
    """End this session: its access and refresh tokens are refused from the next request on."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    serializer_class = RefreshSerializer

    def post(self, request):
        raw = self.presented_token(
            request, token_settings.ACCESS_COOKIE_NAME, token_settings.REFRESH_COOKIE_NAME
        )
        services.logout(request, raw)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response


@method_decorator(never_cache, name="dispatch")
class LogoutAllView(AuthAPIView):
    """End every session of the user, this one included."""

    def post(self, request):
        services.revoke_all(request.user, Session.RevokeReason.LOGOUT_ALL, request=request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response


class SessionListView(AuthAPIView):
    """The user's live sessions (devices); "current" marks the one making this request."""

    serializer_class = SessionSerializer

    def get(self, request):
        sessions = retry_read(lambda: list(Session.objects.live().filter(user_id=request.user.pk)))
        context = {"current_session_id": request.auth["sid"]}
        return Response(SessionSerializer(sessions, many=True, context=context).data)


class SessionDetailView(AuthAPIView):
    """Revoke one of the user's own sessions; any other id is 404."""

    def delete(self, request, session_id):
        own = Session.objects.live().filter(user_id=request.user.pk, pk=session_id)
        if not services.revoke(own, Session.RevokeReason.USER_REVOKED, request):
            raise NotFound("No such session.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionView(AuthAPIView):
    """The session of this access token: answered from the token and Redis, without SQL."""

    serializer_class = CurrentSessionSerializer

    def get(self, request):
        token, copy = request.auth, request.auth.session
        body = {
            "session_id": token["sid"],
            "user": {"id": request.user.pk, "username": request.user.get_username()},
            "access_expires_at": clock.to_datetime(token["exp"]),
            "session_expires_at": clock.to_datetime(min(copy.ends_at, copy.idle_ends_at)),
        }
        # No serializer on the way out: it would cost more than the rest of the request (the
        # renderer writes the datetimes as ISO 8601); ``serializer_class`` documents the shape.
        return Response(body)


class MeView(AuthAPIView, generics.RetrieveUpdateAPIView):
    """The signed-in user's profile; PATCH changes e-mail and names."""

    serializer_class = ProfileSerializer
    http_method_names = ("get", "patch", "head", "options")

    def get_serializer_class(self):
        return ProfileReadSerializer if self.request.method in SAFE_METHODS else ProfileSerializer

    def get_object(self):
        return self.request.user


class PasswordView(AuthAPIView):
    """Change the password; every other session of the user is revoked."""

    serializer_class = PasswordChangeSerializer

    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        # One transaction: if the other sessions cannot be revoked, the password is not changed
        # either.
        with transaction.atomic():
            request.user.set_password(serializer.validated_data["new_password"])
            request.user.save(update_fields=["password"])
            services.revoke_all(
                request.user,
                Session.RevokeReason.PASSWORD_CHANGED,
                keep_session_id=request.auth["sid"],
                request=request,
            )
            services.record_event(AuthEvent.Kind.PASSWORD_CHANGED, request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def api_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """What Django refuses before any view (a Host not allowed, say) answers in the API's shape
    under /api/.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Bad request.", "code": "bad_request"}, status=status.HTTP_400_BAD_REQUEST
        )
    return bad_request(request, exception)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error shape; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Not found.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)


def api_server_error(request: HttpRequest) -> HttpResponse:
    """Paths under /api/ get the API's error shape even for an unexpected failure."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Server error.", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return server_error(request)
