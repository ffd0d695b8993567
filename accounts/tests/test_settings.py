import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import send_mail
from django.test import SimpleTestCase, override_settings

from config.settings import email_settings
from tokens.tests.mail_server import MailServer, text_of

PROJECT = Path(__file__).resolve().parents[2]
GOOD_KEYS = {
    "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-settings-tests-0123456789",
    "ACCESS_SIGNING_KEY": "a" * 64,
    "REFRESH_SIGNING_KEY": "r" * 64,
}
REPORT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
    "'engine': s.DATABASES['default']['ENGINE'], "
    "'db_name': str(s.DATABASES['default']['NAME']), 'redis': s.CACHES['default']['LOCATION'], "
    "'tokens': {k: v for k, v in s.TOKENS.items() if not k.endswith('KEY')}, "
    "'hashers': s.PASSWORD_HASHERS[0], 'proxies': s.REST_FRAMEWORK['NUM_PROXIES'], "
    "'cookie_age': s.SESSION_COOKIE_AGE, "
    "'mail': [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
    "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT, s.DEFAULT_FROM_EMAIL]}))"
)
VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "ACCESS_SIGNING_KEY",
    "REFRESH_SIGNING_KEY",
    "ACCESS_TOKEN_LIFETIME",
    "REFRESH_TOKEN_LIFETIME",
    "SESSION_LIFETIME",
    "ROTATION_GRACE_PERIOD",
    "ACCESS_ALGORITHM",
    "ACCESS_PRIVATE_KEY",
    "SIGNING_KEYS_DIR",
    "REDIS_CLUSTER",
    "COOKIE_TRANSPORT",
    "LOCAL_SESSION_COPY",
    "LOCAL_SESSION_COPY_SIZE",
    "TOKEN_BINDING",
    "LOGIN_FAILURE_DELAY",
    "LOGIN_FAILURE_MAX_DELAY",
    "NUM_PROXIES",
    "THROTTLE_LOGIN_IP",
    "THROTTLE_LOGIN_USERNAME",
    "THROTTLE_REFRESH_IP",
    "METRICS_ACCESS",
    "METRICS_BEARER_TOKEN",
    "AUTH_EVENT_RETENTION_DAYS",
    "THROTTLE_MAIL_IP",
    "THROTTLE_MAIL_ADDRESS",
    "THROTTLE_SOCIAL_IP",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_VERIFICATION",
    "SITE_URL",
    "EMAIL_VERIFY_URL",
    "PASSWORD_RESET_URL",
    "EMAIL_VERIFICATION_KEY_LIFETIME",
    "PASSWORD_RESET_KEY_LIFETIME",
    "REAUTHENTICATION_WINDOW",
    "ADMIN_SESSION_IDLE",
    "ADMIN_SESSION_ABSOLUTE",
    "SESSION_COOKIE_AGE",
    "TOKEN_ISSUER",
    "TOKEN_AUDIENCE",
    "PASSKEY_RP_ID",
    "PASSKEY_ORIGINS",
    "NEW_DEVICE_MAIL",
    "MAIL_THREADS",
    "MAIL_ATTEMPTS",
    "SOCIAL_PROVIDERS",
    "SOCIAL_GOOGLE_CLIENT_ID",
    "SOCIAL_REDIRECT_URLS",
    "SOCIAL_SIGNUP",
    "BREACHED_PASSWORDS_URL",
    "MFA_REQUIRED",
    "PYTEST_VERSION",
    "DJANGO_SETTINGS_MODULE",
)


def run_python(code, **env_vars):
    """Run ``code`` in a fresh interpreter with only the given configuration variables."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class SettingsFromEnvironmentTests(SimpleTestCase):
    def report(self, **env_vars):
        result = run_python(REPORT, **env_vars)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_defaults_without_the_environment(self):
        settings = self.report(DEBUG="1")
        self.assertTrue(settings["debug"])
        self.assertEqual(settings["hosts"], ["localhost", "127.0.0.1"])
        self.assertEqual(settings["engine"], "config.sqlite3")
        self.assertEqual(
            settings["tokens"],
            {
                "ACCESS_TOKEN_LIFETIME": 900,
                "REFRESH_TOKEN_LIFETIME": 604800,
                "SESSION_LIFETIME": 2592000,
                "ROTATION_GRACE_PERIOD": 10,
                "ACCESS_ALGORITHM": "HS256",
                "SIGNING_KEYS_DIR": str(PROJECT / "var" / "signing-keys"),
                "COOKIE_TRANSPORT": True,
                "LOCAL_SESSION_COPY": True,
                "LOCAL_SESSION_COPY_SIZE": 10000,
                "COOKIE_SECURE": False,
                "TOKEN_BINDING": False,
                "THROTTLE_RATES": {
                    "login_ip": "30/min",
                    "login_username": "10/hour",
                    "refresh_ip": "120/min",
                    "mail_ip": "20/hour",
                    "mail_address": "3/hour",
                    "social_ip": "60/min",
                },
                "LOGIN_FAILURE_DELAY": 1,
                "LOGIN_FAILURE_MAX_DELAY": 300,
                "METRICS_ACCESS": "staff",
                "METRICS_BEARER_TOKEN": "",
                "AUTH_EVENT_RETENTION_DAYS": 90,
                "EMAIL_VERIFICATION": "mandatory",
                "SITE_URL": "http://localhost:8000",
                "EMAIL_VERIFY_URL": "/?verify={key}",
                "PASSWORD_RESET_URL": "/?reset={key}",
                "EMAIL_VERIFICATION_KEY_LIFETIME": 86400,
                "PASSWORD_RESET_KEY_LIFETIME": 3600,
                "REAUTHENTICATION_WINDOW": 300,
                "ADMIN_SESSION_IDLE": 1800,
                "ADMIN_SESSION_ABSOLUTE": 43200,
                "ISSUER": None,
                "AUDIENCE": None,
                "PASSKEY_RP_ID": None,
                "PASSKEY_ORIGINS": [],
                "NEW_DEVICE_MAIL": True,
                "MAIL_THREADS": 2,
                "MAIL_ATTEMPTS": 3,
                "SOCIAL_PROVIDERS": {},
                "SOCIAL_REDIRECT_URLS": [],
                "SOCIAL_SIGNUP": True,
                "BREACHED_PASSWORDS_URL": "https://api.pwnedpasswords.com/range/",
                "MFA_REQUIRED": "none",
            },
        )
        self.assertEqual(
            settings["mail"],
            [
                "django.core.mail.backends.console.EmailBackend",
                "localhost",
                25,
                "",
                "",
                False,
                10,
                "webmaster@localhost",
            ],
        )
        self.assertEqual(settings["hashers"], "accounts.hashers.Argon2idPasswordHasher")
        self.assertEqual(settings["proxies"], 0)
        self.assertEqual(settings["cookie_age"], 1209600)
        if "REDIS_URL" not in os.environ:
            self.assertTrue(settings["redis"].startswith("unix://"), settings["redis"])

    def test_every_variable_is_read(self):
        settings = self.report(
            **GOOD_KEYS,
            DEBUG="0",
            ALLOWED_HOSTS="api.example.com, example.com",
            DATABASE_URL="postgres://someone@db.example.com:5432/auth",
            REDIS_URL="redis://127.0.0.1:6379/3",
            ACCESS_TOKEN_LIFETIME="60",
            REFRESH_TOKEN_LIFETIME="3600",
            SESSION_LIFETIME="86400",
            ROTATION_GRACE_PERIOD="0",
            ACCESS_ALGORITHM="ES256",
            SIGNING_KEYS_DIR="/srv/keys",
            COOKIE_TRANSPORT="0",
            LOCAL_SESSION_COPY="0",
            LOCAL_SESSION_COPY_SIZE="500",
            TOKEN_BINDING="1",
            LOGIN_FAILURE_DELAY="2",
            LOGIN_FAILURE_MAX_DELAY="600",
            NUM_PROXIES="1",
            THROTTLE_LOGIN_IP="5/min",
            THROTTLE_LOGIN_USERNAME="6/hour",
            THROTTLE_REFRESH_IP="7/min",
            METRICS_ACCESS="bearer",
            METRICS_BEARER_TOKEN="scrape-0123",
            AUTH_EVENT_RETENTION_DAYS="400",
            THROTTLE_MAIL_IP="8/hour",
            THROTTLE_MAIL_ADDRESS="9/day",
            THROTTLE_SOCIAL_IP="10/min",
            EMAIL_URL="smtp://mailer:p%40ss@mail.example.com:587/?tls=True&timeout=5",
            DEFAULT_FROM_EMAIL="accounts@example.com",
            EMAIL_VERIFICATION="optional",
            SITE_URL="https://accounts.example.com",
            EMAIL_VERIFY_URL="https://app.example.com/verify/{key}",
            PASSWORD_RESET_URL="https://app.example.com/reset/{key}",
            EMAIL_VERIFICATION_KEY_LIFETIME="600",
            PASSWORD_RESET_KEY_LIFETIME="300",
            REAUTHENTICATION_WINDOW="120",
            ADMIN_SESSION_IDLE="900",
            ADMIN_SESSION_ABSOLUTE="28800",
            SESSION_COOKIE_AGE="28800",
            TOKEN_ISSUER="https://auth.example.com",
            TOKEN_AUDIENCE="billing",
            PASSKEY_RP_ID="example.com",
            PASSKEY_ORIGINS="https://app.example.com, https://example.com",
            NEW_DEVICE_MAIL="0",
            MAIL_THREADS="4",
            MAIL_ATTEMPTS="5",
            SOCIAL_PROVIDERS="google",
            SOCIAL_GOOGLE_CLIENT_ID="1234.apps.googleusercontent.com",
            SOCIAL_REDIRECT_URLS="https://app.example.com/, https://example.com/account/",
            SOCIAL_SIGNUP="false",
            BREACHED_PASSWORDS_URL="https://pwned.example.com/range/",
            MFA_REQUIRED="staff",
        )
        self.assertFalse(settings["debug"])
        self.assertEqual(settings["hosts"], ["api.example.com", "example.com"])
        self.assertEqual(settings["engine"], "django.db.backends.postgresql")
        self.assertEqual(settings["db_name"], "auth")
        self.assertEqual(settings["redis"], "redis://127.0.0.1:6379/3")
        self.assertEqual(
            settings["tokens"],
            {
                "ACCESS_TOKEN_LIFETIME": 60,
                "REFRESH_TOKEN_LIFETIME": 3600,
                "SESSION_LIFETIME": 86400,
                "ROTATION_GRACE_PERIOD": 0,
                "ACCESS_ALGORITHM": "ES256",
                "SIGNING_KEYS_DIR": "/srv/keys",
                "COOKIE_TRANSPORT": False,
                "LOCAL_SESSION_COPY": False,
                "LOCAL_SESSION_COPY_SIZE": 500,
                "COOKIE_SECURE": True,
                "TOKEN_BINDING": True,
                "THROTTLE_RATES": {
                    "login_ip": "5/min",
                    "login_username": "6/hour",
                    "refresh_ip": "7/min",
                    "mail_ip": "8/hour",
                    "mail_address": "9/day",
                    "social_ip": "10/min",
                },
                "LOGIN_FAILURE_DELAY": 2,
                "LOGIN_FAILURE_MAX_DELAY": 600,
                "METRICS_ACCESS": "bearer",
                "METRICS_BEARER_TOKEN": "scrape-0123",
                "AUTH_EVENT_RETENTION_DAYS": 400,
                "EMAIL_VERIFICATION": "optional",
                "SITE_URL": "https://accounts.example.com",
                "EMAIL_VERIFY_URL": "https://app.example.com/verify/{key}",
                "PASSWORD_RESET_URL": "https://app.example.com/reset/{key}",
                "EMAIL_VERIFICATION_KEY_LIFETIME": 600,
                "PASSWORD_RESET_KEY_LIFETIME": 300,
                "REAUTHENTICATION_WINDOW": 120,
                "ADMIN_SESSION_IDLE": 900,
                "ADMIN_SESSION_ABSOLUTE": 28800,
                "ISSUER": "https://auth.example.com",
                "AUDIENCE": "billing",
                "PASSKEY_RP_ID": "example.com",
                "PASSKEY_ORIGINS": ["https://app.example.com", "https://example.com"],
                "NEW_DEVICE_MAIL": False,
                "MAIL_THREADS": 4,
                "MAIL_ATTEMPTS": 5,
                "SOCIAL_PROVIDERS": {"google": {"client_id": "1234.apps.googleusercontent.com"}},
                "SOCIAL_REDIRECT_URLS": [
                    "https://app.example.com/",
                    "https://example.com/account/",
                ],
                "SOCIAL_SIGNUP": False,
                "BREACHED_PASSWORDS_URL": "https://pwned.example.com/range/",
                "MFA_REQUIRED": "staff",
            },
        )
        self.assertEqual(
            settings["mail"],
            [
                "django.core.mail.backends.smtp.EmailBackend",
                "mail.example.com",
                587,
                "mailer",
                "p@ss",
                True,
                5,
                "accounts@example.com",
            ],
        )
        self.assertEqual(settings["proxies"], 1)
        self.assertEqual(settings["cookie_age"], 28800)

    def test_the_breached_password_check_is_off_when_empty_and_under_the_test_runners(self):
        # A test run must never wait on the internet; a test of the check names its own server.
        for env_vars in ({"BREACHED_PASSWORDS_URL": ""}, {"PYTEST_VERSION": "8"}):
            with self.subTest(env_vars):
                settings = self.report(DEBUG="1", **env_vars)
                self.assertEqual(settings["tokens"]["BREACHED_PASSWORDS_URL"], "")
        settings = self.report(
            DEBUG="1", PYTEST_VERSION="8", BREACHED_PASSWORDS_URL="http://127.0.0.1:9/range/"
        )
        self.assertEqual(settings["tokens"]["BREACHED_PASSWORDS_URL"], "http://127.0.0.1:9/range/")

    def test_bad_numbers_stop_start_up_with_a_clear_message(self):
        result = run_python(REPORT, DEBUG="1", ACCESS_TOKEN_LIFETIME="fifteen minutes")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ACCESS_TOKEN_LIFETIME", result.stderr)


class ProductionStartTests(SimpleTestCase):
    def test_missing_secrets_stop_start_up(self):
        for missing in GOOD_KEYS:
            with self.subTest(missing=missing):
                env = {k: v for k, v in GOOD_KEYS.items() if k != missing}
                result = run_python(REPORT, DEBUG="0", **env)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(f"{missing} is not set", result.stderr)

    def test_asymmetric_access_tokens_need_no_access_secret(self):
        env = {k: v for k, v in GOOD_KEYS.items() if k != "ACCESS_SIGNING_KEY"}
        result = run_python(REPORT, DEBUG="0", ACCESS_ALGORITHM="EdDSA", **env)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_an_unsupported_access_algorithm_stops_start_up(self):
        result = run_python(REPORT, DEBUG="0", ACCESS_ALGORITHM="HS512", **GOOD_KEYS)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ACCESS_ALGORITHM", result.stderr)

    def test_equal_signing_keys_stop_start_up(self):
        result = run_python(
            REPORT,
            DEBUG="0",
            **{**GOOD_KEYS, "REFRESH_SIGNING_KEY": GOOD_KEYS["ACCESS_SIGNING_KEY"]},
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("must differ", result.stderr)

    def test_check_deploy_is_clean(self):
        code = (
            "import sys; from django.core.management import execute_from_command_line as r; "
            "r(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
        )
        result = run_python(code, DEBUG="0", **GOOD_KEYS)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)


class MailSettingsTests(SimpleTestCase):
    def test_a_bad_mail_url_or_verification_mode_stops_start_up(self):
        for name, value in (("EMAIL_URL", "pigeon://loft"), ("EMAIL_VERIFICATION", "sometimes")):
            with self.subTest(name):
                result = run_python(REPORT, DEBUG="1", **{name: value})
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(name, result.stderr)

    def test_mail_goes_through_the_smtp_server_the_url_names(self):
        server = MailServer()
        server.controller.start()
        self.addCleanup(server.controller.stop)
        with override_settings(**email_settings(f"smtp://127.0.0.1:{server.port}/?timeout=3")):
            send_mail("Hello", "Through the URL.", "from@example.com", ["to@example.com"])
        self.assertEqual(len(server.messages), 1)
        self.assertEqual(text_of(server.messages[0]).strip(), "Through the URL.")
