"""Helpers for the account lifecycle tests (not a test module: neither runner collects it)."""

import re
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail

from tokens.tests.support import AuthAPITestCase, token_settings

# A password Django's validators accept, other than the one users are made with.
NEW_PASSWORD = "another-staple-battery-41"
LINK = re.compile(r"[?&](verify|reset)=([^\s&\"<]+)")


class OWASPArgon2Hasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1): a production cost of hashing for the
    timing tests, whatever the project's hashers are.
    """

    memory_cost = 19456
    parallelism = 1
    time_cost = 2


def unlimited():
    """No rate limits and no waits after a failed login: tests that log in right after one."""
    return token_settings(
        LOGIN_FAILURE_DELAY=0, THROTTLE_RATES=dict.fromkeys(settings.TOKENS["THROTTLE_RATES"])
    )


def has_username() -> bool:
    model = get_user_model()
    return model.get_email_field_name() != model.USERNAME_FIELD


def register_body(email: str, password: str, username: str = "newcomer") -> dict:
    """The body of ``register/`` for this user model (a username only when it has one)."""
    body = {"email": email, "password": password}
    if has_username():
        body["username"] = username
    return body


def key_in(message, kind: str) -> str:
    """The key of the ``verify`` or ``reset`` link in a mail's text and HTML bodies (they agree)."""
    found = {unquote(key) for name, key in LINK.findall(message.body) if name == kind}
    html = message.alternatives[0][0] if message.alternatives else ""
    assert found and found == {unquote(k) for n, k in LINK.findall(html) if n == kind}, message.body
    return found.pop()


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


class LifecycleTestCase(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        mail.outbox.clear()

    def post(self, path: str, body: dict, **headers):
        return self.client.post(f"/api/auth/{path}", body, format="json", **headers)

    def login_as(self, name: str, password: str):
        return self.client.post(
            "/api/auth/login/", {"username": name, "password": password}, format="json"
        )

    def last_key(self, address: str, kind: str) -> str:
        return key_in(mails_to(address)[-1], kind)
