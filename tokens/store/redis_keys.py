"""Every Redis key name the token store uses, built in this one place.

All keys of one user share the hash tag ``{u:<user id>}``, so a user's keys live in one
Redis Cluster slot and the store's multi-key scripts stay valid on a cluster. The failed-login
keys of one login name share ``{l:<digest of the name>}`` in the same way: they are counted for
names nobody has too, so before any user is known.
"""

from tokens.conf import token_settings


def _user_tag(user_id) -> str:
    return f"{token_settings.REDIS_KEY_PREFIX}:{{u:{user_id}}}"


def session(user_id, session_id) -> str:
    """Hash holding a session's copy for the hot path, or its tombstone once revoked
    (``tokens.store.store``).
    """
    return f"{_user_tag(user_id)}:s:{session_id}"


def successor(user_id, session_id) -> str:
    """The pair issued by the last rotation, kept for the grace window only."""
    return f"{_user_tag(user_id)}:g:{session_id}"


def refresh_tally(hour: int) -> str:
    """Rotations counted in one UTC hour (hours since the epoch), for the admin's security overview.

    All tallies share the hash tag ``{stats}``: one slot, so the overview reads 30 days in one MGET.
    """
    return f"{token_settings.REDIS_KEY_PREFIX}:{{stats}}:refreshes:{hour}"


def epoch() -> str:
    """The outage epoch Redis's copies belong to, under a lease (``tokens.core.degraded``)."""
    return f"{token_settings.REDIS_KEY_PREFIX}:epoch"


def throttle(scope: str, ident: str) -> str:
    """Request counter of one client (address or account) in one rate-limit window."""
    return f"{token_settings.REDIS_KEY_PREFIX}:t:{scope}:{ident}"


def _login_name_tag(name_digest: str) -> str:
    return f"{token_settings.REDIS_KEY_PREFIX}:{{l:{name_digest}}}"


def login_address_failures(name_digest: str, address: str) -> str:
    """Failed logins at one name from one client address without its device cookie: the growing
    delay.
    """
    return f"{_login_name_tag(name_digest)}:a:{address}"


def login_device_failures(name_digest: str, device_id: str) -> str:
    """Failed logins at one name from one device cookie of that name: the device's own growing
    delay.
    """
    return f"{_login_name_tag(name_digest)}:d:{device_id}"


def login_name_failures(name_digest: str) -> str:
    """Failed logins at one name from every client without its device cookie, in one window."""
    return f"{_login_name_tag(name_digest)}:f"
