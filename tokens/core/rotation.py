"""Rotate: a refresh token consumed for its successor pair, and the new pair of a session whose user
proved a credential again.

Within the grace window the consumed token returns the same successor; after it, presenting it
again revokes the whole session. The rotation statement and the copy are written in one database
transaction, the copy last (``tokens.core.copy_writes``).
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from tokens.browser import binding
from tokens.conf import token_settings
from tokens.core import claims, clock, degraded, tokens
from tokens.core.copy_writes import write_copy
from tokens.core.database import retry_read
from tokens.core.events import record_event
from tokens.core.issuing import TokenPair, mint
from tokens.core.lookup import (
    missing,
    owner_of,
    read_record,
    refusal,
    session_ended,
    verify_presented,
)
from tokens.core.revocation import revoke, revoke_all
from tokens.exceptions import (
    REFRESH_REFUSALS,
    AuthError,
    StoreUnavailableError,
    TokenReusedError,
    TokenRevokedError,
    UserInactiveError,
)
from tokens.models import AuthEvent, Session
from tokens.models.sessions import live_until, owner_name
from tokens.operations import metrics
from tokens.store import copies, redis_keys
from tokens.users import user_pk


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
        session_end = clock.to_epoch(rotation.expires_at)
        pair = mint(
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
            refresh_expires_at=clock.to_epoch(rotation.refresh_expires_at),
            fingerprint=fingerprint,
            session_claims=rotation.claims,
            provider=rotation.provider,
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
    provider: str,
    tally: str = "",
) -> None:
    """The copy of a session whose refresh token ``replaced_jti`` was just rotated into ``pair``,
    and the successor that gives ``pair`` again within the grace window: the last step before the
    commit. Self-describing, so the grace window holds even if the session's hash is evicted.
    """
    session_id, grace = pair.session_id, token_settings.ROTATION_GRACE_PERIOD
    degraded.learn_epoch()
    written = write_copy(
        copies.write,
        [session_id],
        sub,
        session_id,
        copies.live_fields(
            sub,
            username,
            session_end,
            refresh_expires_at,
            refresh_jti,
            previous_jti=replaced_jti,
            grace_ends_at=now + grace,
            fingerprint_digest=fingerprint,
            claims=session_claims,
            provider=provider,
        ),
        ttl=refresh_expires_at - now,
        successor=json.dumps({"replaces": replaced_jti, "until": now + grace, "pair": vars(pair)}),
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
            raise session_ended()
        carried = {
            **session.claims,
            **claims.session_claims(user, auth_time=now, amr=amr),
        }
        session_end = clock.to_epoch(session.expires_at)
        username = str(session.owner_name)
        pair = mint(
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
            provider=session.provider or "",
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
        successor = copies.successor(sub, session_id)
    except StoreUnavailableError:
        successor = None  # the record answers; a successor kept only in Redis is out of reach
    if successor is not None and successor["replaces"] == jti and now < successor["until"]:
        return TokenPair(**successor["pair"])
    record = retry_read(lambda: read_record(sub, session_id))
    if record is None:
        raise missing(sub)
    if not record["owner_active"]:
        # Says why, even once the sessions are revoked; catches a user disabled by raw SQL too.
        revoke_all(owner_of(record), Session.RevokeReason.USER_DISABLED)
        raise UserInactiveError("user disabled")
    if record["revoked_at"] is not None:
        raise refusal(record["revoked_reason"], owner_active=True)
    if live_until(record["expires_at"], record["refresh_expires_at"]) <= clock.to_datetime(now):
        raise session_ended()
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
