"""What a request says about its client: its address and its user agent, the same for the auth
event log, the session record and the rate limits.
"""

from tokens.adapter import get_adapter  # layer: the project's hook, asked when used
from tokens.conf import token_settings


def address(request) -> str | None:
    """The client's IP address, as the adapter's ``client_address()`` says."""
    return get_adapter().client_address(request)


def user_agent(request) -> str:
    """The client's ``User-Agent``, cut to ``USER_AGENT_MAX_LENGTH``."""
    return request.META.get("HTTP_USER_AGENT", "")[: token_settings.USER_AGENT_MAX_LENGTH]
