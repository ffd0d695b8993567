"""Request validation of the second-factor endpoints, and the shapes of their answers (OpenAPI)."""

import json
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from tokens.conf import token_settings
from tokens.renderers import login_form
from tokens.serializers import MAX_PASSWORD_LENGTH, MAX_TOKEN_LENGTH, TransportMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Longest code accepted: a TOTP code has 6 digits, a recovery code 11 characters; room for blanks.
MAX_CODE_LENGTH = 64
# Longest passkey answer accepted, as JSON: attestations with certificate chains stay well below.
MAX_CREDENTIAL_LENGTH = 65536


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "The browser's PublicKeyCredential.toJSON() (a JSON object, or its text).",
    }
)
class CredentialField(serializers.Field):
    """A passkey answer: the JSON object of ``PublicKeyCredential.toJSON()`` (or its text, from a
    form), bounded in size.
    """

    default_error_messages: ClassVar[dict[str, "StrOrPromise"]] = {
        "invalid": "Give the JSON object of PublicKeyCredential.toJSON().",
        "too_large": "The credential is too large.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            if len(data) > MAX_CREDENTIAL_LENGTH:
                self.fail("too_large")
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        if len(json.dumps(data)) > MAX_CREDENTIAL_LENGTH:
            self.fail("too_large")
        return data

    def to_representation(self, value):
        return value


def code_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_CODE_LENGTH, trim_whitespace=True, **kwargs)


class CodeSerializer(serializers.Serializer):
    code = code_field(help_text=_("The 6-digit code of the authenticator app."))


class OneProofMixin(serializers.Serializer):
    """Exactly one of the proofs a serializer declares (``proofs``)."""

    proofs: tuple[str, ...] = ()

    def validate(self, attrs):
        given = [name for name in self.proofs if attrs.get(name) not in (None, "")]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    self.proofs[0]: [
                        _("Give exactly one of: %(fields)s.") % {"fields": ", ".join(self.proofs)}
                    ]
                }
            )
        return attrs


class MfaLoginSerializer(TransportMixin, OneProofMixin):
    """``login/mfa/``: the first step's ``mfa_token`` and one proof."""

    proofs = ("code", "credential")

    mfa_token = serializers.CharField(max_length=MAX_TOKEN_LENGTH)
    code = code_field(required=False, help_text=_("A TOTP code or a recovery code."))
    credential = CredentialField(required=False, help_text=_("A passkey assertion."))


@login_form("second_factor")
class MfaLoginFormSerializer(serializers.Serializer):
    """The browsable API's second step: the token of the first and a code."""

    mfa_token = serializers.CharField(
        max_length=MAX_TOKEN_LENGTH, label=_("Login token (mfa_token)")
    )
    code = code_field(label=_("Code (authenticator app or recovery code)"))


class PasskeyLoginSerializer(TransportMixin):
    """``login/passkey/``: the options' ``challenge_id`` and the passkey's answer."""

    challenge_id = serializers.CharField(max_length=128)
    credential = CredentialField()


class PasskeyCreateSerializer(serializers.Serializer):
    credential = CredentialField()
    name = serializers.CharField(max_length=100, required=False, default="Passkey")


class ReauthenticateSerializer(TransportMixin, OneProofMixin):
    """``reauthenticate/``: one proof, given again."""

    proofs = ("password", "code", "credential", "social_code")

    password = serializers.CharField(
        required=False,
        max_length=MAX_PASSWORD_LENGTH,
        trim_whitespace=False,
        style={"input_type": "password"},
    )
    code = code_field(required=False, help_text=_("A TOTP code or a recovery code."))
    credential = CredentialField(
        required=False,
        help_text=_("A passkey assertion, for the options of login/passkey/options/."),
    )
    challenge_id = serializers.CharField(
        max_length=128, required=False, help_text=_("With credential: the options' challenge_id.")
    )
    social_code = serializers.CharField(
        max_length=MAX_CODE_LENGTH,
        required=False,
        help_text=_("The login code of a social/<id>/reauthenticate/ flow's callback."),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("social_code") is not None:
            if not token_settings.SOCIAL_LOGIN:
                raise serializers.ValidationError(
                    {"social_code": [_("This site has no social login.")]}
                )
            return attrs
        if attrs.get("password") is None and not token_settings.SECOND_FACTORS:
            raise serializers.ValidationError(
                {"password": [_("Give the password: this site has no second factors.")]}
            )
        if attrs.get("credential") is not None and not attrs.get("challenge_id"):
            raise serializers.ValidationError(
                {"challenge_id": [_("Give the options' challenge_id.")]}
            )
        return attrs


# Answers (for the document) ------------------------------------------------------------------


class TotpStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class RecoveryCodesStatusSerializer(serializers.Serializer):
    remaining = serializers.IntegerField()


class PasskeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class MfaStatusSerializer(serializers.Serializer):
    totp = TotpStatusSerializer()
    recovery_codes = RecoveryCodesStatusSerializer()
    passkeys = PasskeySerializer(many=True)


class TotpSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=_("Base32; SHA-1, 6 digits, 30 s."))
    otpauth_uri = serializers.CharField()
    qr_svg = serializers.CharField(help_text=_("The otpauth URI as a QR code, an inline SVG."))


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text=_("Ten single-use codes, shown this once.")
    )


class TotpConfirmedSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("With the user's first factor only: ten single-use codes, shown this once."),
    )


class PasskeyCreatedSerializer(TotpConfirmedSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class PublicKeyOptionsSerializer(serializers.Serializer):
    publicKey = serializers.DictField(
        help_text=_(
            "For PublicKeyCredential.parseCreationOptionsFromJSON or parseRequestOptionsFromJSON."
        )
    )


class PasskeyLoginOptionsSerializer(PublicKeyOptionsSerializer):
    challenge_id = serializers.CharField()


class MfaRequiredSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text=_("mfa_required, mfa_enrollment_required, email_unverified or csrf_failed.")
    )
    mfa_token = serializers.CharField(
        required=False, help_text=_("Single use, for login/mfa/ within 5 minutes (mfa_required).")
    )
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=("totp", "recovery_code", "passkey")),
        required=False,
        help_text=_("mfa_required: the second factors the user can give."),
    )
    passkey_options = PublicKeyOptionsSerializer(required=False)
    enrollment_token = serializers.CharField(
        required=False,
        help_text=_(
            "mfa_enrollment_required: for Authorization: Bearer on mfa/totp/, "
            "mfa/totp/confirm/, mfa/passkeys/options/ and mfa/passkeys/ within 10 minutes; "
            "enrolling a factor with it completes the login."
        ),
    )


# Login's answer when a second step is needed, for the document.
MFA_REQUIRED = OpenApiResponse(
    MfaRequiredSerializer,
    description="mfa_required: the password is right and the user has a second factor, finish at "
    "login/mfa/ with the mfa_token; mfa_enrollment_required: the password is right, MFA_REQUIRED "
    "asks this user for a second factor and there is none yet, enrol one with the "
    "enrollment_token; email_unverified: the address is not verified yet (detail and "
    "code only); csrf_failed.",
)
