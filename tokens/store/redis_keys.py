"""Every Redis key name the token store uses, built in this one place.

All keys of one user share the hash tag ``{u:<user id>}``, so a user's keys live in one
Redis Cluster slot and the store's multi-key scripts stay valid on a cluster. The keys of the
wrong guesses at one account share ``{g:<subject>}`` in the same way, where the subject is the
account (``u`` and its primary key) or, for a name no account has, that name's digest (``n``).
"""

import hashlib

from tokens.conf import token_settings


def _user_tag(user_id) -> str:
    return f"{token_settings.REDIS_KEY_PREFIX}:{{u:{user_id}}}"


def user_prefix() -> str:
    """The start of every key of every user: the process-local copy tracks writes under it."""
    return f"{token_settings.REDIS_KEY_PREFIX}:{{u:"


def user_version_prefix() -> str:
    """The start of every user's version key (``user_version``), tracked as ``user_prefix``."""
    return f"{token_settings.REDIS_KEY_PREFIX}:v:"


def user_version(user_id) -> str:
    """Written whenever the user's row changes, so every process drops its local copy of the row
    (``tokens.store.local_copy``); a short-lived signal, nothing reads it from Redis. Under a
    prefix of its own, with the user's hash tag.
    """
    return f"{user_version_prefix()}{{u:{user_id}}}"


def session(user_id, session_id) -> str:
    """Hash holding a session's copy for the hot path, or its tombstone once revoked
    (``tokens.store.copies``).
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


def name_digest(name: str) -> str:
    """What a name (a login name, an address) is counted under: case and outer blanks ignored,
    safe in a key, and no name in clear in Redis.
    """
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]


def _guess_tag(subject: str) -> str:
    return f"{token_settings.REDIS_KEY_PREFIX}:{{g:{subject}}}"


def guesses_by_address(subject: str, address: str) -> str:
    """Wrong guesses at one subject from one client address without its device cookie: the
    growing delay.
    """
    return f"{_guess_tag(subject)}:a:{address}"


def guesses_by_device(subject: str, device_id: str) -> str:
    """Wrong guesses at one account from one of its device cookies: the device's own delay."""
    return f"{_guess_tag(subject)}:d:{device_id}"


def guesses_without_device(subject: str) -> str:
    """Wrong guesses at one subject from every client without its device cookie, in one window."""
    return f"{_guess_tag(subject)}:f"


def mfa_token(token_digest: str) -> str:
    """A login waiting for its second factor, by the SHA-256 of its ``mfa_token`` (single use)."""
    return f"{token_settings.REDIS_KEY_PREFIX}:mfa:{token_digest}"


def enrollment_token(token_digest: str) -> str:
    """A login whose password was right, waiting for its first second factor (``MFA_REQUIRED``),
    by the SHA-256 of its ``enrollment_token`` (one session at most).
    """
    return f"{token_settings.REDIS_KEY_PREFIX}:enrol:{token_digest}"


def passkey_registration(user_id) -> str:
    """The challenge of a user's passkey registration under way (the latest options replace it)."""
    return f"{_user_tag(user_id)}:w"


def passkey_challenge(challenge_id: str) -> str:
    """The challenge of a passkey login or re-authentication under way, by its id (single use)."""
    return f"{token_settings.REDIS_KEY_PREFIX}:w:{challenge_id}"


def social_state(state_digest: str) -> str:
    """A social login's flow under way (nonce, code verifier, ``next``), by the SHA-256 of its
    ``state`` (single use).
    """
    return f"{token_settings.REDIS_KEY_PREFIX}:so:s:{state_digest}"


def social_code(code_digest: str) -> str:
    """What a social login's one-time login code stands for, by its SHA-256 (single use)."""
    return f"{token_settings.REDIS_KEY_PREFIX}:so:c:{code_digest}"


def social_nonce(nonce_digest: str) -> str:
    """A nonce handed to a native app (``login/social/nonce/``), by its SHA-256 (single use)."""
    return f"{token_settings.REDIS_KEY_PREFIX}:so:n:{nonce_digest}"
