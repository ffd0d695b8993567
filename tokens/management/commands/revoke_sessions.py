from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tokens.core import degraded
from tokens.core.revocation import forget_rolled_back_revocations, revoke_all
from tokens.exceptions import DATABASE_FAULTS
from tokens.models import Session


class Command(BaseCommand):
    help = (
        "Revoke every open session of a user (or of all users): their tokens stop working at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument(
            "--all-users", action="store_true", help="revoke the sessions of every user"
        )

    def handle(self, *args, username=None, all_users=False, **options):
        users = get_user_model()._default_manager
        if all_users == bool(username):
            raise CommandError("Give a USERNAME or --all-users (not both).")
        targets = users.all()
        if not all_users:
            targets = users.filter(**{users.model.USERNAME_FIELD: username})
            if not targets.exists():
                raise CommandError(f"No user named {username!r}.")
        alone = degraded.writes_alone()
        try:
            revoked = revoke_all(targets, Session.RevokeReason.COMMAND)
        except DATABASE_FAULTS as exc:
            forget_rolled_back_revocations()
            raise CommandError(
                f"Nothing was revoked: the database cannot be reached ({exc})."
            ) from exc
        self.stdout.write(f"Revoked {revoked} session(s).")
        if degraded.writes_alone() > alone:
            self.stderr.write(
                "The token store (Redis) cannot be reached: the revocation is saved in the "
                "database, which answers for these sessions until Redis is back."
            )
