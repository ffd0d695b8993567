"""Readable names of user agents ("Firefox on Linux"), for the list of a user's sessions.

ua-parser carries the uap-core rules every major analytics tool uses; a hand-written pattern list
would be wrong for the next browser release.
"""

from functools import lru_cache

import ua_parser
from django.utils.translation import gettext

UNKNOWN = "Unknown device"


@lru_cache(maxsize=1024)
def _client_and_system(user_agent: str) -> tuple[str | None, str | None]:
    parsed = ua_parser.parse(user_agent) if user_agent else None
    client = parsed.user_agent.family if parsed and parsed.user_agent else None
    system = parsed.os.family if parsed and parsed.os else None
    client, system = (None if name == "Other" else name for name in (client, system))
    return client, system


def device_name(user_agent: str) -> str:
    """The browser (or client) and its operating system, as far as the user agent says, in
    English whatever the language: what the API answers (``sessions/``' ``device``).
    """
    client, system = _client_and_system(user_agent)
    if client and system:
        return f"{client} on {system}"
    return client or system or UNKNOWN


def readable_device(user_agent: str) -> str:
    """``device_name`` in the active language, for a person: the admin's pages and the mails."""
    client, system = _client_and_system(user_agent)
    if client and system:
        # Translators: a device, e.g. "Firefox on Linux".
        return gettext("%(client)s on %(system)s") % {"client": client, "system": system}
    return client or system or gettext("Unknown device")
