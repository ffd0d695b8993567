from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    """Second factors: TOTP, recovery codes and passkeys, with ``TOKENS["SECOND_FACTORS"]`` on."""

    name = "tokens.mfa"
    label = "tokens_mfa"
    verbose_name = _("Second factors")
    default_auto_field = "django.db.models.BigAutoField"
