import io
import os
import subprocess
import sys
from datetime import timedelta

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase

from tokens.core import clock
from tokens.models import AuthEvent
from tokens.tests.servers import PROJECT, database_url
from tokens.tests.support import FrozenClock, token_settings


class EventsOfAgesMixin:
    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def add_events(self, *ages_in_days: float) -> None:
        AuthEvent.objects.bulk_create(
            AuthEvent(
                kind=AuthEvent.Kind.LOGIN_FAILED,
                username=f"age-{age}",
                at=clock.to_datetime(self.clock.current) - timedelta(days=age),
            )
            for age in ages_in_days
        )

    def remaining(self) -> list[str]:
        return sorted(AuthEvent.objects.values_list("username", flat=True))


class PruneAuthEventsTests(EventsOfAgesMixin, TestCase):
    def prune(self, *args) -> str:
        out = io.StringIO()
        call_command("prune_auth_events", *args, stdout=out)
        return out.getvalue()

    def test_older_than_days_in_batches(self):
        self.add_events(1, 29.9, 30.1, 31, 45, 200, 400)
        self.assertIn(
            "Deleted 5 auth event(s)", self.prune("--older-than", "30", "--batch-size", "2")
        )
        self.assertEqual(self.remaining(), ["age-1", "age-29.9"])
        self.assertIn("Deleted 0 auth event(s)", self.prune("--older-than", "30"))

    def test_the_retention_setting_is_the_default(self):
        self.add_events(1, 89, 91)
        self.prune()
        self.assertEqual(self.remaining(), ["age-1", "age-89"])
        with token_settings(AUTH_EVENT_RETENTION_DAYS=7):
            self.prune()
        self.assertEqual(self.remaining(), ["age-1"])

    def test_nonsense_is_refused(self):
        self.add_events(2)
        for args in (("--older-than", "0"), ("--older-than", "-3"), ("--batch-size", "0")):
            with self.subTest(args), self.assertRaises(CommandError):
                self.prune(*args)
        self.assertEqual(self.remaining(), ["age-2"])


class PruneThroughManagePyTests(EventsOfAgesMixin, TransactionTestCase):
    """As cron would run it: manage.py in a process of its own, system checks and all."""

    def test_prune_from_the_environment_setting(self):
        self.clock.current = clock.now()  # the subprocess has the real clock
        self.add_events(3, 10, 100)
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "AUTH_EVENT_RETENTION_DAYS": "5",
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        }
        env.pop("PYTEST_VERSION", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "prune_auth_events"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Deleted 2 auth event(s)", result.stdout)
        self.assertEqual(self.remaining(), ["age-3"])
