"""What a request says about its client: its address and its user agent, the same for the auth
event log, the session record and the rate limits.
"""

import ipaddress

from rest_framework.settings import api_settings

from tokens.conf import token_settings


def address(request) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` proxies (DRF's setting)
    the address the farthest of them saw, from ``X-Forwarded-For``.

    Without ``NUM_PROXIES`` the header counts for nothing (DRF's default would let a client pick its
    own address). An entry that is not an IP address (a misconfigured proxy) yields
    ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    candidate = hops[-min(proxies, len(hops))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def user_agent(request) -> str:
    """The client's ``User-Agent``, cut to ``USER_AGENT_MAX_LENGTH``."""
    return request.META.get("HTTP_USER_AGENT", "")[: token_settings.USER_AGENT_MAX_LENGTH]
