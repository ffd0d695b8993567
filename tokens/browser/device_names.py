"""Readable names of user agents ("Firefox on Linux"), for the list of a user's sessions.

ua-parser carries the uap-core rules every major analytics tool uses; a hand-written pattern list
would be wrong for the next browser release.
"""

from functools import lru_cache

import ua_parser

UNKNOWN = "Unknown device"


@lru_cache(maxsize=1024)
def device_name(user_agent: str) -> str:
    """The browser (or client) and its operating system, as far as the user agent says."""
    parsed = ua_parser.parse(user_agent) if user_agent else None
    client = parsed.user_agent.family if parsed and parsed.user_agent else None
    system = parsed.os.family if parsed and parsed.os else None
    client, system = (None if name == "Other" else name for name in (client, system))
    if client and system:
        return f"{client} on {system}"
    return client or system or UNKNOWN
