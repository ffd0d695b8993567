"""Rate limits: DRF throttles (rates from ``TOKENS["THROTTLE_RATES"]``) counted in Redis.

DRF's ``SimpleRateThrottle`` keeps the time of every request in the window as a list in the
cache and reads and rewrites it whole on each request, so its cost grows with the rate. These
throttles keep DRF's rate syntax, hooks and ``Retry-After``, but count in a fixed window: one
small Redis key per client and scope, one atomic round trip per request.
"""

from rest_framework.throttling import SimpleRateThrottle

from tokens import redis_keys, store
from tokens.conf import token_settings


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
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        count, ttl = store.hit(redis_keys.throttle(self.scope, ident), self.duration)
        if count <= self.num_requests:
            return True
        self.retry_after = max(ttl, 1)
        return False

    def wait(self):
        return self.retry_after


class LoginIPThrottle(RedisCounterThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.get_ident(request)


class LoginUsernameThrottle(RedisCounterThrottle):
    """Per account, whichever address the attempts come from (credential stuffing)."""

    scope = "login_username"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        identifier = data.get("username") or data.get("email")
        if not isinstance(identifier, str) or not identifier.strip():
            return None
        return identifier.strip().lower()[:256]


class RefreshIPThrottle(LoginIPThrottle):
    scope = "refresh_ip"
