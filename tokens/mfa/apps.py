from django.apps import AppConfig


class MfaConfig(AppConfig):
    """Second factors: TOTP, recovery codes and passkeys, with ``TOKENS["SECOND_FACTORS"]`` on."""

    name = "tokens.mfa"
    label = "tokens_mfa"
    verbose_name = "Second factors"
    default_auto_field = "django.db.models.BigAutoField"
