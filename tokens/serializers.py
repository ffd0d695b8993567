"""Request validation for the auth endpoints (no side effects here)."""

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from tokens.browser.cookies import COOKIE_ONLY
from tokens.browser.device_names import device_name
from tokens.conf import token_settings
from tokens.renderers import login_form
from tokens.schema import TokenPairSerializer
from tokens.social.providers import display_name
from tokens.users import pk_json

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Generous bounds: long enough for any real credential or token, short enough to refuse junk early.
MAX_CREDENTIAL_LENGTH = 256
MAX_PASSWORD_LENGTH = 4096
MAX_TOKEN_LENGTH = 8192


class NoBodySerializer(serializers.Serializer):
    """What a view that reads no body declares (the browsable API then offers a bare button)."""


# ``transport`` of a login-type request: the tokens in the body as well (the default), or in the
# HttpOnly cookies alone.
TRANSPORTS = ("body", COOKIE_ONLY)


class TransportField(serializers.ChoiceField):
    """``transport``: one of ``TRANSPORTS`` as a string; the refusal does not echo the input."""

    default_error_messages: ClassVar[dict[str, "StrOrPromise"]] = {
        "invalid_choice": _('Give "body" or "cookie".'),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "cookie: the tokens travel in the HttpOnly cookies alone, the body leaves out "
                "access_token and refresh_token (for pages, whose scripts must not read them); "
                "body (the default): both in the body too."
            ),
        )
        super().__init__(TRANSPORTS, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice")
        return super().to_internal_value(data)


class TransportMixin(serializers.Serializer):
    """The optional ``transport`` of every request that ends in a token pair (login, its second
    step, a passkey, re-authentication); ``tokens.flows.stages.RespondStage`` acts on it.
    """

    transport = TransportField()

    def validate_transport(self, value: str) -> str:
        # Cookies alone where no cookie is set would leave the client without any token.
        if value == COOKIE_ONLY and not token_settings.COOKIE_TRANSPORT:
            raise serializers.ValidationError(
                _("This site sets no token cookies: leave transport out.")
            )
        return value


class LoginSerializer(TransportMixin):
    """``login/``: a username or e-mail address, the password, and how the tokens travel."""

    username = serializers.CharField(
        required=False, max_length=MAX_CREDENTIAL_LENGTH, trim_whitespace=True
    )
    email = serializers.EmailField(required=False, max_length=MAX_CREDENTIAL_LENGTH)
    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"username": [_("Give a username or an e-mail address.")]}
            )
        return attrs

    @property
    def identifier(self) -> str:
        return self.validated_data.get("username") or self.validated_data["email"]


@login_form("password")
class LoginFormSerializer(serializers.Serializer):
    """The browsable API's login form: what a person expects; the request it sends is
    LoginSerializer's.
    """

    username = serializers.CharField(
        label=_("Username or e-mail"), max_length=MAX_CREDENTIAL_LENGTH
    )
    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(required=False, max_length=MAX_TOKEN_LENGTH)


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "The user's primary key: a number, or a string (a UUID).",
    }
)
class PrimaryKeyField(serializers.Field):
    """A user's primary key in its JSON form, whatever its type."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return pk_json(value)


def user_fields() -> set[str]:
    """The names of the user model's concrete fields."""
    return {field.name for field in get_user_model()._meta.concrete_fields}


# The profile fields of the API contract after ``id`` and ``username``; a user model without one
# leaves it out. ``date_joined`` is never writable.
PROFILE_FIELDS = ("email", "first_name", "last_name", "date_joined")


class UserFieldsMixin(serializers.Serializer):
    """Leave out the declared fields the user model lacks; ``email`` reads its ``EMAIL_FIELD``."""

    def get_fields(self):
        fields = super().get_fields()
        present, email_field = user_fields(), get_user_model().get_email_field_name()
        if "email" in fields and email_field != "email":
            fields["email"].source = email_field
        return {
            name: field
            for name, field in fields.items()
            if name in {"id", "username"} or (email_field if name == "email" else name) in present
        }


class UserSerializer(UserFieldsMixin, serializers.Serializer):
    """Login's ``user``: id, username (the value of ``USERNAME_FIELD``) and e-mail."""

    id = PrimaryKeyField(source="pk")
    username = serializers.CharField(source="get_username", read_only=True)
    email = serializers.EmailField(read_only=True)


class ProfileSerializer(UserFieldsMixin, serializers.ModelSerializer):
    """``me/``: read the profile; only the names are writable (the address changes through
    ``email/change/``, once the new one is verified).
    """

    id = PrimaryKeyField(source="pk")
    username = serializers.CharField(source="get_username", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ("id", "username", *(name for name in PROFILE_FIELDS if name in user_fields()))
        read_only_fields = ("email", "date_joined")


class ProfileReadSerializer(UserFieldsMixin, serializers.Serializer):
    """``GET me/``: the profile with declared fields.

    The hot path reads the profile on every call; a ModelSerializer would rebuild its fields
    from the model on each one. ``ProfileSerializer`` (used for PATCH) gives the same output.
    """

    id = PrimaryKeyField(source="pk")
    username = serializers.CharField(source="get_username", read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)

    @classmethod
    def shared(cls) -> "ProfileReadSerializer":
        """One instance whose fields serve every read, as a ``ListSerializer``'s child serves
        every item.

        DRF builds a serializer's fields for each instance (deep copies of the declared ones):
        four fifths of rendering a profile, about 150 of 190 us, on every ``GET me/``. These
        fields are read-only and read no context, so one instance per user model serves all.
        """
        key = (cls, get_user_model()._meta.label)
        serializer = _SHARED_READERS.get(key)
        if serializer is None:
            serializer = _SHARED_READERS[key] = cls()
        return serializer


_SHARED_READERS: dict[tuple, ProfileReadSerializer] = {}


class PasswordChangeSerializer(serializers.Serializer):
    """``password/``: the shape; the old password is checked by the view, under the limits on
    guessing (``tokens.throttling``).
    """

    old_password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate_new_password(self, value):
        password_validation.validate_password(value, self.context["request"].user)
        return value


class SignedInWithField(serializers.CharField):
    """The name of the outside identity provider a session began at (a social login), such as
    "Google"; the key is left out of every other session, whose item keeps the contract's shape.
    """

    def get_attribute(self, instance):
        if not instance.provider:
            raise SkipField()
        return display_name(instance.provider)


class SessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(source="usable_until")
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    device = serializers.SerializerMethodField(
        help_text=_('A readable name of the user agent, such as "Firefox on Linux".')
    )
    current = serializers.SerializerMethodField()
    provider = SignedInWithField(
        required=False,
        help_text=_(
            'Only on a session a social login opened: the name of its provider, such as "Google".'
        ),
    )

    def get_device(self, session) -> str:
        return device_name(session.user_agent)

    def get_current(self, session) -> bool:
        return str(session.id) == self.context.get("current_session_id")


class SessionUserSerializer(serializers.Serializer):
    id = PrimaryKeyField()
    username = serializers.CharField()


class CurrentSessionSerializer(serializers.Serializer):
    """``GET session/``: the session of the presented access token, from token and Redis alone."""

    session_id = serializers.UUIDField()
    user = SessionUserSerializer()
    access_expires_at = serializers.DateTimeField()
    session_expires_at = serializers.DateTimeField(
        help_text=_("When the session ends unless refreshed first.")
    )


class TokenRequestSerializer(serializers.Serializer):
    """RFC 7009 and RFC 7662 requests: the token, and a hint this service may ignore."""

    token = serializers.CharField(max_length=MAX_TOKEN_LENGTH, trim_whitespace=True)
    token_type_hint = serializers.CharField(
        required=False,
        max_length=64,
        allow_blank=True,
        help_text=_("access_token or refresh_token; any other value is ignored"),
    )


class LoginResponseSerializer(TokenPairSerializer):
    """Login's answer, for the document: the pair (without the tokens for ``"transport":
    "cookie"``) and the user.
    """

    user = UserSerializer()
