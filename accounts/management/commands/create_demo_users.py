from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

DEMO_USERS = (
    # username, e-mail, password, staff and superuser
    ("demo", "demo@example.com", "demo-password-1", False),
    ("admin", "admin@example.com", "admin-password-1", True),
)


class Command(BaseCommand):
    help = (
        "Create a demo user and a superuser when the database has no user yet; print their "
        "credentials. Development only: refused unless DEBUG is on."
    )

    def handle(self, *args, **options):
        # Their passwords are published in the README: on a real site they would be a way in.
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "create_demo_users is for development only and DEBUG is off: its users' "
                    "passwords are public. Nothing was created. Run it with DEBUG=1."
                )
            )
        users = get_user_model()._default_manager
        if users.exists():
            self.stdout.write("Users exist already; no demo users created.")
            return
        for username, email, password, is_superuser in DEMO_USERS:
            if is_superuser:
                users.create_superuser(username, email, password)
            else:
                users.create_user(username, email, password)
            role = "superuser (admin at /admin/)" if is_superuser else "user"
            self.stdout.write(
                f"Created {role}: username {username!r}, e-mail {email!r}, password {password!r}"
            )
