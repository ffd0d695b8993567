"""Rate limits on the Redis cache (DRF throttles); rates come from DEFAULT_THROTTLE_RATES."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class RateFromSettingsThrottle(SimpleRateThrottle):
    """Read the rate when used, so changed settings (and tests) take effect at once."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class LoginIPThrottle(RateFromSettingsThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(RateFromSettingsThrottle):
    """Per account, whichever address the attempts come from (credential stuffing)."""

    scope = "login_username"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        identifier = data.get("username") or data.get("email")
        if not isinstance(identifier, str) or not identifier.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": identifier.strip().lower()[:256]}


class RefreshIPThrottle(LoginIPThrottle):
    scope = "refresh_ip"
