from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("Tokens and sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tokens import checks, schema, signals  # noqa: F401  (registers checks, OpenAPI extensions, receivers

        signals.connect_receivers()
