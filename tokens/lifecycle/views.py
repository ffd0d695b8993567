"""The account lifecycle's endpoints. Thin: validation in serializers, work in services."""

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from tokens.lifecycle import services
from tokens.lifecycle.serializers import (
    AddressSerializer,
    KeySerializer,
    PasswordResetConfirmSerializer,
    RegisterSerializer,
)
from tokens.lifecycle.throttling import MailIPThrottle
from tokens.permissions import RecentAuthentication
from tokens.views import AuthAPIView

# The 202 bodies: one per kind of mail, the same whoever the address belongs to.
VERIFICATION_SENT = {
    "detail": "If the address can receive it, a confirmation link is on its way.",
    "code": "verification_sent",
}
RESET_SENT = {
    "detail": "If the address has an account, a password reset link is on its way.",
    "code": "reset_sent",
}


class PublicAPIView(AuthAPIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)


class RegisterView(PublicAPIView):
    """Sign up; the answer is the same whether or not the address already has an account."""

    throttle_classes = (MailIPThrottle,)
    serializer_class = RegisterSerializer

    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.register(request, data["email"], data["password"], data.get("username"))
        return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)


@method_decorator(never_cache, name="dispatch")
class VerifyEmailView(PublicAPIView):
    """Spend a verification key: a sign-up is confirmed, or an e-mail change takes effect."""

    serializer_class = KeySerializer

    def post(self, request):
        serializer = KeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = services.verify_email(request, serializer.validated_data["key"])
        return Response({"email": address, "verified": True})


class ResendVerificationView(PublicAPIView):
    """Mail a new verification link; the same answer for any address."""

    throttle_classes = (MailIPThrottle,)
    serializer_class = AddressSerializer

    def post(self, request):
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.resend_verification(request, serializer.validated_data["email"])
        return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)


class PasswordResetView(PublicAPIView):
    """Mail a password reset link; the same answer for any address."""

    throttle_classes = (MailIPThrottle,)
    serializer_class = AddressSerializer

    def post(self, request):
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(request, serializer.validated_data["email"])
        return Response(RESET_SENT, status=status.HTTP_202_ACCEPTED)


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(PublicAPIView):
    """Set a new password with a reset key; every session of the user ends."""

    serializer_class = PasswordResetConfirmSerializer

    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.reset_password(request, data["user"], data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeView(AuthAPIView):
    """Ask to move the account to a new address (after a recent authentication); it changes once
    the mailed key is verified.
    """

    permission_classes = (IsAuthenticated, RecentAuthentication)
    throttle_classes = (MailIPThrottle,)
    serializer_class = AddressSerializer

    def post(self, request):
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_email_change(request, request.user, serializer.validated_data["email"])
        return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)
