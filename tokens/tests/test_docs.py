"""The documentation cannot drift: every dotted name and every setting it names exists."""

import importlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import global_settings, settings
from django.contrib import admin
from django.contrib.auth.models import UserManager
from django.db import models
from django.test import SimpleTestCase
from rest_framework.settings import DEFAULTS as DRF_DEFAULTS

from tokens.conf import DEFAULTS, RENAMED

PROJECT = Path(__file__).resolve().parents[2]
PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]

# `module.attr`, `Class.attr`, `function()` or `call(args)`: the dotted name before any call.
DOTTED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\([^`]*\))?`")
UPPER = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})`")
TOKENS_KEY = re.compile(r"""TOKENS\[["']([A-Z_]+)["']\]""")

# Short names the pages use for the app's modules.
MODULE_ROOTS = (
    "",
    "tokens.",
    "tokens.core.",
    "tokens.store.",
    "tokens.browser.",
    "tokens.operations.",
)
# Names of classes the pages use bare.
BARE = {"QuerySet": models.QuerySet, "UserManager": UserManager, "admin": admin}
# Dotted names that are not Python: files, check ids, a permission, a logger, instance attributes.
FILE_SUFFIXES = {
    "py",
    "md",
    "txt",
    "toml",
    "json",
    "sqlite3",
    "pem",
    "sock",
    "png",
    "yml",
    "ini",
    "js",
}
# Names of the browser's JavaScript API and host names, named in the pages about browsers.
NOT_PYTHON_ROOTS = {"PublicKeyCredential", "WebAuthn", "credential", "history", "navigator"}
DOMAINS = {"com", "org", "net", "test"}
INSTANCES = {"request", "self", "user", "token", "response"}
# Upper-case words that name no setting: HTTP methods, Redis and SQL commands, algorithms, levels.
WORDS = {
    *["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"],
    *["DEL", "FLUSHALL", "HMGET", "MGET", "PING", "CONFIG", "INFO", "INSERT", "UPDATE", "SELECT"],
    *["PEXPIREAT", "OOM"],
    *["HS256", "RS256", "ES256", "ERROR", "WARNING", "INFO", "DEBUG"],
    # The names of things in settings that are not settings themselves.
    *["DEFAULTS", "TOKENS", "CONNECTION_FACTORY", "USERNAME_FIELD", "REMOTE_ADDR"],
}


def benchmark_settings() -> set[str]:
    """The settings the benchmark's other libraries are run with (bench/*/settings.py), which the
    benchmarks page names: read as text, since those libraries are not installed here.
    """
    names: set[str] = set()
    for module in (PROJECT / "bench").glob("*/settings.py"):
        names |= set(re.findall(r"(?m)^([A-Z][A-Z0-9_]+) =", module.read_text()))
    return names


def mentions(pattern: re.Pattern) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for page in PAGES:
        for name in pattern.findall(page.read_text()):
            found.setdefault(name, set()).add(page.name)
    return found


def resolve(dotted: str) -> object:
    """The object ``dotted`` names, trying the app's short module names; raises if none."""
    parts = dotted.split(".")
    if parts[0] in BARE:
        return _attributes(BARE[parts[0]], parts[1:])
    if len(parts) == 2 and apps.is_installed(parts[0]):
        try:
            return apps.get_model(parts[0], parts[1])
        except LookupError:
            pass
    for root in MODULE_ROOTS:
        for cut in range(len(parts), 0, -1):
            try:
                module = importlib.import_module(root + ".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                return _attributes(module, parts[cut:])
            except AttributeError:
                break
    model = _model(parts[0])
    if model is not None:
        return _attributes(model, parts[1:])
    raise LookupError(dotted)


def _attributes(obj: object, names: list[str]) -> object:
    for name in names:
        if isinstance(obj, type) and issubclass(obj, models.Model):
            fields = {field.name: field for field in obj._meta.get_fields()}
            if name in fields and not hasattr(obj, name):
                obj = fields[name]
                continue
        obj = getattr(obj, name)
    return obj


def _model(name: str):
    """The model of that class name, the tokens app's first (``Session`` is also Django's)."""
    ordered = sorted(apps.get_models(), key=lambda model: model._meta.app_label != "tokens")
    return next((model for model in ordered if model.__name__ == name), None)


def not_python(dotted: str) -> bool:
    parts = dotted.split(".")
    return (
        parts[-1] in FILE_SUFFIXES
        or parts[-1] in DOMAINS
        or parts[0] in NOT_PYTHON_ROOTS
        # The project's own app, when a test settings module (the UUID user model) leaves it out.
        or (parts[0] == "accounts" and not apps.is_installed("accounts"))
        or parts[0] in INSTANCES
        or bool(re.fullmatch(r"tokens\.[EW]\d{3}", dotted))
        or dotted == "tokens.events"  # the auth event logger (config/settings.py LOGGING)
        or dotted in {"django.request", "django.server"}  # Django's loggers
        or dotted == "tokens.introspect_token"  # a permission (checked below)
        or dotted.startswith("settings.")
    )


class DocumentedNamesTests(SimpleTestCase):
    def test_every_dotted_name_resolves(self):
        unresolved = {}
        for dotted, pages in mentions(DOTTED).items():
            if not_python(dotted):
                continue
            try:
                resolve(dotted)
            except (LookupError, AttributeError):
                unresolved[dotted] = sorted(pages)
        self.assertEqual(unresolved, {})

    def test_settings_and_permissions_named_as_dotted_names_exist(self):
        for dotted in mentions(DOTTED):
            if dotted.startswith("settings."):
                with self.subTest(dotted):
                    self.assertTrue(hasattr(settings, dotted.split(".")[1]), dotted)
        permissions = {
            f"tokens.{codename}"
            for codename, _ in apps.get_model("tokens", "Session")._meta.permissions
        }
        self.assertIn("tokens.introspect_token", permissions)
        self.assertIn(
            "events", settings.LOGGING["loggers"].get("tokens.events", {}).get("handlers", [])
        )

    def test_every_tokens_key_exists(self):
        named = mentions(TOKENS_KEY)
        # A setting's old name, still read for one release, may be named where the docs say so.
        known = set(DEFAULTS) | set(RENAMED)
        self.assertEqual({key: pages for key, pages in named.items() if key not in known}, {})

    def test_every_upper_case_name_is_a_setting_or_a_variable(self):
        example = (PROJECT / ".env.example").read_text()
        variables = set(re.findall(r"(?m)^#?\s*([A-Z][A-Z0-9_]+)=", example))
        known = (
            set(DEFAULTS)
            | set(RENAMED)
            | variables
            | set(DRF_DEFAULTS)
            | {name for name in dir(global_settings) if name.isupper()}
            | {name for name in dir(settings) if name.isupper()}
            | benchmark_settings()
            | WORDS
        )
        self.assertEqual(
            {name: sorted(pages) for name, pages in mentions(UPPER).items() if name not in known},
            {},
        )
