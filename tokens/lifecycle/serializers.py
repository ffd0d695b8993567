"""Request validation of the account lifecycle's endpoints (no side effects here)."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from tokens.lifecycle import keys
from tokens.serializers import MAX_CREDENTIAL_LENGTH, MAX_PASSWORD_LENGTH

# Longer than any key this app makes, short enough to refuse junk before any work.
MAX_KEY_LENGTH = 1024
# RFC 5321's limit on a forward path, which Django's EmailField also applies.
MAX_ADDRESS_LENGTH = 254


def password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )


def has_username() -> bool:
    """Whether the user model has a login name besides its e-mail address."""
    model = get_user_model()
    return model.get_email_field_name() != model.USERNAME_FIELD


class AddressSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=MAX_ADDRESS_LENGTH)


class RegisterSerializer(AddressSerializer):
    """``register/``: an address, a password (Django's validators), and a username when the user
    model has one.
    """

    username = serializers.CharField(max_length=MAX_CREDENTIAL_LENGTH)
    password = password_field()

    def get_fields(self):
        fields = super().get_fields()
        if not has_username():
            del fields["username"]
        return fields

    def validate_username(self, value):
        model = get_user_model()
        value = model.normalize_username(value)
        field = model._meta.get_field(model.USERNAME_FIELD)
        assert isinstance(field, Field), field
        try:
            field.run_validators(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        # Usernames are public names (they show in tokens and to other users), so saying that
        # one is taken tells nothing about any address.
        lookup = {f"{model.USERNAME_FIELD}__iexact": value}
        if model._default_manager.filter(**lookup).exists():
            raise serializers.ValidationError(_("A user with that username already exists."))
        return value

    def validate_password(self, value):
        # At the field's own step, so Django's validators speak on the first submit even when
        # another field is refused too (``validate()`` runs only once every field is good). The
        # similarity validator compares with the name and address as typed.
        model = get_user_model()
        fields = {}
        for name, source in (
            (model.get_email_field_name(), "email"),
            (model.USERNAME_FIELD, "username"),
        ):
            typed = self.initial_data.get(source)
            if isinstance(typed, str) and (source == "email" or has_username()):
                fields[name] = typed
        try:
            password_validation.validate_password(value, model(**fields))
        except DjangoValidationError as error:
            raise serializers.ValidationError(get_error_detail(error)) from None
        return value


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=MAX_KEY_LENGTH, help_text=_("The key from the mail."))


class PasswordResetCheckSerializer(KeySerializer):
    """``password/reset/check/``: a reset key that would work now (else ``invalid_key``)."""

    def validate(self, attrs):
        keys.reset_key_user(attrs["key"])
        return attrs


class PasswordResetConfirmSerializer(KeySerializer):
    """``password/reset/confirm/``: a good reset key first (else ``invalid_key``), then the new
    password against Django's validators for that user.
    """

    new_password = password_field()

    def validate(self, attrs):
        user = keys.reset_key_user(attrs["key"])
        try:
            password_validation.validate_password(attrs["new_password"], user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"new_password": get_error_detail(error)}) from None
        return {**attrs, "user": user}


class AcceptedSerializer(serializers.Serializer):
    """A 202: the mail is on its way (or is not, which the answer never says)."""

    detail = serializers.CharField(help_text=_("A sentence for a person."))
    code = serializers.ChoiceField(choices=("verification_sent", "reset_sent"))


class ValidKeySerializer(serializers.Serializer):
    valid = serializers.BooleanField(
        help_text=_("Always true: a key that would not work is a 400.")
    )


class VerifiedSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=_("The address now verified (the account's address)."))
    verified = serializers.BooleanField()


# The 202 answers of the account endpoints, for the document.
VERIFICATION_ACCEPTED = {
    202: OpenApiResponse(
        AcceptedSerializer, description="verification_sent, whoever the address belongs to."
    )
}
RESET_ACCEPTED = {
    202: OpenApiResponse(AcceptedSerializer, description="reset_sent, for any address.")
}
