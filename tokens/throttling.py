"""Rate limits, and the limits on guessing a secret that every door of the app goes through.

Request rates: DRF throttles (rates from ``TOKENS["THROTTLE_RATES"]``) counted in Redis. DRF's
``SimpleRateThrottle`` keeps the time of every request in the window as a list in the cache and
reads and rewrites it whole on each request, so its cost grows with the rate. These throttles keep
DRF's rate syntax, hooks and ``Retry-After``, but count in a fixed window: one small Redis key per
client and scope, one atomic round trip per request.

Guesses: every door that checks a secret (a password at ``login/``, ``reauthenticate/``,
``password/`` and the Django admin's login; a code or a passkey answer at ``login/mfa/``,
``reauthenticate/``, ``mfa/totp/confirm/`` and the admin) runs the check through ``guarded()``.
Wrong guesses are counted together per account, with a growing delay per (account, client) and a
limit per account for clients without its device cookie, after OWASP's "Slow Down Online Guessing
Attacks with Device Cookies". While Redis cannot count, the auth event log counts instead
(``database_wait``), so no door runs uncounted.
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Q
from rest_framework.throttling import SimpleRateThrottle

from tokens.browser import device_cookies
from tokens.conf import token_settings
from tokens.core import client, clock
from tokens.core.events import record_event
from tokens.exceptions import (
    InvalidCodeError,
    InvalidCredentialsError,
    StoreFullError,
    StoreUnavailableError,
    ThrottledError,
)
from tokens.models import AuthEvent
from tokens.store import counters, guesses, redis_keys
from tokens.users import find_by_login_name

Result = TypeVar("Result")

# What a door raises for a wrong secret: counted as a wrong guess, then raised again.
WRONG_SECRET = (InvalidCodeError, InvalidCredentialsError)

# Events that count as wrong guesses, and those that end a client's run of them, in the auth event
# log that counts while Redis cannot.
GUESS_FAILED = (AuthEvent.Kind.LOGIN_FAILED, AuthEvent.Kind.MFA_FAILED)
GUESS_SUCCEEDED = (
    AuthEvent.Kind.LOGIN_SUCCEEDED,
    AuthEvent.Kind.MFA_SUCCEEDED,
    AuthEvent.Kind.REAUTHENTICATED,
)


class RedisCounterThrottle(SimpleRateThrottle):
    """A fixed-window counter: at most ``num_requests`` per ``duration`` seconds per key."""

    retry_after: float | None = None

    def get_rate(self):
        # Read when used, so changed settings (and tests) take effect at once.
        return token_settings.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        num_requests, duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None or num_requests is None or duration is None:
            return True
        try:
            count, ttl = counters.hit(redis_keys.throttle(str(self.scope), ident), duration)
        except StoreUnavailableError:
            # A request rate lives in Redis only: while it cannot count, requests go through
            # rather than the whole service failing with it. Wrong guesses stay counted
            # (``GuessThrottle``), so no door runs unguarded meanwhile (docs/operations.md).
            return True
        if count <= num_requests:
            return True
        self.retry_after = max(ttl, 1)
        return False

    def wait(self):
        return self.retry_after

    def get_ident(self, request):
        """The client's address, as the auth event log and the sessions record it."""
        return client.address(request) or ""


class LoginIPThrottle(RedisCounterThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.get_ident(request)


class RefreshIPThrottle(LoginIPThrottle):
    scope = "refresh_ip"


@dataclass(frozen=True)
class Subject:
    """What wrong guesses are counted against: an account, or a name that no account has.

    A name nobody has is limited the same way as an account (by the name), so no wait, status or
    timing tells whether an account exists.
    """

    # ``u<primary key>`` or ``n<digest of the name>``: the hash tag of its Redis keys.
    key: str
    user: Any = None
    # The name as typed, for a name no account has (its auth events carry it).
    name: str = ""

    @classmethod
    def of_user(cls, user) -> "Subject":
        return cls(f"u{user.pk}", user=user)

    @classmethod
    def of_name(cls, name: str) -> "Subject":
        """The account a login name counts for (``find_by_login_name``), else the name."""
        user = find_by_login_name(name)
        if user is not None:
            return cls.of_user(user)
        return cls(f"n{redis_keys.name_digest(name)}", name=name)


class GuessThrottle:
    """One client's wrong guesses at one subject: a growing delay, never a lock-out of the owner.

    Each wrong guess makes the client wait before its next one there: ``LOGIN_FAILURE_DELAY``
    seconds, doubled by each further one up to ``LOGIN_FAILURE_MAX_DELAY``. A client is the
    account's device cookie when it presents a valid one of that account (it is then limited by
    its own guesses only), else its address. Guesses from clients without the cookie also count
    per subject, at most the ``login_username`` rate of them in a window; past that only clients
    with the cookie get through. A check is one Redis round trip.
    """

    scope = "login_username"

    # When Redis last refused to record a wrong guess (full under ``noeviction``: it still answers
    # reads), in this process; None once it records one again. Meanwhile waits are counted from
    # the auth event log too, as Redis's record misses those guesses.
    refused_at: float | None = None

    def __init__(self, request, subject: Subject):
        self.request, self.subject = request, subject
        self.address = client.address(request) or ""
        device = device_cookies.device_id(request, subject.user.pk) if subject.user else None
        if device is not None:
            self.key, self.subject_key = redis_keys.guesses_by_device(subject.key, device), None
        else:
            self.key = redis_keys.guesses_by_address(subject.key, self.address)
            self.subject_key = (
                redis_keys.guesses_without_device(subject.key) if self.limit()[0] else None
            )

    @classmethod
    def limit(cls) -> tuple[int, int]:
        """The ``login_username`` rate as (guesses, window seconds); (0, 0) when it is off."""
        rate = token_settings.THROTTLE_RATES.get(cls.scope)
        if rate is None:
            return 0, 0
        limit, window = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
        return limit or 0, window or 0

    def wait(self) -> float:
        """Seconds before this client may guess at the subject again (0: now)."""
        try:
            wait = guesses.login_wait(self.key, self.subject_key, clock.time(), self.limit()[0])
        except StoreUnavailableError:
            return self.database_wait()
        if GuessThrottle.refused_at is not None:
            return max(wait, self.database_wait())
        return wait

    def failed(self) -> None:
        # Without Redis the wrong guess is still an auth event, which ``database_wait`` counts.
        try:
            guesses.login_failed(
                self.key,
                self.subject_key,
                clock.time(),
                delay=token_settings.LOGIN_FAILURE_DELAY,
                max_delay=token_settings.LOGIN_FAILURE_MAX_DELAY,
                memory=token_settings.LOGIN_FAILURE_MEMORY,
                window=self.limit()[1],
            )
        except StoreFullError:
            GuessThrottle.refused_at = clock.time()
        except StoreUnavailableError:
            pass
        else:
            GuessThrottle.refused_at = None

    def succeeded(self) -> None:
        # Without Redis the success is an auth event too: it ends the run ``database_wait`` counts.
        with suppress(StoreUnavailableError):
            guesses.login_succeeded(self.key)

    def database_wait(self) -> float:
        """The wait counted from the auth event log, for while Redis cannot count.

        The same rules as Redis's record, from the events of the last ``LOGIN_FAILURE_MEMORY``
        (and the limit's window): this client address's wrong guesses since its last success set
        its delay, and every wrong guess at the subject counts towards its limit (the log does not
        know which came from a device cookie, so the owner's own count too).
        """
        now = clock.time()
        memory = token_settings.LOGIN_FAILURE_MEMORY + token_settings.LOGIN_FAILURE_MAX_DELAY
        limit, window = self.limit()
        since = clock.to_datetime(now - max(memory, window))
        events = AuthEvent.objects.filter(self._events_of_subject(), at__gte=since)
        guesses = list(events.filter(kind__in=GUESS_FAILED).values_list("pk", "at", "ip_address"))
        # The log's order, not its times: a success and a failure may share a clock reading.
        last_success = (
            events.filter(kind__in=GUESS_SUCCEEDED, ip_address=self.address or None)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        ) or 0
        mine = sorted(
            at.timestamp()
            for pk, at, address in guesses
            if address == (self.address or None) and pk > last_success
        )
        wait = _growing_wait(mine, now) - now
        if limit:
            recent = sorted(at.timestamp() for _, at, _ in guesses if at.timestamp() > now - window)
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + window - now)
        return max(wait, 0.0)

    def _events_of_subject(self) -> Q:
        if self.subject.user is not None:
            return Q(user_id=self.subject.user.pk)
        return Q(user__isnull=True, username__iexact=self.subject.name.strip())


def _growing_wait(failures: list[float], now: float) -> float:
    """When the wait after these failure times ends, by the rules of the store's script."""
    count, until = 0, 0.0
    for at in failures:
        if at >= until + token_settings.LOGIN_FAILURE_MEMORY:
            count = 0
        count += 1
        delay = token_settings.LOGIN_FAILURE_DELAY * 2 ** (count - 1)
        until = at + min(delay, token_settings.LOGIN_FAILURE_MAX_DELAY)
    return until


def guarded(
    request,
    subject: Subject,
    verify: Callable[[], Result],
    *,
    failed_event: str | None = AuthEvent.Kind.LOGIN_FAILED,
    succeeded_event: str | None = None,
    detail: str = "",
    ends_run: Callable[[Result], bool] | None = None,
) -> Result:
    """Run the secret check ``verify()`` at a door, under the subject's limits on guessing.

    ``ThrottledError`` while the client must wait; a wrong secret (``WRONG_SECRET``) counts as a
    wrong guess, is recorded as ``failed_event`` and raised again; a right one is recorded as
    ``succeeded_event`` and ends the client's run of wrong guesses, unless ``ends_run(result)``
    says the account's proof is not complete yet (a password whose second factor is still to
    come: guessing that factor must not start again from the first delay). A door whose check
    already records its outcome (``authenticate()``'s signals) passes None for the events.
    """
    throttle = GuessThrottle(request, subject)
    wait = throttle.wait()
    if wait > 0:
        raise ThrottledError(wait)
    try:
        result = verify()
    except WRONG_SECRET:
        throttle.failed()
        if failed_event is not None:
            _record(failed_event, request, subject, detail)
        raise
    if ends_run is None or ends_run(result):
        throttle.succeeded()
    if succeeded_event is not None:
        _record(succeeded_event, request, subject, detail)
    return result


def _record(kind: str, request, subject: Subject, detail: str) -> None:
    if subject.user is not None:
        record_event(kind, request, subject.user, detail=detail)
    else:
        record_event(kind, request, None, username=subject.name[:254], detail=detail)


def check_password(request, user, password: str, detail: str) -> None:
    """A password proof of a signed-in user (``reauthenticate/``, ``password/``): a wrong one is a
    failed login of the account, limited and recorded as one (``InvalidCredentialsError``).
    """

    def verify() -> None:
        if not user.check_password(password):
            raise InvalidCredentialsError("wrong password")

    guarded(request, Subject.of_user(user), verify, detail=detail)
