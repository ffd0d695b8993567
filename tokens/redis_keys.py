"""Every Redis key name the token store uses, built in this one place.

All keys of one user share the hash tag ``{u:<user id>}``, so a user's keys live in one
Redis Cluster slot and the store's multi-key scripts stay valid on a cluster.
"""

from tokens.conf import token_settings


def _user_tag(user_id) -> str:
    return f"{token_settings.REDIS_KEY_PREFIX}:{{u:{user_id}}}"


def session(user_id, session_id) -> str:
    """Hash holding a session's copy for the hot path, or its tombstone once revoked (``tokens.store``)."""
    return f"{_user_tag(user_id)}:s:{session_id}"


def successor(user_id, session_id) -> str:
    """The pair issued by the last rotation, kept for the grace window only."""
    return f"{_user_tag(user_id)}:g:{session_id}"


def refresh_tally(hour: int) -> str:
    """Rotations counted in one UTC hour (hours since the epoch), for the admin's security overview.

    All tallies share the hash tag ``{stats}``: one slot, so the overview reads 30 days in one MGET.
    """
    return f"{token_settings.REDIS_KEY_PREFIX}:{{stats}}:refreshes:{hour}"


def throttle(scope: str, ident: str) -> str:
    """Request counter of one client (address or account) in one rate-limit window."""
    return f"{token_settings.REDIS_KEY_PREFIX}:t:{scope}:{ident}"
