"""Issue, rotate and revoke: the one place that combines tokens, the store and the database."""

import json
import uuid
from dataclasses import asdict, dataclass

from django.contrib.auth import user_logged_in, user_logged_out
from django.db import connection, transaction
from django.utils import timezone

from tokens import binding, clock, store, tokens
from tokens.conf import token_settings
from tokens.exceptions import (
    TokenExpiredError,
    TokenReusedError,
    TokenRevokedError,
    UserInactiveError,
)
from tokens.models import AuthEvent, Session


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


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[: token_settings.USER_AGENT_MAX_LENGTH]


def record_event(kind: str, request=None, user=None, **fields) -> AuthEvent:
    if request is not None:
        fields.setdefault("ip_address", client_ip(request))
        fields.setdefault("user_agent", client_user_agent(request))
    if user is not None:
        fields.setdefault("username", user.get_username())
    return AuthEvent.objects.create(kind=kind, user=user, **fields)


def _mint(user, session_id: str, now: int, session_end: int,
          fingerprint_digest: str | None = None) -> tuple[TokenPair, str]:
    """Sign a new pair for the session; return it and its refresh token id."""
    access_exp = min(now + token_settings.ACCESS_TOKEN_LIFETIME, session_end)
    refresh_exp = min(now + token_settings.REFRESH_TOKEN_LIFETIME, session_end)
    refresh_jti = uuid.uuid4().hex
    common = {"sub": str(user.pk), "sid": session_id, "iat": now}
    if fingerprint_digest:
        common[binding.CLAIM] = fingerprint_digest
    access = tokens.encode(tokens.AccessToken, {
        **common, "jti": uuid.uuid4().hex, "exp": access_exp, "username": user.get_username(),
    })
    refresh = tokens.encode(tokens.RefreshToken, {**common, "jti": refresh_jti, "exp": refresh_exp})
    return TokenPair(access, refresh, access_exp, refresh_exp, session_id), refresh_jti


def login(request, user, fingerprint_digest: str | None = None) -> TokenPair:
    """Open a session for an authenticated user and issue its first pair (bound to a device if given)."""
    now = clock.now()
    session_end = now + token_settings.SESSION_LIFETIME
    session_id = str(uuid.uuid4())
    pair, refresh_jti = _mint(user, session_id, now, session_end, fingerprint_digest)
    with transaction.atomic():
        Session.objects.create(
            id=session_id, user=user, created_at=clock.to_datetime(now), last_used_at=clock.to_datetime(now),
            expires_at=clock.to_datetime(session_end), refresh_expires_at=clock.to_datetime(pair.refresh_expires_at),
            ip_address=client_ip(request), user_agent=client_user_agent(request),
        )
        # Inside the transaction: if Redis fails, the session row is rolled back and nothing is issued.
        store.open_session(user.pk, session_id, refresh_jti, pair.refresh_expires_at - now)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return pair


def rotate(request, raw_refresh: str) -> TokenPair:
    """Consume a refresh token and return its successor pair (same session).

    Within the grace window the consumed token returns the same successor, so a retry or
    a racing tab succeeds; after it, presenting it again revokes the whole session.
    """
    presented = tokens.decode(raw_refresh, tokens.REFRESH)
    binding.verify(request, presented.payload)
    session = Session.objects.select_related("user").filter(pk=presented["sid"]).first()
    if session is None or str(session.user_id) != presented["sub"]:
        raise TokenRevokedError("no such session")
    user = session.user
    if not user.is_active:
        raise UserInactiveError("user disabled")
    now = clock.now()
    session_end = int(session.expires_at.timestamp())
    if session_end <= now:
        raise TokenExpiredError("session ended")
    pair, refresh_jti = _mint(user, presented["sid"], now, session_end, presented.payload.get(binding.CLAIM))
    outcome, successor = store.rotate(
        user.pk, presented["sid"], presented["jti"], refresh_jti,
        ttl=pair.refresh_expires_at - now, grace=token_settings.ROTATION_GRACE_PERIOD,
        successor=json.dumps(asdict(pair)), now=now,
    )
    if outcome == store.ROTATED:
        _record_use(session.pk, now, pair.refresh_expires_at)
        return pair
    if outcome == store.GRACE:
        return TokenPair(**json.loads(successor))
    if outcome == store.REUSED:
        _mark_revoked(Session.objects.filter(pk=session.pk), Session.RevokeReason.REUSE_DETECTED)
        record_event(AuthEvent.Kind.REUSE_DETECTED, request, user, session_id=session.pk,
                     detail="a consumed refresh token was presented after the grace window")
        raise TokenReusedError("refresh token reuse")
    raise TokenRevokedError("session revoked")


def _record_use(session_id, now: int, refresh_expires_at: int) -> None:
    """Note a rotation on the session's record: the one SQL write of a refresh.

    The record is informational (Redis alone decides whether a session is live), so on
    PostgreSQL this commit does not wait for the WAL flush; a crash may lose the last few
    of these timestamps, never a revocation (PostgreSQL docs, "Asynchronous Commit").
    """
    sessions = Session.objects.filter(pk=session_id)
    fields = {"last_used_at": clock.to_datetime(now), "refresh_expires_at": clock.to_datetime(refresh_expires_at)}
    if connection.vendor != "postgresql":
        sessions.update(**fields)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        sessions.update(**fields)


def session_of(raw_token: str) -> tuple[Session, dict]:
    """Return the live session a token (access or refresh) belongs to, for logout."""
    token = tokens.decode_either(raw_token)
    if not store.is_live(token["sub"], token["sid"]):
        raise TokenRevokedError("session revoked")
    session = Session.objects.select_related("user").filter(pk=token["sid"]).first()
    if session is None:
        raise TokenRevokedError("no such session")
    return session, token.payload


def logout(request, session: Session) -> None:
    # One commit for the revocation record and the event (the Redis revocation comes first).
    with transaction.atomic():
        revoke_sessions(session.user, [session.pk], Session.RevokeReason.LOGOUT)
        user_logged_out.send(sender=session.user.__class__, request=request, user=session.user)


def _mark_revoked(queryset, reason: str) -> int:
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=reason)


def revoke_sessions(user, session_ids, reason: str) -> int:
    """Revoke the given sessions of ``user``: Redis first (takes effect at once), then the record."""
    session_ids = [str(session_id) for session_id in session_ids]
    store.revoke(user.pk, session_ids)
    return _mark_revoked(Session.objects.filter(user=user, pk__in=session_ids), reason)


def revoke_all(user, reason: str, keep_session_id=None, request=None) -> int:
    """Revoke every open session of ``user`` (except ``keep_session_id``); return how many."""
    open_sessions = Session.objects.filter(user=user, revoked_at__isnull=True)
    if keep_session_id is not None:
        open_sessions = open_sessions.exclude(pk=keep_session_id)
    session_ids = list(open_sessions.values_list("pk", flat=True))
    count = revoke_sessions(user, session_ids, reason) if session_ids else 0
    if count:
        record_event(AuthEvent.Kind.REVOKED, request, user, detail=f"{count} session(s): {reason}")
    return count
