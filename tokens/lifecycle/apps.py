from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """The account lifecycle: sign-up, address verification, e-mail change and password reset."""

    name = "tokens.lifecycle"
    label = "tokens_lifecycle"
    verbose_name = "Account lifecycle"
    default_auto_field = "django.db.models.BigAutoField"
