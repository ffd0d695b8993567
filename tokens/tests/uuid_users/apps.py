from django.apps import AppConfig


class UUIDUsersConfig(AppConfig):
    name = "tokens.tests.uuid_users"
    label = "uuid_users"
    default_auto_field = "django.db.models.BigAutoField"
