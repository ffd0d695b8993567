from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    """The account lifecycle: sign-up, address verification, e-mail change and password reset."""

    name = "tokens.lifecycle"
    label = "tokens_lifecycle"
    verbose_name = _("Account lifecycle")
    default_auto_field = "django.db.models.BigAutoField"
