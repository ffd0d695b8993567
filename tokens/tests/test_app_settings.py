"""The tokens app on its own: its settings, checks and routes, without help from the project's
settings.
"""

import re
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.test import SimpleTestCase, override_settings
from django.urls import include, path

from tokens.browser.cookie_names import cookie_name
from tokens.conf import DEFAULTS
from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name, token_settings

PROJECT = Path(__file__).resolve().parents[2]

# The environment variables whose defaults are the app's own (config/settings.py reads them with
# these).
ENVIRONMENT_DEFAULTS = {
    "ACCESS_TOKEN_LIFETIME": DEFAULTS["ACCESS_TOKEN_LIFETIME"],
    "REFRESH_TOKEN_LIFETIME": DEFAULTS["REFRESH_TOKEN_LIFETIME"],
    "SESSION_LIFETIME": DEFAULTS["SESSION_LIFETIME"],
    "ROTATION_GRACE_PERIOD": DEFAULTS["ROTATION_GRACE_PERIOD"],
    "ACCESS_ALGORITHM": DEFAULTS["ACCESS_ALGORITHM"],
    "COOKIE_TRANSPORT": int(DEFAULTS["COOKIE_TRANSPORT"]),
    "TOKEN_BINDING": int(DEFAULTS["TOKEN_BINDING"]),
    "LOGIN_FAILURE_DELAY": DEFAULTS["LOGIN_FAILURE_DELAY"],
    "LOGIN_FAILURE_MAX_DELAY": DEFAULTS["LOGIN_FAILURE_MAX_DELAY"],
    **{f"THROTTLE_{scope.upper()}": rate for scope, rate in DEFAULTS["THROTTLE_RATES"].items()},
    "EMAIL_VERIFICATION": DEFAULTS["EMAIL_VERIFICATION"],
    "SITE_URL": DEFAULTS["SITE_URL"],
    "EMAIL_VERIFY_URL": DEFAULTS["EMAIL_VERIFY_URL"],
    "PASSWORD_RESET_URL": DEFAULTS["PASSWORD_RESET_URL"],
    "EMAIL_VERIFICATION_KEY_LIFETIME": DEFAULTS["EMAIL_VERIFICATION_KEY_LIFETIME"],
    "PASSWORD_RESET_KEY_LIFETIME": DEFAULTS["PASSWORD_RESET_KEY_LIFETIME"],
    "REAUTHENTICATION_WINDOW": DEFAULTS["REAUTHENTICATION_WINDOW"],
    "ADMIN_SESSION_IDLE": DEFAULTS["ADMIN_SESSION_IDLE"],
    "ADMIN_SESSION_ABSOLUTE": DEFAULTS["ADMIN_SESSION_ABSOLUTE"],
    "NEW_DEVICE_MAIL": int(DEFAULTS["NEW_DEVICE_MAIL"]),
}


def check_ids(*tags) -> set[str]:
    return {message.id for message in checks.run_checks(tags=tags or None)}


class SettingsChecksTests(SimpleTestCase):
    def test_a_misspelt_setting_is_named(self):
        with token_settings(ACESS_TOKEN_LIFETIME=60):
            errors = [message for message in checks.run_checks() if message.id == "tokens.E005"]
        self.assertEqual(len(errors), 1)
        self.assertIn("ACESS_TOKEN_LIFETIME", errors[0].msg)
        self.assertIn("ACCESS_TOKEN_LIFETIME", errors[0].hint)

    def test_the_cache_must_be_django_redis(self):
        self.assertNotIn("tokens.E006", check_ids())
        local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with override_settings(CACHES=local):
            self.assertIn("tokens.E006", check_ids("caches"))
        with token_settings(CACHE_ALIAS="sessions"):
            self.assertIn("tokens.E006", check_ids("caches"))


class DefaultsWrittenOnceTests(SimpleTestCase):
    """``tokens.conf.DEFAULTS`` is the one place; the example environment and the docs agree with
    it.
    """

    def test_the_example_environment(self):
        example = dict(re.findall(r"(?m)^([A-Z_]+)=(.*)$", (PROJECT / ".env.example").read_text()))
        for name, default in ENVIRONMENT_DEFAULTS.items():
            with self.subTest(name):
                self.assertEqual(example[name], str(default))

    def test_the_settings_reference(self):
        reference = (PROJECT / "docs" / "configuration.md").read_text()
        environment = reference.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
        table = dict(re.findall(r"(?m)^\| `([A-Z_]+)` \| `?([^`|]*?)`? \|", environment))
        for name, default in ENVIRONMENT_DEFAULTS.items():
            with self.subTest(name):
                shown = (
                    {"1": "on", "0": "off"}.get(str(default), str(default))
                    if name in {"COOKIE_TRANSPORT", "TOKEN_BINDING", "NEW_DEVICE_MAIL"}
                    else str(default)
                )
                self.assertEqual(table.get(name), shown)

    def test_every_app_setting_is_in_the_reference(self):
        documented = set(
            re.findall(
                r"(?m)^\| `([A-Z_]+)` \|", (PROJECT / "docs" / "configuration.md").read_text()
            )
        )
        self.assertEqual(set(DEFAULTS) - documented, set())


urlpatterns = [path("auth/v2/", include("tokens.urls"))]
handler404 = "tokens.error_pages.api_not_found"


@override_settings(
    ROOT_URLCONF=__name__,
    REST_FRAMEWORK={"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]},
)
class WithoutTheProjectsSettingsTests(AuthAPITestCase):
    """The app's URLs under another prefix, and DRF left at its defaults but for a permissive
    default.
    """

    def test_errors_keep_the_contract_shape(self):
        response = self.client.post(
            "/auth/v2/login/", {"username": login_name("alice"), "password": "wrong"}, format="json"
        )
        self.assertError(response, 401, "invalid_credentials")
        self.assertError(self.client.get("/auth/v2/me/"), 401, "not_authenticated")

    def test_unknown_paths_under_the_apps_prefix_answer_in_the_apis_shape(self):
        self.assertError(self.client.get("/auth/nothing/"), 404, "not_found")
        elsewhere = self.client.get("/api/nothing/")
        self.assertEqual(elsewhere.status_code, 404)
        self.assertTrue(elsewhere["Content-Type"].startswith("text/html"))

    def test_deeply_nested_json_is_a_parse_error_without_the_projects_parsers(self):
        response = self.client.generic(
            "POST", "/auth/v2/login/", "[" * 1000 + "]" * 1000, content_type="application/json"
        )
        self.assertError(response, 400, "parse_error")

    def test_its_views_authenticate_themselves_and_the_refresh_cookie_follows_the_prefix(self):
        response = self.client.post(
            "/auth/v2/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.cookies[
                cookie_name(
                    settings.TOKENS.get("REFRESH_COOKIE_NAME", "refresh_token"), "/auth/v2/"
                )
            ]["path"],
            "/auth/v2/",
        )
        token = response.json()["access_token"]
        self.assertEqual(
            self.client.get("/auth/v2/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code, 200
        )

    @token_settings(
        THROTTLE_RATES={
            "login_ip": "1/min",
            "login_username": None,
            "refresh_ip": None,
            "mail_ip": None,
            "mail_address": None,
        }
    )
    def test_rate_limits_are_the_apps_settings(self):
        self.client.post("/auth/v2/login/", {"username": "nobody", "password": "x"}, format="json")
        response = self.client.post(
            "/auth/v2/login/", {"username": "nobody", "password": "x"}, format="json"
        )
        self.assertError(response, 429, "throttled")


class SettingsReadOnceTests(SimpleTestCase):
    """Values are kept once read, and read again whenever ``settings.TOKENS`` changes."""

    def test_a_value_read_follows_override_settings_in_and_out(self):
        from tokens.conf import token_settings as app_settings

        before = app_settings.ACCESS_TOKEN_LIFETIME
        with token_settings(ACCESS_TOKEN_LIFETIME=before + 1):
            self.assertEqual(app_settings.ACCESS_TOKEN_LIFETIME, before + 1)
        self.assertEqual(app_settings.ACCESS_TOKEN_LIFETIME, before)

    def test_an_unknown_name_is_refused(self):
        from tokens.conf import token_settings as app_settings

        with self.assertRaises(AttributeError):
            app_settings.NO_SUCH_SETTING  # noqa: B018
