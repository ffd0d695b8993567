"""Find a token's live session: the copy in Redis, the record on a miss or while Redis is away.

The database row is the record and Redis a copy that may lose any key (``tokens.copies.copies``);
a copy is trusted only in the outage epoch Redis holds (``tokens.core.degraded``).
"""

import time
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from tokens.browser import binding
from tokens.core import clock, degraded, tokens
from tokens.core.database import retry_read
from tokens.core.revocation import revoke_all, tombstone_ttl
from tokens.exceptions import (
    StoreFullError,
    StoreUnavailableError,
    TokenRevokedError,
    UserInactiveError,
)
from tokens.models import Session
from tokens.models.sessions import EXPIRED, api_reason
from tokens.operations import metrics
from tokens.store import copies
from tokens.users import user_pk

# Revocation reasons that mean the owner is gone: their tokens are refused as ``user_inactive``.
_OWNER_GONE = frozenset({Session.RevokeReason.USER_DISABLED, Session.RevokeReason.USER_DELETED})


def verify_presented(request, raw: str, expected_type: str | None = None) -> tokens.BaseToken:
    """Verify a token that ``request`` presents, of ``expected_type`` or (None) of either type.

    Signature, claims, type and expiry (``tokens.decode``), then, with token binding on, that
    the request carries the device's fingerprint cookie: the one place binding is checked.
    """
    token = tokens.decode(raw, expected_type) if expected_type else tokens.decode_either(raw)
    binding.verify(request, token.payload)
    return token


def read_record(sub: str, session_id: str) -> Mapping[str, Any] | None:
    """The session's row, whether its owner is active and the record's outage epoch: one read,
    for a miss, a degraded lookup or an odd refresh.
    """
    return Session.objects.record(session_id, user_pk(sub))


def live_session(token) -> copies.SessionCopy:
    """The live session of a verified token (access or refresh), or raise: the one way to find it.

    One Redis round trip in steady state. A tombstone is refused without SQL; a miss (Redis lost
    the key, or holds a copy of another outage epoch) reads the record once and seeds the copy
    again, or the tombstone. While Redis cannot be reached, the record answers every lookup.
    """
    sub, session_id, now = token["sub"], token["sid"], clock.now()
    asked_at = time.time()
    try:
        found, epoch = copies.lookup(sub, session_id)
    except StoreUnavailableError:
        metrics.DEGRADED_ANSWERS.labels("redis_unreachable").inc()
        found = _from_record(sub, session_id, now, held=None)
    else:
        if isinstance(found, copies.Tombstone):
            raise tombstone_refusal(sub, found)
        if found is None or epoch is None or found.epoch != epoch:
            found = _from_record(sub, session_id, now, held=(epoch, asked_at))
    if found.usable_until <= now:
        raise session_ended()
    return found


def session_ended() -> Exception:
    """The error for a verified token (its own ``exp`` not passed) whose session has ended, by its
    absolute lifetime or an end an operator moved earlier: ``token_expired`` is kept for a token
    whose own ``exp`` has passed, so this one is ``token_revoked``, reason ``expired``.
    """
    return TokenRevokedError("session ended", EXPIRED)


def refusal(reason: str, owner_active: bool) -> Exception:
    """The error for a token of a session revoked for ``reason``: ``user_inactive`` while its owner
    is disabled or deleted, ``token_revoked`` naming the reason otherwise (a user enabled again
    never gets back a session from before the disable: its tokens read ``user_disabled``).
    """
    if reason in _OWNER_GONE and not owner_active:
        return UserInactiveError("user disabled or deleted")
    return TokenRevokedError("session revoked", api_reason(reason))


def tombstone_refusal(sub: str, reason: str) -> Exception:
    """The error for a token whose session Redis holds a tombstone of. No SQL, unless the owner's
    disable or deletion ended it: then whether the owner is active again decides the code.
    """
    return refusal(reason, reason not in _OWNER_GONE or retry_read(lambda: _owner_active(sub)))


def _owner_active(sub: str) -> bool:
    user_model = get_user_model()
    owner = user_model._default_manager.filter(pk=user_pk(sub))
    if any(field.name == "is_active" for field in user_model._meta.concrete_fields):
        owner = owner.filter(is_active=True)
    return owner.exists()


def owner_of(record: Mapping[str, Any]):
    """The owner of a session's record, as far as revoking needs it (its primary key; no SQL)."""
    return get_user_model()(pk=record["user_id"])


def missing(sub: str) -> Exception:
    """The error for a token whose session has no row: its owner was deleted, or it never was."""
    if not retry_read(lambda: get_user_model()._default_manager.filter(pk=user_pk(sub)).exists()):
        return UserInactiveError("user deleted")
    return TokenRevokedError("no such session")


def _from_record(
    sub: str, session_id: str, now: int, *, held: tuple[int | None, float] | None
) -> copies.SessionCopy:
    """Answer a lookup from the record; when Redis answered (a miss), seed the copy (or the
    tombstone) so the next lookup costs no SQL.

    ``held``: the epoch Redis holds and when it was asked, or None when it could not be asked
    (degraded: nothing is seeded). When Redis holds no epoch, or an older one than the record's,
    the record's is given to it first. A seed Redis refuses (full, or gone meanwhile) is left
    out: the record has answered.
    """
    record = retry_read(lambda: read_record(sub, session_id))
    if record is None:
        raise missing(sub)
    reachable = held is not None
    if held is not None:
        metrics.STORE_MISSES.inc()
        epoch, asked_at = held
        if epoch is None or epoch < record["store_epoch"]:
            reachable = degraded.publish(record["store_epoch"], asked_at) is not None
    try:
        return _reseed(sub, session_id, now, record, seed=reachable)
    except StoreUnavailableError as exc:
        cause = "redis_out_of_memory" if isinstance(exc, StoreFullError) else "redis_unreachable"
        metrics.DEGRADED_ANSWERS.labels(cause).inc()
        return _reseed(sub, session_id, now, record, seed=False)


def _reseed(
    sub: str, session_id: str, now: int, record: Mapping[str, Any], *, seed: bool
) -> copies.SessionCopy:
    """The copy the record makes of the session, seeded into Redis if ``seed``; or raise."""
    expires_at = clock.to_epoch(record["expires_at"])
    refresh_expires_at = clock.to_epoch(record["refresh_expires_at"])
    if record["revoked_at"] is not None:
        if seed:
            copies.tombstone(
                sub,
                [(session_id, tombstone_ttl(expires_at, refresh_expires_at, now))],
                record["revoked_reason"],
            )
        raise refusal(record["revoked_reason"], record["owner_active"])
    if not record["owner_active"]:
        revoke_all(owner_of(record), Session.RevokeReason.USER_DISABLED)
        raise UserInactiveError("user disabled")
    grace_ends_at = clock.to_epoch(record["grace_ends_at"]) if record["grace_ends_at"] else None
    fields = copies.live_fields(
        sub,
        str(record["owner_name"]),
        expires_at,
        refresh_expires_at,
        record["refresh_jti"],
        record["previous_jti"],
        grace_ends_at,
        record["fingerprint_digest"],
        record["claims"],
        record["provider"],
    )
    if seed:
        copies.seed(sub, session_id, fields, ttl=refresh_expires_at - now)
    return copies.SessionCopy(
        sub,
        str(record["owner_name"]),
        expires_at,
        refresh_expires_at,
        record["refresh_jti"],
        record["fingerprint_digest"],
        str(fields[copies.CLAIMS] or "{}"),
        provider=record["provider"],
    )
