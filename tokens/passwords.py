"""Breached passwords (OWASP ASVS V6.2.12): a password validator that asks Have I Been Pwned's
range API by k-anonymity, so that only the first five hex digits of a password's SHA-1 ever leave
the server (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange).

A project names it in ``AUTH_PASSWORD_VALIDATORS``; every form and serializer that runs Django's
validators (``register/``, ``password/``, ``password/reset/confirm/``, the admin's password
forms) then refuses a breached password. The address is the setting ``BREACHED_PASSWORDS_URL``
(empty: no check). A service that does not answer within ``BREACHED_PASSWORDS_TIMEOUT`` seconds
(name lookup, connection and body together) leaves the password unjudged, with a warning in the
log: a sign-up never waits on the internet, and the other validators still apply.

Written here on the standard library rather than taken from pwned-passwords-django: that package
reads its address from a class attribute and its timeout once at import (neither is a setting, nor
follows ``override_settings``), cannot be turned off by a setting, bounds the connection and each
read but not the name lookup, and brings in httpx, which nothing else here needs. The protocol is
one GET and a search of the lines of its answer.
"""

import hashlib
import http.client
import logging
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from tokens.conf import token_settings

logger = logging.getLogger(__name__)

# Asked by the range API's documentation: the answer then holds 800 to 1,000 lines whatever the
# prefix, the real ones and padding with a count of 0, so its size tells an observer nothing.
HEADERS = {"Add-Padding": "true", "User-Agent": "django-dual-token-auth (breached passwords)"}
# An answer holds about 1,000 lines of 40 bytes; a longer one is not the range API's.
MAX_ANSWER = 1 << 20


def sha1_hex(password: str) -> str:
    """The upper-case hex SHA-1 of ``password`` (UTF-8), as the range API spells hashes."""
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


def breach_count(answer: str, suffix: str) -> int:
    """How often the hash ending in ``suffix`` was seen in breaches, by a range answer's lines
    (``SUFFIX:COUNT``); padding lines count 0, and a listed hash whose count cannot be read 1.
    """
    for line in answer.splitlines():
        candidate, _, count = line.partition(":")
        if candidate.strip().upper() == suffix:
            count = count.strip().replace(",", "")
            return int(count) if count.isdigit() else 1
    return 0


def fetch_range(url: str, deadline: float) -> str:
    """The range API's answer at ``url``; raises ``OSError``, ``ValueError`` or an
    ``http.client.HTTPException`` on a failure, and ``TimeoutError`` past ``deadline``.
    """
    request = urllib.request.Request(url, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=max(deadline - time.monotonic(), 0.01)) as answer:
        body = b""
        # Read by chunks: the socket's timeout bounds each read, this bounds them all (a server
        # that trickles bytes).
        while chunk := answer.read(8192):
            body += chunk
            if time.monotonic() > deadline:
                raise TimeoutError("the answer did not end in time")
            if len(body) > MAX_ANSWER:
                raise ValueError("the answer is longer than a range answer")
    return body.decode("ascii")


def ask_range_api(base_url: str, prefix: str, timeout: float) -> str | None:
    """The range answer for ``prefix``, or None (logged) when the service did not give one within
    ``timeout`` seconds.

    The request runs in a thread of its own that the caller waits for at most ``timeout``: the
    socket's timeout covers the connection and each read, not the name lookup, which an offline
    machine's resolver can spend seconds on.
    """
    deadline = time.monotonic() + timeout
    outcome: dict[str, object] = {}

    def ask() -> None:
        try:
            outcome["answer"] = fetch_range(base_url + prefix, deadline)
        except urllib.error.HTTPError as error:
            error.close()
            outcome["error"] = error
        except (OSError, ValueError, http.client.HTTPException) as error:
            outcome["error"] = error

    worker = threading.Thread(target=ask, name="breached-passwords", daemon=True)
    worker.start()
    worker.join(timeout)
    if "answer" in outcome:
        return str(outcome["answer"])
    # Neither the password nor its hash prefix goes to the log: the service's host and why (an
    # error naming the whole URL, as a malformed one's does, has the prefix blotted out).
    error = outcome.get("error")
    reason = str(error).replace(prefix, "*****") if error else f"no answer within {timeout:g} s"
    logger.warning(
        "Breached password check skipped: %s did not answer (%s: %s); the password was not "
        "judged against breaches.",
        urlsplit(base_url).netloc or "the configured service",
        type(error).__name__ if error else "timeout",
        reason,
    )
    return None


class BreachedPasswordValidator:
    """Refuse a password that Have I Been Pwned has seen in a data breach."""

    @sensitive_variables("password")
    def validate(self, password: str, user=None) -> None:
        base_url = token_settings.BREACHED_PASSWORDS_URL
        if not base_url:
            return
        digest = sha1_hex(password)
        answer = ask_range_api(base_url, digest[:5], token_settings.BREACHED_PASSWORDS_TIMEOUT)
        if answer is not None and breach_count(answer, digest[5:]) > 0:
            raise ValidationError(
                _(
                    "This password has appeared in a data breach, so attackers try it first. "
                    "Choose another one."
                ),
                code="password_breached",
            )

    def get_help_text(self):
        return _("Your password can't be one that has appeared in a known data breach.")
