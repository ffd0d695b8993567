"""The second-factor endpoints: enrolment, the login step, passkey logins and re-authentication.

Thin: validation in ``tokens.mfa.serializers``, the work in ``tokens.mfa.factors`` and
``tokens.core``; the logins (and re-authentication) run through the stages of
``tokens.flows`` like a password login.
"""

from functools import partial

from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tokens import flows, schema
from tokens.authentication import AccessTokenAuthentication
from tokens.core import claims
from tokens.exceptions import InvalidCredentialsError
from tokens.mfa import enrolment, factors, passkeys
from tokens.mfa.enrolment import EnrolmentTokenAuthentication, RecentAuthenticationOrEnrolment
from tokens.mfa.serializers import (
    CodeSerializer,
    MfaLoginSerializer,
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
from tokens.permissions import RecentAuthentication
from tokens.renderers import LoginPageRenderer
from tokens.schema import (
    LOGIN,
    TokenPairSerializer,
    responses,
)
from tokens.serializers import LoginResponseSerializer
from tokens.throttling import LoginIPThrottle
from tokens.views import AuthAPIView, TokenEndpoint

# The OpenAPI document lists these endpoints under one tag; the login steps go under Login.
document = partial(schema.document, tags=schema.MFA_TAGS)


# The enrolment steps: an access token, or the enrollment_token of a login held back by
# MFA_REQUIRED (tokens.mfa.enrolment); no other view recognises that token.
ENROLMENT_STEP = (EnrolmentTokenAuthentication, AccessTokenAuthentication)


def finish_enrolment(request, method: str, enrolled: dict, status_code: int = 200) -> Response:
    """The login that waited for this first factor, completed through the login stages: its
    answer (pair, ``user``, cookies) with what the enrolment step answers (the recovery codes).
    """
    response = flows.login(request, flows.EnrolmentDoor(request.auth, method))
    response.data = {**response.data, **enrolled}
    response.status_code = status_code
    return response


@method_decorator(never_cache, name="dispatch")
@document("The user's second factors", responses(MfaStatusSerializer, 401, 403, 503), "get")
class MfaStatusView(AuthAPIView):
    """The user's second factors: TOTP, recovery codes left, passkeys."""

    def get(self, request):
        return Response(factors.status(request.user))


@method_decorator(never_cache, name="dispatch")
@document(
    "A pending TOTP secret (active once confirmed); recent authentication",
    responses(TotpSetupSerializer, 401, "403-recent", 503),
)
@document("Remove TOTP; recent authentication", responses(204, 401, "403-recent", 503), "delete")
class TotpView(AuthAPIView):
    """Start enrolling TOTP (a pending secret), or remove it."""

    # Starting is also a step of a login held back by MFA_REQUIRED (its enrollment_token).
    authentication_classes = ENROLMENT_STEP
    permission_classes = (IsAuthenticated, RecentAuthenticationOrEnrolment)

    def post(self, request):
        return Response(factors.begin_totp(request, request.user))

    def delete(self, request):
        factors.remove_totp(request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(never_cache, name="dispatch")
@document(
    "Confirm the pending TOTP secret with a code",
    responses(TotpConfirmedSerializer, "400-code", 401, 403, 429, 503),
)
class TotpConfirmView(AuthAPIView):
    """Confirm the pending TOTP secret with a first code; the first factor brings recovery codes."""

    serializer_class = CodeSerializer
    authentication_classes = ENROLMENT_STEP

    def post(self, request):
        serializer = self.valid_serializer(request)
        codes = factors.confirm_totp(request, request.user, serializer.validated_data["code"])
        body = {} if codes is None else {"recovery_codes": codes}
        if isinstance(request.auth, enrolment.Enrolment):
            return finish_enrolment(request, claims.ONE_TIME_CODE, body)
        return Response(body)


@method_decorator(never_cache, name="dispatch")
@document(
    "A new set of recovery codes (the old ones stop working); recent authentication",
    responses(RecoveryCodesSerializer, 400, 401, "403-recent", 503),
)
class RecoveryCodesView(AuthAPIView):
    """A new set of recovery codes; the old ones stop working."""

    permission_classes = (IsAuthenticated, RecentAuthentication)

    def post(self, request):
        codes = factors.renew_recovery_codes(request, request.user)
        if codes is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Enrol a second factor first.")]}
            )
        return Response({"recovery_codes": codes})


@method_decorator(never_cache, name="dispatch")
@document(
    "Creation options for a new passkey; recent authentication",
    responses(PublicKeyOptionsSerializer, 401, "403-recent", 503),
)
class PasskeyOptionsView(AuthAPIView):
    """Creation options for a new passkey."""

    authentication_classes = ENROLMENT_STEP
    permission_classes = (IsAuthenticated, RecentAuthenticationOrEnrolment)

    def post(self, request):
        return Response(passkeys.registration_options(request, request.user))


@method_decorator(never_cache, name="dispatch")
@document(
    "Register a passkey answering the creation options",
    responses({201: PasskeyCreatedSerializer}, "400-code", 401, 403, 503),
)
class PasskeyListView(AuthAPIView):
    """Register a passkey answering the creation options; the first factor brings recovery codes."""

    serializer_class = PasskeyCreateSerializer
    authentication_classes = ENROLMENT_STEP

    def post(self, request):
        serializer = self.valid_serializer(request)
        passkey, codes = factors.add_passkey(
            request,
            request.user,
            serializer.validated_data["credential"],
            serializer.validated_data["name"],
        )
        body = {"id": passkey.pk, "name": passkey.name, "created_at": passkey.created_at}
        if codes is not None:
            body["recovery_codes"] = codes
        if isinstance(request.auth, enrolment.Enrolment):
            return finish_enrolment(request, claims.PASSKEY, body, status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_201_CREATED)


@method_decorator(never_cache, name="dispatch")
@document(
    "Remove one of the user's passkeys; recent authentication",
    responses(204, 401, "403-recent", 404, 503),
    "delete",
)
class PasskeyDetailView(AuthAPIView):
    """Remove one of the user's passkeys; any other id is 404."""

    permission_classes = (IsAuthenticated, RecentAuthentication)

    def delete(self, request, passkey_id):
        if not factors.remove_passkey(request, request.user, passkey_id):
            raise NotFound(_("No such passkey."))
        return Response(status=status.HTTP_204_NO_CONTENT)


@document(
    "Finish a login with its mfa_token and a code or a passkey answer",
    responses(LoginResponseSerializer, "400-code", 401, 403, 429, 503),
    tags=LOGIN,
)
class LoginMfaView(TokenEndpoint):
    """Finish a login that answered ``mfa_required``: its ``mfa_token`` and a second factor."""

    throttle_classes = (LoginIPThrottle,)
    renderer_classes = (JSONRenderer, LoginPageRenderer)
    serializer_class = MfaLoginSerializer
    # It opens a session: another site's page must not make a browser finish its login.
    same_site_only = True
    # The browsable API shows this step's form (tokens.renderers.LoginPageRenderer).
    second_factor_step = True

    def post(self, request):
        data = self.valid_serializer(request).validated_data
        door = flows.SecondFactorDoor(data["mfa_token"], data.get("code"), data.get("credential"))
        return flows.login(request, door)


@document(
    "Request options for a login with any discoverable passkey",
    responses(PasskeyLoginOptionsSerializer, 429, 503),
    tags=LOGIN,
)
class PasskeyLoginOptionsView(TokenEndpoint):
    """Request options for a login with any discoverable passkey, under a new ``challenge_id``."""

    throttle_classes = (LoginIPThrottle,)

    def post(self, request):
        return Response(passkeys.start_login(request))


@document(
    "Log in with a passkey alone (user verification required)",
    responses(LoginResponseSerializer, "400-code", 403, 429, 503),
    tags=LOGIN,
)
class PasskeyLoginView(TokenEndpoint):
    """Log in with a passkey alone: its assertion, with user verification, for the options of
    ``challenge_id``.
    """

    throttle_classes = (LoginIPThrottle,)
    serializer_class = PasskeyLoginSerializer
    # It opens a session: another site's page must not make a browser log in with a passkey.
    same_site_only = True

    def post(self, request):
        data = self.valid_serializer(request).validated_data
        return flows.login(request, flows.PasskeyDoor(data["challenge_id"], data["credential"]))


@method_decorator(never_cache, name="dispatch")
@document(
    "Prove a credential again: a new pair for this session, a fresh auth_time",
    responses(TokenPairSerializer, "400-code", 401, 403, 429, 503),
    tags=LOGIN,
)
class ReauthenticateView(AuthAPIView):
    """Prove a credential again (password, code, passkey or a social login's code): a new pair
    for this session with a fresh ``auth_time``.
    """

    serializer_class = ReauthenticateSerializer

    def post(self, request):
        data = self.valid_serializer(request).validated_data
        door: flows.Door = flows.ReauthenticationDoor(data)
        if data.get("social_code") is not None:
            from tokens.social.doors import SocialReauthenticationDoor

            door = SocialReauthenticationDoor(data["social_code"])
        try:
            return flows.login(request, door)
        except InvalidCredentialsError:
            # Counted and recorded as a failed login of the account; answered as a field error.
            raise serializers.ValidationError(
                {"password": [_("The password is not correct.")]}
            ) from None
