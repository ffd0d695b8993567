"""The account lifecycle's endpoints. Thin: validation in serializers, work in services."""

from functools import partial

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from tokens import schema
from tokens.adapter import get_adapter
from tokens.exceptions import SignupClosed
from tokens.lifecycle import services
from tokens.lifecycle.serializers import (
    RESET_ACCEPTED,
    VERIFICATION_ACCEPTED,
    AddressSerializer,
    KeySerializer,
    PasswordResetCheckSerializer,
    PasswordResetConfirmSerializer,
    RegisterSerializer,
    ValidKeySerializer,
    VerifiedSerializer,
)
from tokens.lifecycle.throttling import MailIPThrottle
from tokens.permissions import RecentAuthentication
from tokens.schema import responses
from tokens.views import AuthAPIView, TokenEndpoint

# The 202 bodies: one per kind of mail, the same whoever the address belongs to.
VERIFICATION_SENT = {
    "detail": _("If the address can receive it, a confirmation link is on its way."),
    "code": "verification_sent",
}
RESET_SENT = {
    "detail": _("If the address has an account, a password reset link is on its way."),
    "code": "reset_sent",
}

# The OpenAPI document lists these endpoints under one tag.
document = partial(schema.document, tags=schema.ACCOUNTS)


@document(
    "Sign up; the same answer whether or not the address has an account",
    responses(VERIFICATION_ACCEPTED, 400, 403, 429, 503),
)
class RegisterView(TokenEndpoint):
    """Sign up; the answer is the same whether or not the address already has an account."""

    throttle_classes = (MailIPThrottle,)
    serializer_class = RegisterSerializer

    def post(self, request):
        # The adapter's choice (signup_closed when it says no), before anything is validated.
        if not get_adapter().is_signup_open(request):
            raise SignupClosed()
        serializer = self.valid_serializer(request)
        data = serializer.validated_data
        services.register(request, data["email"], data["password"], data.get("username"))
        return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)


@document(
    "Verify an address with the mailed key (a sign-up, or an e-mail change)",
    responses(VerifiedSerializer, "400-key", 503),
)
class VerifyEmailView(TokenEndpoint):
    """Spend a verification key: a sign-up is confirmed, or an e-mail change takes effect."""

    serializer_class = KeySerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        address = services.verify_email(request, serializer.validated_data["key"])
        return Response({"email": address, "verified": True})


class AddressMailView(TokenEndpoint):
    """Mail a link to an address; the same answer for any address, known or not."""

    throttle_classes = (MailIPThrottle,)
    serializer_class = AddressSerializer
    # The service that mails the link, and the 202 body that answers whatever it found.
    mail = staticmethod(services.resend_verification)
    answer = VERIFICATION_SENT

    def post(self, request):
        serializer = self.valid_serializer(request)
        self.mail(request, serializer.validated_data["email"])
        return Response(self.answer, status=status.HTTP_202_ACCEPTED)


@document(
    "Mail a new verification link; the same answer for any address",
    responses(VERIFICATION_ACCEPTED, 400, 429, 503),
)
class ResendVerificationView(AddressMailView):
    """Mail a new verification link; the same answer for any address."""


@document(
    "Mail a password reset link; the same answer for any address",
    responses(RESET_ACCEPTED, 400, 429, 503),
)
class PasswordResetView(AddressMailView):
    """Mail a password reset link; the same answer for any address."""

    mail = staticmethod(services.request_password_reset)
    answer = RESET_SENT


@document(
    "Whether a reset key would work now; the key is not used up",
    responses(ValidKeySerializer, "400-key", 503),
)
class PasswordResetCheckView(TokenEndpoint):
    """Say whether a reset key would work now, without using it up (a page can tell at once
    that a link is used or expired).
    """

    serializer_class = PasswordResetCheckSerializer

    def post(self, request):
        self.valid_serializer(request)
        return Response({"valid": True})


@document(
    "Set a new password with the mailed key; every session of the user ends",
    responses(204, "400-key", 503),
)
class PasswordResetConfirmView(TokenEndpoint):
    """Set a new password with a reset key; every session of the user ends."""

    serializer_class = PasswordResetConfirmSerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        data = serializer.validated_data
        services.reset_password(request, data["user"], data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@document(
    "Move the account to a new address once the mailed key is verified; recent authentication",
    responses(VERIFICATION_ACCEPTED, 400, 401, "403-recent", 429, 503),
    tags=schema.ACCOUNT,
)
class EmailChangeView(AuthAPIView):
    """Ask to move the account to a new address (after a recent authentication); it changes once
    the mailed key is verified.
    """

    permission_classes = (IsAuthenticated, RecentAuthentication)
    throttle_classes = (MailIPThrottle,)
    serializer_class = AddressSerializer

    def post(self, request):
        serializer = self.valid_serializer(request)
        services.request_email_change(request, request.user, serializer.validated_data["email"])
        return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)
