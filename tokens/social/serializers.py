"""The social login endpoints' bodies and answers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tokens.mfa.serializers import MAX_CODE_LENGTH
from tokens.serializers import TransportMixin

# Longest ID token accepted from a native app (providers' are a few kilobytes).
MAX_ID_TOKEN_LENGTH = 16384
MAX_URL_LENGTH = 2000


class NextSerializer(serializers.Serializer):
    next = serializers.CharField(
        max_length=MAX_URL_LENGTH,
        required=False,
        help_text=_("Where the browser returns: a URL under SOCIAL_REDIRECT_URLS."),
    )


class SocialLoginSerializer(TransportMixin):
    code = serializers.CharField(
        max_length=MAX_CODE_LENGTH, help_text=_("The callback's login code.")
    )


class SocialTokenSerializer(TransportMixin):
    provider = serializers.CharField(max_length=64)
    id_token = serializers.CharField(max_length=MAX_ID_TOKEN_LENGTH)
    # A missing nonce is refused as the token's (401 token_invalid), not as a field.
    nonce = serializers.CharField(max_length=MAX_CODE_LENGTH, required=False, default="")


class ProviderSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class NonceSerializer(serializers.Serializer):
    nonce = serializers.CharField()


class AuthorizationUrlSerializer(serializers.Serializer):
    authorization_url = serializers.URLField()


class SocialIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    email = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
