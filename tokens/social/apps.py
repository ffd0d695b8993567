from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    """Social login: outside identity providers (OpenID Connect, GitHub's OAuth 2), with
    ``TOKENS["SOCIAL_LOGIN"]`` on.
    """

    name = "tokens.social"
    label = "tokens_social"
    verbose_name = _("Social login")
    default_auto_field = "django.db.models.BigAutoField"
