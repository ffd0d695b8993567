"""Revoke sessions, in the record and in Redis, or not at all: the one way sessions end.

The rows are marked first and the tombstones written last, inside one database transaction
(``tokens.core.copy_writes``); a transaction a database fault rolls back takes its tombstones
back with it (``forget_rolled_back_revocations``).
"""

import threading
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from tokens import admin_sessions
from tokens.conf import token_settings
from tokens.core import clock
from tokens.core.copy_writes import write_copy
from tokens.core.events import record_event
from tokens.exceptions import StoreUnavailableError
from tokens.models import AuthEvent, Session
from tokens.models.sessions import owner_name
from tokens.operations import metrics
from tokens.store import copies

# The event each revocation reason is logged as; any other reason is logged as "revoked".
_REASON_EVENTS: dict[str, str] = {
    Session.RevokeReason.LOGOUT: AuthEvent.Kind.LOGOUT,
    Session.RevokeReason.REUSE_DETECTED: AuthEvent.Kind.REUSE_DETECTED,
    Session.RevokeReason.SESSION_LIMIT: AuthEvent.Kind.SESSION_LIMIT,
}


def tombstone_ttl(expires_at: int, refresh_expires_at: int, now: int) -> int:
    """Seconds any token of a session can still be valid: a refresh token until the idle end, an
    access
    token at most one access lifetime past it, neither past the session's absolute end."""
    return min(expires_at, refresh_expires_at + token_settings.ACCESS_TOKEN_LIFETIME) - now


def revoke(sessions: QuerySet, reason: str, request=None) -> int:
    """Revoke the open sessions among ``sessions``, in the record and in Redis, or not at all.

    The rows are marked first and the tombstones written last, inside one transaction: if the
    database fails, nothing is committed; if Redis cannot take the tombstones, the revocation is
    recorded alone and the copies are no longer trusted. One auth event per user records the
    reason. Returns how many sessions were revoked.
    """
    now = clock.now()
    with transaction.atomic():
        rows = list(
            sessions.filter(revoked_at__isnull=True)
            .order_by("pk")
            .select_for_update(of=("self",))
            .annotate(owner_name=owner_name())
            .values_list("pk", "user_id", "owner_name", "expires_at", "refresh_expires_at")
        )
        if not rows:
            return 0
        Session.objects.filter(pk__in=[row[0] for row in rows]).update(
            revoked_at=clock.to_datetime(now),
            revoked_reason=reason,
        )
        by_owner = defaultdict(list)
        for session_id, user_id, username, expires_at, refresh_expires_at in rows:
            by_owner[(user_id, username)].append(
                (
                    session_id,
                    tombstone_ttl(
                        clock.to_epoch(expires_at), clock.to_epoch(refresh_expires_at), now
                    ),
                )
            )
        for (user_id, username), owned in by_owner.items():
            session_ids = [session_id for session_id, _ttl in owned]
            write_copy(copies.tombstone, session_ids, user_id, owned, reason)
            _uncommitted_tombstones().append((user_id, session_ids))
            _record_revocation(request, user_id, username, owned, reason)
        transaction.on_commit(_uncommitted_tombstones().clear)
        # Counted once the revocation is committed: an outer transaction may still roll it back.
        transaction.on_commit(lambda: metrics.REVOCATIONS.labels(reason).inc(len(rows)))
    return len(rows)


# Per thread: the tombstones written by revocations whose transaction has not committed yet.
_pending = threading.local()


def _uncommitted_tombstones() -> list:
    if not hasattr(_pending, "tombstones"):
        _pending.tombstones = []
    return _pending.tombstones


def forget_rolled_back_revocations() -> None:
    """After a database fault rolled a transaction back: delete the tombstones its revocations
    wrote, so the record (the sessions still live) answers, as the caller is told.

    Best effort: while Redis cannot take the deletion, the tombstones refuse those sessions until
    they expire (docs/internals.md, the outage and crash matrix).
    """
    pending = _uncommitted_tombstones()
    for user_id, session_ids in pending:
        try:
            copies.forget(user_id, session_ids)
        except StoreUnavailableError:
            break
    pending.clear()


def _record_revocation(request, user_id, username: str, sessions: list, reason: str) -> None:
    label = Session.RevokeReason(reason).label
    record_event(
        _REASON_EVENTS.get(reason, AuthEvent.Kind.REVOKED),
        request,
        # A user being deleted cannot be referred to by a row written in its own deletion.
        user_id=None if reason == Session.RevokeReason.USER_DELETED else user_id,
        username=str(username),
        session_id=sessions[0][0] if len(sessions) == 1 else None,
        detail=label if len(sessions) == 1 else f"{len(sessions)} sessions: {label}",
    )


def revoke_all(users, reason: str, *, keep_session_id=None, request=None) -> int:
    """Revoke every open session of ``users`` (a user, or a queryset of users), except
    ``keep_session_id``, and end their Django admin sessions: the one way all of a user's
    sessions end. Returns how many token sessions were revoked.
    """
    admin_sessions.end_all(users)
    if isinstance(users, QuerySet):
        sessions = Session.objects.filter(user__in=users.values("pk"))
    else:
        sessions = Session.objects.filter(user_id=users.pk)
    if keep_session_id is not None:
        sessions = sessions.exclude(pk=keep_session_id)
    return revoke(sessions, reason, request)
