"""The core without ``tokens.mfa``: slow, each test runs the project in a subprocess
(``tokens/tests/without_mfa/settings.py``), on a test database and a Redis of its own.
"""

import os
import subprocess
import sys

from django.test import SimpleTestCase

from tokens.tests.servers import PROJECT, PrivateRedis

SETTINGS = "tokens.tests.without_mfa.settings"

# The core's login, refresh, logout and me/ tests, as the project's suite runs them.
CORE_TESTS = (
    "tokens/tests/api/test_login.py",
    "tokens/tests/api/test_refresh.py",
    "tokens/tests/api/test_logout.py",
    "tokens/tests/api/test_me.py",
)


class WithoutSecondFactorsTests(SimpleTestCase):
    """A project that leaves ``tokens.mfa`` out, as docs/quickstart.md says, works."""

    def setUp(self):
        redis = PrivateRedis().start()
        self.addCleanup(redis.stop)
        self.environment = {
            **{name: value for name, value in os.environ.items() if name != "PYTEST_VERSION"},
            "DJANGO_SETTINGS_MODULE": SETTINGS,
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
            "-m", "pytest", f"--ds={SETTINGS}", *CORE_TESTS, "-q", "-p", "no:randomly"
        )
        self.assertEqual(finished.returncode, 0, finished.stdout[-4000:] + finished.stderr)
        self.assertIn(" passed", finished.stdout)

    def test_the_checks_pass_and_the_second_factors_endpoints_are_not_served(self):
        # Outside a test runner the settings want secrets, or development's (DEBUG).
        finished = self.run_in_project("manage.py", "check", "--fail-level", "WARNING", DEBUG="1")
        self.assertEqual(finished.returncode, 0, finished.stdout + finished.stderr)
        finished = self.run_in_project(
            "-c",
            "import django; django.setup()\n"
            "from django.urls import NoReverseMatch, reverse\n"
            "reverse('tokens:reauthenticate')\n"
            "for name in ('mfa', 'mfa-totp', 'login-mfa', 'login-passkey'):\n"
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
            "with override_settings(TOKENS={**settings.TOKENS, 'SECOND_FACTORS': True}):\n"
            "    print(sorted({message.id for message in run_checks()}))\n",
            DEBUG="1",
        )
        self.assertEqual(finished.returncode, 0, finished.stderr)
        self.assertIn("tokens.E013", finished.stdout)
