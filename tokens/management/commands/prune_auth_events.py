from django.core.management.base import BaseCommand, CommandError

from tokens.conf import token_settings
from tokens.core import clock
from tokens.models import AuthEvent


class Command(BaseCommand):
    help = (
        "Delete auth events older than DAYS (default: the AUTH_EVENT_RETENTION_DAYS setting), "
        "oldest first, "
        "in batches. Run it daily, from cron or a timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="keep the last DAYS days (default: AUTH_EVENT_RETENTION_DAYS)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=10_000, help="events deleted per transaction"
        )

    def handle(self, *args, older_than=None, batch_size=10_000, **options):
        days = token_settings.AUTH_EVENT_RETENTION_DAYS if older_than is None else older_than
        if days < 1:
            raise CommandError(f"Keep at least one day of auth events, not {days}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = clock.to_datetime(clock.now() - days * 86400)
        deleted = AuthEvent.objects.delete_before(cutoff, batch_size)
        self.stdout.write(
            f"Deleted {deleted} auth event(s) from before {cutoff:%Y-%m-%d %H:%M:%S}Z ({days} "
            "days)."
        )
