"""Issue, rotate, find and revoke sessions: the one place that combines tokens, the store and the
database.

The database row is the record and Redis a copy (``tokens.store.store``). Every decision is written
to the record and the copy inside one database transaction, the copy last, just before the
commit. If Redis cannot take the copy, the decision is recorded alone and no copy of that session
is trusted again (``tokens.core.degraded``); if the database fails, the transaction rolls back and
nothing was decided. The order of the writes and what a failure between two of them leaves
behind is in docs/internals.md.
"""

import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.db import transaction
from django.db.models import QuerySet

from tokens import admin_sessions
from tokens.browser import binding
from tokens.conf import token_settings
from tokens.core import claims, client, clock, degraded, tokens
from tokens.core.database import retry_read
from tokens.exceptions import (
    REFRESH_REFUSALS,
    AuthError,
    StoreFullError,
    StoreUnavailableError,
    TokenExpiredError,
    TokenReusedError,
    TokenRevokedError,
    UserInactiveError,
)
from tokens.models import AuthEvent, Session, live_until, owner_name
from tokens.operations import logs, metrics, request_ids
from tokens.store import redis_keys, store
from tokens.users import TokenUser, user_pk

# The event each revocation reason is logged as; any other reason is logged as "revoked".
_REASON_EVENTS: dict[str, str] = {
    Session.RevokeReason.LOGOUT: AuthEvent.Kind.LOGOUT,
    Session.RevokeReason.REUSE_DETECTED: AuthEvent.Kind.REUSE_DETECTED,
    Session.RevokeReason.SESSION_LIMIT: AuthEvent.Kind.SESSION_LIMIT,
}

# Revocation reasons that mean the owner is gone: their tokens are refused as ``user_inactive``.
_OWNER_GONE = frozenset({Session.RevokeReason.USER_DISABLED, Session.RevokeReason.USER_DELETED})


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: int
    refresh_expires_at: int
    session_id: str

    def body(self) -> dict:
        """The token pair body of the API contract, lifetimes counted from now."""
        now = clock.now()
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": max(self.access_expires_at - now, 0),
            "refresh_expires_in": max(self.refresh_expires_at - now, 0),
            "session_id": self.session_id,
        }


def record_event(kind: str, request=None, user=None, **fields) -> AuthEvent:
    """Add an event to the log table, and write its log line once it is committed."""
    if request is not None:
        fields.setdefault("ip_address", client.address(request))
        fields.setdefault("user_agent", client.user_agent(request))
    if user is not None:
        fields.setdefault("username", user.get_username())
        fields.setdefault("user_id", user.pk)
    event = AuthEvent.objects.create(kind=kind, **fields)
    request_id = request_ids.current()
    # On commit: an event whose transaction rolls back (Redis failed mid-revocation) never happened.
    transaction.on_commit(lambda: logs.log_event(event, request_id))
    return event


def _epoch(moment) -> int:
    return int(moment.timestamp())


def _mint(
    user_id,
    username: str,
    session_id: str,
    refresh_jti: str,
    now: int,
    session_end: int,
    fingerprint_digest: str = "",
    session_claims: Mapping[str, Any] | None = None,
) -> TokenPair:
    """Sign a new pair for the session, its refresh token with the id ``refresh_jti``, both
    carrying the session's claims.
    """
    access_exp = min(now + token_settings.ACCESS_TOKEN_LIFETIME, session_end)
    refresh_exp = min(now + token_settings.REFRESH_TOKEN_LIFETIME, session_end)
    common = {
        **claims.carried(session_claims or {}),
        "sub": str(user_id),
        "sid": session_id,
        "iat": now,
    }
    if fingerprint_digest:
        common[binding.CLAIM] = fingerprint_digest
    access = tokens.encode(
        tokens.AccessToken,
        {
            **common,
            "jti": uuid.uuid4().hex,
            "exp": access_exp,
            "username": username,
        },
    )
    refresh = tokens.encode(tokens.RefreshToken, {**common, "jti": refresh_jti, "exp": refresh_exp})
    return TokenPair(access, refresh, access_exp, refresh_exp, session_id)


def login(
    request,
    user,
    fingerprint_digest: str | None = None,
    amr: Sequence[str] = (claims.PASSWORD,),
) -> TokenPair:
    """Open a session for a user who just proved the methods ``amr`` and issue its first pair
    (bound to a device if given).
    """
    now = clock.now()
    session_end = now + token_settings.SESSION_LIFETIME
    session_id = str(uuid.uuid4())
    fingerprint_digest = fingerprint_digest or ""
    refresh_jti = uuid.uuid4().hex
    carried = claims.session_claims(user, auth_time=now, amr=amr)
    pair = _mint(
        user.pk,
        user.get_username(),
        session_id,
        refresh_jti,
        now,
        session_end,
        fingerprint_digest,
        carried,
    )
    with transaction.atomic():
        Session.objects.create(
            id=session_id,
            user=user,
            # To the microsecond: the session limit revokes the oldest first.
            created_at=clock.datetime_now(),
            last_used_at=clock.to_datetime(now),
            expires_at=clock.to_datetime(session_end),
            refresh_expires_at=clock.to_datetime(pair.refresh_expires_at),
            refresh_jti=refresh_jti,
            fingerprint_digest=fingerprint_digest,
            ip_address=client.address(request),
            user_agent=client.user_agent(request),
            claims=carried,
        )
        # In the transaction: a login whose commit fails leaves no event (nor last_login) behind.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        # Last, inside the transaction: if the database fails, the row is rolled back and nothing
        # is issued.
        degraded.learn_epoch()
        _write_copy(
            store.write,
            [session_id],
            user.pk,
            session_id,
            store.live_fields(
                user.pk,
                user.get_username(),
                session_end,
                pair.refresh_expires_at,
                refresh_jti,
                fingerprint_digest=fingerprint_digest,
                claims=carried,
            ),
            ttl=pair.refresh_expires_at - now,
        )
        _enforce_session_limit(request, user, session_id)
    return pair


def _write_copy(write: Callable[..., Any], session_ids: list, user_id, *args, **kwargs) -> Any:
    """``write(user_id, *args, **kwargs)``: the copy of some sessions of one user, the last step
    before the commit.

    When Redis cannot take it, the decision goes to the record alone (returns None): a full Redis
    still deletes the sessions' copies, so none answers stale; an unreachable one is left behind
    by the outage epoch (``tokens.core.degraded``).
    """
    for _attempt in range(2):
        try:
            return write(user_id, *args, **kwargs)
        except StoreFullError:
            try:
                store.forget(user_id, session_ids)
            except StoreUnavailableError:
                break
            metrics.DEGRADED_ANSWERS.labels("redis_out_of_memory").inc()
            return None
        except StoreUnavailableError:
            if not degraded.ask_again():
                break
    degraded.writing_record_alone()
    return None


def verify_presented(request, raw: str, expected_type: str | None = None) -> tokens.BaseToken:
    """Verify a token that ``request`` presents, of ``expected_type`` or (None) of either type.

    Signature, claims, type and expiry (``tokens.decode``), then, with device binding on, that
    the request carries the device's fingerprint cookie: the one place binding is checked.
    """
    token = tokens.decode(raw, expected_type) if expected_type else tokens.decode_either(raw)
    binding.verify(request, token.payload)
    return token


def rotate(request, raw_refresh: str) -> TokenPair:
    """Consume a refresh token and return its successor pair (same session).

    Within the grace window the consumed token returns the same successor, so a retry or
    a racing tab succeeds; after it, presenting it again revokes the whole session.
    """
    try:
        pair, outcome = _rotate(request, raw_refresh)
    except AuthError as exc:
        if exc.code in REFRESH_REFUSALS:
            metrics.REFRESHES.labels(REFRESH_REFUSALS[exc.code]).inc()
        raise
    metrics.REFRESHES.labels(outcome).inc()
    return pair


def _rotate(request, raw_refresh: str) -> tuple[TokenPair, str]:
    """The successor pair, and whether it was ``rotated`` now or given again within the ``grace``
    window.
    """
    token = verify_presented(request, raw_refresh, tokens.REFRESH)
    for _attempt in range(2):
        pair = _rotate_current(token)
        if pair is not None:
            return pair, "rotated"
        pair = _answer_not_current(request, token)
        if pair is not None:
            return pair, "grace"
    raise TokenRevokedError("the session changed while it was being refreshed")


def _rotate_current(presented) -> TokenPair | None:
    """Rotate when ``presented`` is the session's current token: one statement, one Redis round
    trip.
    """
    sub, session_id, now = presented["sub"], presented["sid"], clock.now()
    new_jti, grace = uuid.uuid4().hex, token_settings.ROTATION_GRACE_PERIOD
    with transaction.atomic():
        rotation = Session.objects.rotate(
            session_id,
            presented["jti"],
            new_jti,
            now=clock.to_datetime(now),
            idle_end=clock.to_datetime(now + token_settings.REFRESH_TOKEN_LIFETIME),
            grace_end=clock.to_datetime(now + grace),
        )
        if rotation is None:
            return None
        fingerprint = presented.payload.get(binding.CLAIM) or ""
        session_end = _epoch(rotation.expires_at)
        pair = _mint(
            sub,
            rotation.username,
            session_id,
            new_jti,
            now,
            session_end,
            fingerprint,
            rotation.claims,
        )
        _write_rotated(
            sub,
            pair,
            rotation.username,
            presented["jti"],
            new_jti,
            now=now,
            session_end=session_end,
            refresh_expires_at=_epoch(rotation.refresh_expires_at),
            fingerprint=fingerprint,
            session_claims=rotation.claims,
            tally=redis_keys.refresh_tally(now // 3600),
        )
    return pair


def _write_rotated(
    sub: str,
    pair: TokenPair,
    username: str,
    replaced_jti: str,
    refresh_jti: str,
    *,
    now: int,
    session_end: int,
    refresh_expires_at: int,
    fingerprint: str,
    session_claims: Mapping[str, Any],
    tally: str = "",
) -> None:
    """The copy of a session whose refresh token ``replaced_jti`` was just rotated into ``pair``,
    and the successor that gives ``pair`` again within the grace window: the last step before the
    commit. Self-describing, so the grace window holds even if the session's hash is evicted.
    """
    session_id, grace = pair.session_id, token_settings.ROTATION_GRACE_PERIOD
    degraded.learn_epoch()
    written = _write_copy(
        store.write,
        [session_id],
        sub,
        session_id,
        store.live_fields(
            sub,
            username,
            session_end,
            refresh_expires_at,
            refresh_jti,
            previous_jti=replaced_jti,
            grace_ends_at=now + grace,
            fingerprint_digest=fingerprint,
            claims=session_claims,
        ),
        ttl=refresh_expires_at - now,
        successor=json.dumps(
            {"replaces": replaced_jti, "until": now + grace, "pair": asdict(pair)}
        ),
        successor_ttl=grace + 1 if grace > 0 else 0,
        tally=tally,
    )
    if written is False:
        # A tombstone the record does not know of (a revocation that failed to commit) wins:
        # raising rolls the rotation back, so nothing is issued.
        raise TokenRevokedError("session revoked")


def reauthenticate(request, token, user, amr: Sequence[str]) -> TokenPair:
    """A new pair for the session of access ``token``, whose user just proved the methods ``amr``
    again: a fresh ``auth_time``, and ``amr`` names this proof alone (never the session's older
    ones, so a password cannot borrow the second factor of the login).

    The session's refresh token is rotated as a refresh would: the one the client held is
    consumed, and within the grace window it returns this new pair.
    """
    sub, session_id, now = token["sub"], token["sid"], clock.now()
    new_jti, grace = uuid.uuid4().hex, token_settings.ROTATION_GRACE_PERIOD
    with transaction.atomic():
        session = (
            Session.objects.select_for_update()
            .filter(pk=session_id, user_id=user_pk(sub), revoked_at__isnull=True)
            .annotate(owner_name=owner_name())
            .first()
        )
        if session is None:
            raise TokenRevokedError("session revoked")
        if live_until(session.expires_at, session.refresh_expires_at) <= clock.to_datetime(now):
            raise TokenExpiredError("session ended")
        carried = {
            **session.claims,
            **claims.session_claims(user, auth_time=now, amr=amr),
        }
        session_end = _epoch(session.expires_at)
        username = str(session.owner_name)
        pair = _mint(
            sub,
            username,
            session_id,
            new_jti,
            now,
            session_end,
            session.fingerprint_digest,
            carried,
        )
        Session.objects.filter(pk=session_id).update(
            claims=carried,
            refresh_jti=new_jti,
            previous_jti=session.refresh_jti,
            grace_ends_at=clock.to_datetime(now + grace),
            last_used_at=clock.to_datetime(now),
            refresh_expires_at=clock.to_datetime(pair.refresh_expires_at),
        )
        _write_rotated(
            sub,
            pair,
            username,
            session.refresh_jti,
            new_jti,
            now=now,
            session_end=session_end,
            refresh_expires_at=pair.refresh_expires_at,
            fingerprint=session.fingerprint_digest,
            session_claims=carried,
        )
        record_event(AuthEvent.Kind.REAUTHENTICATED, request, user, session_id=session_id)
    return pair


def _answer_not_current(request, presented) -> TokenPair | None:
    """A refresh token that is not the current one: grace, expiry, revocation or reuse.

    Returns the successor pair within the grace window, None when the token turned out to be
    current after all (a rotation that rolled back meanwhile: try again), and raises otherwise.
    """
    sub, session_id, jti, now = presented["sub"], presented["sid"], presented["jti"], clock.now()
    try:
        successor = store.successor(sub, session_id)
    except StoreUnavailableError:
        successor = None  # the record answers; a successor kept only in Redis is out of reach
    if successor is not None and successor["replaces"] == jti and now < successor["until"]:
        return TokenPair(**successor["pair"])
    record = retry_read(lambda: _record(sub, session_id))
    if record is None:
        raise _missing(sub)
    if not record["owner_active"]:
        # Says why, even once the sessions are revoked; catches a user disabled by raw SQL too.
        revoke_all(_owner(record), Session.RevokeReason.USER_DISABLED)
        raise UserInactiveError("user disabled")
    if record["revoked_at"] is not None:
        raise _refusal(record["revoked_reason"])
    if live_until(record["expires_at"], record["refresh_expires_at"]) <= clock.to_datetime(now):
        raise TokenExpiredError("session ended")
    if record["refresh_jti"] == jti:
        return None
    if (
        record["previous_jti"] == jti
        and record["grace_ends_at"]
        and clock.to_datetime(now) < record["grace_ends_at"]
    ):
        # Within the window, but Redis lost the successor pair: it cannot be given out again, and
        # issuing another would make a second live successor. The session itself stays live.
        raise TokenRevokedError("the successor pair is no longer available")
    revoke(Session.objects.filter(pk=session_id), Session.RevokeReason.REUSE_DETECTED, request)
    raise TokenReusedError("refresh token reuse")


def _record(sub: str, session_id: str) -> Mapping[str, Any] | None:
    """The session's row, whether its owner is active and the record's outage epoch: one read,
    for a miss, a degraded lookup or an odd refresh.
    """
    return Session.objects.record(session_id, user_pk(sub))


def live_session(token) -> store.SessionCopy:
    """The live session of a verified token (access or refresh), or raise: the one way to find it.

    One Redis round trip in steady state. A tombstone is refused without SQL; a miss (Redis lost
    the key, or holds a copy of another outage epoch) reads the record once and seeds the copy
    again, or the tombstone. While Redis cannot be reached, the record answers every lookup.
    """
    sub, session_id, now = token["sub"], token["sid"], clock.now()
    asked_at = time.time()
    try:
        found, epoch = store.lookup(sub, session_id)
    except StoreUnavailableError:
        metrics.DEGRADED_ANSWERS.labels("redis_unreachable").inc()
        found = _from_record(sub, session_id, now, held=None)
    else:
        if isinstance(found, store.Tombstone):
            raise _refusal(found)
        if found is None or epoch is None or found.epoch != epoch:
            found = _from_record(sub, session_id, now, held=(epoch, asked_at))
    if found.usable_until <= now:
        raise TokenExpiredError("session ended")
    return found


def _refusal(reason: str) -> Exception:
    """The error for a token of a revoked session: ``user_inactive`` when its owner was disabled or
    deleted.
    """
    if reason in _OWNER_GONE:
        return UserInactiveError("user disabled or deleted")
    return TokenRevokedError("session revoked")


def _owner(record: Mapping[str, Any]):
    """The owner of a session's record, as far as revoking needs it (its primary key; no SQL)."""
    return get_user_model()(pk=record["user_id"])


def _missing(sub: str) -> Exception:
    """The error for a token whose session has no row: its owner was deleted, or it never was."""
    if not retry_read(lambda: get_user_model()._default_manager.filter(pk=user_pk(sub)).exists()):
        return UserInactiveError("user deleted")
    return TokenRevokedError("no such session")


def _from_record(
    sub: str, session_id: str, now: int, *, held: tuple[int | None, float] | None
) -> store.SessionCopy:
    """Answer a lookup from the record; when Redis answered (a miss), seed the copy (or the
    tombstone) so the next lookup costs no SQL.

    ``held``: the epoch Redis holds and when it was asked, or None when it could not be asked
    (degraded: nothing is seeded). When Redis holds no epoch, or an older one than the record's,
    the record's is given to it first. A seed Redis refuses (full, or gone meanwhile) is left
    out: the record has answered.
    """
    record = retry_read(lambda: _record(sub, session_id))
    if record is None:
        raise _missing(sub)
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
) -> store.SessionCopy:
    """The copy the record makes of the session, seeded into Redis if ``seed``; or raise."""
    expires_at = _epoch(record["expires_at"])
    refresh_expires_at = _epoch(record["refresh_expires_at"])
    if record["revoked_at"] is not None:
        if seed:
            store.tombstone(
                sub,
                [(session_id, _tombstone_ttl(expires_at, refresh_expires_at, now))],
                record["revoked_reason"],
            )
        raise _refusal(record["revoked_reason"])
    if not record["owner_active"]:
        revoke_all(_owner(record), Session.RevokeReason.USER_DISABLED)
        raise UserInactiveError("user disabled")
    grace_ends_at = _epoch(record["grace_ends_at"]) if record["grace_ends_at"] else None
    fields = store.live_fields(
        sub,
        str(record["owner_name"]),
        expires_at,
        refresh_expires_at,
        record["refresh_jti"],
        record["previous_jti"],
        grace_ends_at,
        record["fingerprint_digest"],
        record["claims"],
    )
    if seed:
        store.seed(sub, session_id, fields, ttl=refresh_expires_at - now)
    return store.SessionCopy(
        sub,
        str(record["owner_name"]),
        expires_at,
        refresh_expires_at,
        record["refresh_jti"],
        record["fingerprint_digest"],
        str(fields[store.CLAIMS] or "{}"),
    )


def _tombstone_ttl(expires_at: int, refresh_expires_at: int, now: int) -> int:
    """Seconds any token of a session can still be valid: a refresh token until the idle end, an
    access
    token at most one access lifetime past it, neither past the session's absolute end."""
    return min(expires_at, refresh_expires_at + token_settings.ACCESS_TOKEN_LIFETIME) - now


def logout(request, raw: str) -> None:
    """End the session of a token that ``request`` presents (access or refresh)."""
    token = verify_presented(request, raw)
    copy = live_session(token)
    revoke(Session.objects.filter(pk=token["sid"]), Session.RevokeReason.LOGOUT, request)
    user_logged_out.send(
        sender=get_user_model(), request=request, user=TokenUser(token["sub"], copy.username)
    )


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
                (session_id, _tombstone_ttl(_epoch(expires_at), _epoch(refresh_expires_at), now))
            )
        for (user_id, username), owned in by_owner.items():
            session_ids = [session_id for session_id, _ttl in owned]
            _write_copy(store.tombstone, session_ids, user_id, owned, reason)
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
            store.forget(user_id, session_ids)
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


def _enforce_session_limit(request, user, session_id: str) -> None:
    """Past ``MAX_SESSIONS_PER_USER`` live sessions, revoke the oldest but the one ``session_id``
    just opened (in the login's transaction, after its own row was written).
    """
    limit = token_settings.MAX_SESSIONS_PER_USER
    if not limit:
        return
    others = Session.objects.live().filter(user_id=user.pk).exclude(pk=session_id)
    excess = others.count() + 1 - limit
    if excess > 0:
        oldest = list(others.oldest_first().values_list("pk", flat=True)[:excess])
        revoke(Session.objects.filter(pk__in=oldest), Session.RevokeReason.SESSION_LIMIT, request)
