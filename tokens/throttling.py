"""Rate limits: DRF throttles (rates from ``TOKENS["THROTTLE_RATES"]``) counted in Redis.

DRF's ``SimpleRateThrottle`` keeps the time of every request in the window as a list in the
cache and reads and rewrites it whole on each request, so its cost grows with the rate. These
throttles keep DRF's rate syntax, hooks and ``Retry-After``, but count in a fixed window: one
small Redis key per client and scope, one atomic round trip per request.

Failed logins have a throttle of their own (``LoginFailureThrottle``): a growing delay and
device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies".
"""

from contextlib import suppress
from dataclasses import dataclass

from rest_framework.throttling import SimpleRateThrottle

from tokens.browser import device_cookies
from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import StoreUnavailableError
from tokens.store import redis_keys, store


class RedisCounterThrottle(SimpleRateThrottle):
    """A fixed-window counter: at most ``num_requests`` per ``duration`` seconds per key."""

    retry_after = None

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
            count, ttl = store.hit(redis_keys.throttle(str(self.scope), ident), duration)
        except StoreUnavailableError:
            # Counts live in Redis only: while it cannot count, requests go through uncounted
            # rather than the whole service failing with it (docs/operations.md, degraded mode).
            return True
        if count <= num_requests:
            return True
        self.retry_after = max(ttl, 1)
        return False

    def wait(self):
        return self.retry_after


class LoginIPThrottle(RedisCounterThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.get_ident(request)


@dataclass(frozen=True)
class LoginClient:
    """Where one client's failed logins at one name are counted."""

    # The client's own record: its device cookie for that name if it presents one, else its address.
    key: str
    # The name's count of failures from clients without its device cookie; None for a device, or
    # when that count is off.
    name_key: str | None


class LoginFailureThrottle(RedisCounterThrottle):
    """Failed logins slow their client down and never lock the owner out (OWASP device cookies).

    Each failure of a client at a name makes it wait before its next attempt there:
    ``LOGIN_FAILURE_DELAY`` seconds, doubled by each further failure up to
    ``LOGIN_FAILURE_MAX_DELAY``.
    A client is its device cookie when it presents a valid one for that name (it is then limited by
    its own failures only), else its address. Failures from clients without the cookie also count
    per name, at most the ``login_username`` rate of them in a window; past that only clients with
    the cookie get through. Successes never count. A check is one Redis round trip.
    """

    scope = "login_username"

    def client(self, request, name: str) -> LoginClient:
        digest = device_cookies.name_digest(name)
        device = device_cookies.device_id(request, digest)
        if device is not None:
            return LoginClient(redis_keys.login_device_failures(digest, device), None)
        return LoginClient(
            redis_keys.login_address_failures(digest, self.get_ident(request)),
            redis_keys.login_name_failures(digest) if self.name_limit()[0] else None,
        )

    def name_limit(self) -> tuple[int, int]:
        """The ``login_username`` rate as (failures, window seconds); (0, 0) when it is off."""
        limit, window = self.parse_rate(self.get_rate())
        return limit or 0, window or 0

    def allow_request(self, request, view):
        name = attempted_name(request)
        if name is None:
            return True
        client = self.client(request, name)
        try:
            self.retry_after = store.login_wait(
                client.key, client.name_key, clock.now(), self.name_limit()[0]
            )
        except StoreUnavailableError:
            return True  # as for the counters above: uncounted while Redis cannot count
        return self.retry_after == 0

    def failed(self, request, name: str) -> None:
        client = self.client(request, name)
        # Without Redis the failure is still recorded as an auth event; only its delay is lost.
        with suppress(StoreUnavailableError):
            store.login_failed(
                client.key,
                client.name_key,
                clock.now(),
                delay=token_settings.LOGIN_FAILURE_DELAY,
                max_delay=token_settings.LOGIN_FAILURE_MAX_DELAY,
                memory=token_settings.LOGIN_FAILURE_MEMORY,
                window=self.name_limit()[1],
            )

    def succeeded(self, request, name: str) -> None:
        # Without Redis the failures are forgotten when their memory ends instead.
        with suppress(StoreUnavailableError):
            store.login_succeeded(self.client(request, name).key)


def attempted_name(request) -> str | None:
    """The username or e-mail address a login request tries, read before validation."""
    data = request.data if hasattr(request.data, "get") else {}
    name = data.get("username") or data.get("email")
    if not isinstance(name, str) or not name.strip():
        return None
    return name


class RefreshIPThrottle(LoginIPThrottle):
    scope = "refresh_ip"
