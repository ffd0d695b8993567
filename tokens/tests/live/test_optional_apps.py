"""The core without a feature app (``tokens.mfa``, ``tokens.lifecycle``): slow, each test runs the
project in a subprocess (``tokens/tests/without_mfa/settings.py``,
``tokens/tests/without_accounts/settings.py``), on a test database and a Redis of its own.
"""

import os
import subprocess
import sys
import tempfile

from django.test import SimpleTestCase

from tokens.tests.servers import PROJECT, PrivateRedis

# The core's login, refresh, logout and me/ tests, as the project's suite runs them.
CORE_TESTS = (
    "tokens/tests/api/test_login.py",
    "tokens/tests/api/test_refresh.py",
    "tokens/tests/api/test_logout.py",
    "tokens/tests/api/test_me.py",
)


class WithoutAnAppMixin:
    """A project that leaves the app out, as docs/quickstart.md says, works: the core's tests pass,
    the checks pass, and the app's endpoints are not served.
    """

    settings: str
    # The setting that turns the app on, and the check that names it left on without the app.
    setting: str
    check_id: str
    # URL names the app serves, and the tables it owns.
    routes: tuple[str, ...]
    tables: tuple[str, ...]

    def setUp(self):
        redis = PrivateRedis().start()
        self.addCleanup(redis.stop)
        self.environment = {
            **{name: value for name, value in os.environ.items() if name != "PYTEST_VERSION"},
            "DJANGO_SETTINGS_MODULE": self.settings,
            "REDIS_URL": redis.url,
        }

    def run_in_project(self, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=PROJECT,
            env={**self.environment, **environment},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def test_the_core_tests_pass(self):
        finished = self.run_in_project(
            "-m", "pytest", f"--ds={self.settings}", *CORE_TESTS, "-q", "-p", "no:randomly"
        )
        self.assertEqual(finished.returncode, 0, finished.stdout[-4000:] + finished.stderr)
        self.assertIn(" passed", finished.stdout)

    def test_the_checks_pass_and_the_apps_endpoints_are_not_served(self):
        # Outside a test runner the settings want secrets, or development's (DEBUG).
        finished = self.run_in_project("manage.py", "check", "--fail-level", "WARNING", DEBUG="1")
        self.assertEqual(finished.returncode, 0, finished.stdout + finished.stderr)
        finished = self.run_in_project(
            "-c",
            "import django; django.setup()\n"
            "from django.urls import NoReverseMatch, reverse\n"
            "reverse('tokens:reauthenticate')\n"
            f"for name in {self.routes!r}:\n"
            "    try:\n"
            "        reverse('tokens:' + name)\n"
            "    except NoReverseMatch:\n"
            "        continue\n"
            "    raise SystemExit(name + ' is served')\n",
            DEBUG="1",
        )
        self.assertEqual(finished.returncode, 0, finished.stdout + finished.stderr)

    def test_the_setting_left_on_stops_the_checks(self):
        finished = self.run_in_project(
            "-c",
            "import django; from django.conf import settings; django.setup()\n"
            "from django.core.checks import run_checks\n"
            "from django.test import override_settings\n"
            f"with override_settings(TOKENS={{**settings.TOKENS, {self.setting!r}: True}}):\n"
            "    print(sorted({message.id for message in run_checks()}))\n",
            DEBUG="1",
        )
        self.assertEqual(finished.returncode, 0, finished.stderr)
        self.assertIn(self.check_id, finished.stdout)

    def test_migrate_drops_the_apps_tables_and_installing_it_makes_them_again(self):
        database = f"sqlite:///{tempfile.mkdtemp()}/migrated.sqlite3"
        tables = (
            "import django; django.setup()\n"
            "from django.db import connection\n"
            "print(sorted(connection.introspection.table_names()))\n"
        )
        for settings_module, present in ((self.settings, False), ("config.settings", True)):
            with self.subTest(settings=settings_module):
                environment = {
                    "DATABASE_URL": database,
                    "DJANGO_SETTINGS_MODULE": settings_module,
                    "DEBUG": "1",
                }
                migrated = self.run_in_project("manage.py", "migrate", "-v0", **environment)
                self.assertEqual(migrated.returncode, 0, migrated.stdout + migrated.stderr)
                listed = self.run_in_project("-c", tables, **environment)
                self.assertEqual(listed.returncode, 0, listed.stderr)
                for table in self.tables:
                    self.assertEqual(table in listed.stdout, present, table)


class WithoutSecondFactorsTests(WithoutAnAppMixin, SimpleTestCase):
    settings = "tokens.tests.without_mfa.settings"
    setting, check_id = "SECOND_FACTORS", "tokens.E013"
    routes = ("mfa", "mfa-totp", "login-mfa", "login-passkey")
    tables = ("tokens_totpfactor", "tokens_recoverycode", "tokens_passkey")


class WithoutAccountsTests(WithoutAnAppMixin, SimpleTestCase):
    settings = "tokens.tests.without_accounts.settings"
    setting, check_id = "ACCOUNTS", "tokens.E015"
    routes = ("register", "email-verify", "password-reset", "password-reset-confirm")
    tables = ("tokens_emailverification", "tokens_passwordresetstamp")
