from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Tokens and sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tokens import checks, schema, signals  # noqa: F401  (registers checks, OpenAPI extensions, receivers

        signals.connect_receivers()
