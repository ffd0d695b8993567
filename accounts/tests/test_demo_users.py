"""``create_demo_users`` makes accounts whose passwords the README publishes: on a site outside
DEBUG they would be a way in, so it refuses there. Run as an operator would, through manage.py in
a process of its own, on a throw-away SQLite database.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

PROJECT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "demo-users-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ACCESS_SIGNING_KEY": "demo-users-test-access-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "REFRESH_SIGNING_KEY": "demo-users-test-refresh-key-0123456789abcdefghijklmnopqrstuvwxy",
}


def manage(database: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
    """``manage.py`` with ``arguments``, outside a test runner, on the SQLite file ``database``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTEST_VERSION", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        SECRETS,
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL=settings.CACHES["default"]["LOCATION"],
        **variables,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class DemoUsersTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory(prefix="demo-users-")
        cls.addClassCleanup(folder.cleanup)
        cls.migrated = Path(folder.name) / "migrated.sqlite3"
        result = manage(cls.migrated, "migrate", "--noinput", DEBUG="1")
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed: {result.stderr}")

    def setUp(self):
        # Each test on a copy of the migrated database.
        self.database = self.migrated.with_name(f"{self._testMethodName}.sqlite3")
        shutil.copyfile(self.migrated, self.database)

    def manage(self, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
        return manage(self.database, *arguments, **variables)

    def usernames(self) -> list[str]:
        with sqlite3.connect(self.database) as connection:
            rows = connection.execute("SELECT username FROM accounts_user ORDER BY username")
            return [username for (username,) in rows]

    def test_outside_debug_it_refuses_and_creates_nothing(self):
        for variables in ({}, {"DEBUG": "0"}):
            with self.subTest(variables):
                result = self.manage("create_demo_users", **variables)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("CommandError", result.stderr)
                self.assertNotIn("password", result.stdout)
                self.assertEqual(self.usernames(), [])

    def test_under_debug_it_creates_the_demo_users(self):
        result = self.manage("create_demo_users", DEBUG="1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.usernames(), ["admin", "demo"])
