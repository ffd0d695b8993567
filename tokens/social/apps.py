from django.apps import AppConfig


class SocialConfig(AppConfig):
    """Social login: outside identity providers (OpenID Connect, GitHub's OAuth 2), with
    ``TOKENS["SOCIAL_LOGIN"]`` on.
    """

    name = "tokens.social"
    label = "tokens_social"
    verbose_name = "Social login"
    default_auto_field = "django.db.models.BigAutoField"
