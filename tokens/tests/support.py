"""Shared helpers for the test cases (not a test module: neither runner collects it)."""

import base64
import json
import threading
import time
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.test import override_settings
from django_redis import get_redis_connection
from redis.connection import AbstractConnection
from rest_framework.test import APITestCase, APITransactionTestCase

from tokens.store import epoch as store_epoch

PASSWORD = "correct-horse-battery-9"


# The ``reason`` values of a ``token_revoked`` answer (the API contract's list).
REVOKED_REASONS = frozenset(
    {
        "logout",
        "revoked",
        "logout_all",
        "password_changed",
        "password_reset",
        "user_disabled",
        "factor_added",
        "factors_removed",
        "reuse_detected",
        "session_limit",
        "expired",
    }
)

# The keys of an item of ``GET sessions/`` as the API contract fixes them.
SESSION_ITEM_KEYS = frozenset(
    {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "ip_address",
        "user_agent",
        "device",
        "current",
    }
)


def claims(token: str) -> dict:
    """The payload of a JWT, read without verifying it."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def make_user(username="alice", email=None, password=PASSWORD, **extra):
    """A user of whatever the user model is; one that logs in by e-mail gets
    ``<username>@example.com``.
    """
    model = get_user_model()
    email = f"{username}@example.com" if email is None else email
    if model.get_email_field_name() == model.USERNAME_FIELD:
        fields = {field.name for field in model._meta.get_fields()}
        return model._default_manager.create_user(
            email, password, **{k: v for k, v in extra.items() if k in fields}
        )
    return model._default_manager.create_user(username, email, password, **extra)


def login_name(username: str) -> str:
    """What the user ``make_user(username)`` logs in with: its username, or its e-mail address."""
    model = get_user_model()
    return (
        f"{username}@example.com"
        if model.get_email_field_name() == model.USERNAME_FIELD
        else username
    )


def disable_by_raw_sql(user) -> None:
    """Set ``is_active`` false behind the ORM's back: no signal, no queryset sees it."""
    meta, quote = user._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote(meta.get_field('is_active').column)} = %s "
            f"WHERE {quote(meta.pk.column)} = %s",
            [False, meta.pk.get_db_prep_value(user.pk, connection)],
        )


def uses_accounts() -> bool:
    """Whether the project's own user model (``accounts.User``) is the configured one."""
    return settings.AUTH_USER_MODEL == "accounts.User"


class RealRedisMixin:
    """Start every test with an empty Redis database (the real server, never a fake)."""

    def setUp(self):
        super().setUp()
        get_redis_connection("default").flushdb()
        # Each test starts with a Redis that answers: no breaker left open, no epoch remembered.
        store_epoch.reset_for_tests()


class AuthAPIMixin(RealRedisMixin):
    """API tests: a user ``alice`` and helpers for the token flows."""

    def setUp(self):
        super().setUp()
        self.user = make_user()

    def login(self, username="alice", password=PASSWORD, **headers) -> dict:
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name(username), "password": password},
            format="json",
            **headers,
        )
        self.assertEqual(response.status_code, 200, response.content)
        # Header (or body) tokens only, unless a test asks for cookies explicitly.
        self.client.cookies.clear()
        return response.json()

    def refresh(self, refresh_token, **headers):
        return self.client.post(
            "/api/auth/refresh/", {"refresh_token": refresh_token}, format="json", **headers
        )

    def me(self, access_token):
        return self.client.get("/api/auth/me/", **bearer(access_token))

    def assertError(self, response, status_code, code, reason=None):
        """An error of the contract; ``token_revoked`` always names one of its reasons, and
        ``reason`` when given."""
        self.assertEqual(response.status_code, status_code, response.content)
        body = response.json()
        self.assertEqual(body["code"], code, body)
        self.assertIsInstance(body["detail"], str)
        if code == "token_revoked":
            self.assertIn(body.get("reason"), REVOKED_REASONS, body)
        if reason is not None:
            self.assertEqual(body.get("reason"), reason, body)
        if status_code == 401:
            self.assertTrue(response["WWW-Authenticate"].startswith('Bearer realm="api"'))
            if code.startswith("token_") or code == "user_inactive":
                self.assertIn('error="invalid_token"', response["WWW-Authenticate"])


class AuthAPITestCase(AuthAPIMixin, APITestCase):
    """Each test in a transaction that is rolled back."""


class AuthAPITransactionTestCase(AuthAPIMixin, APITransactionTestCase):
    """Data really committed, for servers in other processes to see."""


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class FrozenClock:
    """Patch target for ``tokens.core.clock.time``: a clock the test moves by hand (in seconds,
    fractions too).
    """

    def __init__(self, start=None):
        self.current = int(time.time()) if start is None else start

    def __call__(self):
        return self.current

    def advance(self, seconds: float):
        self.current += seconds

    def install(self, testcase):
        """Make this the clock of ``testcase`` until it ends; return the clock."""
        patcher = mock.patch("tokens.core.clock.time", self)
        patcher.start()
        testcase.addCleanup(patcher.stop)
        return self


def token_settings(**overrides):
    """``override_settings`` for some keys of ``settings.TOKENS``, keeping the others."""
    return override_settings(TOKENS={**settings.TOKENS, **overrides})


def rate_limits(**rates):
    """``override_settings`` for some throttle rates of ``TOKENS["THROTTLE_RATES"]``, keeping the
    others.
    """
    return token_settings(THROTTLE_RATES={**settings.TOKENS["THROTTLE_RATES"], **rates})


def without_rate_limits():
    """Every throttle of the app off (``None`` rates)."""
    return token_settings(THROTTLE_RATES=dict.fromkeys(settings.TOKENS["THROTTLE_RATES"]))


@contextmanager
def count_redis_round_trips():
    """Count what the real Redis connections send: one send is one round trip (a pipeline too).

    Only this thread's: the local copy's channel PINGs Redis from a thread of its own.
    """
    sent = []
    original = AbstractConnection.send_packed_command
    counted = threading.get_ident()

    def counting(self, command, check_health=True):
        if threading.get_ident() == counted:
            sent.append(command)
        return original(self, command, check_health)

    AbstractConnection.send_packed_command = counting
    try:
        yield sent
    finally:
        AbstractConnection.send_packed_command = original


@contextmanager
def database_fault(statement_start: str, statements: int = 1):
    """A database fault on the first run of each of the next ``statements`` different statements
    starting with ``statement_start``: the connection's own execute wrapper raises what a
    terminated backend raises.
    """
    failed: set[str] = set()

    def wrapper(execute, sql, params, many, context):
        matches = sql.lstrip().upper().startswith(statement_start)
        if matches and sql not in failed and len(failed) < statements:
            failed.add(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed
