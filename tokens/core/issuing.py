"""Issue: a session's token pair, and the session a login opens with its first pair.

The database row is the record and Redis a copy (``tokens.copies.copies``). The login's row, its
event and its copy are written inside one database transaction, the copy last, just before the
commit (``tokens.core.copy_writes``); if the database fails, the transaction rolls back and
nothing was issued.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import user_logged_in
from django.db import transaction

from tokens.browser import binding
from tokens.conf import token_settings
from tokens.core import claims, client, clock, degraded, tokens
from tokens.core.copy_writes import write_copy
from tokens.core.session_limit import enforce_session_limit
from tokens.models import Session
from tokens.store import copies


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


def mint(
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
    provider: str = "",
) -> TokenPair:
    """Open a session for a user who just proved the methods ``amr`` and issue its first pair
    (bound to a device if given); ``provider``: the outside identity provider a social login
    began at, kept with the session for as long as it lasts.
    """
    now = clock.now()
    session_end = now + token_settings.SESSION_LIFETIME
    session_id = str(uuid.uuid4())
    fingerprint_digest = fingerprint_digest or ""
    refresh_jti = uuid.uuid4().hex
    carried = claims.session_claims(user, auth_time=now, amr=amr)
    pair = mint(
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
            provider=provider or None,
        )
        # In the transaction: a login whose commit fails leaves no event (nor last_login) behind.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        # Last, inside the transaction: if the database fails, the row is rolled back and nothing
        # is issued.
        degraded.learn_epoch()
        write_copy(
            copies.write,
            [session_id],
            user.pk,
            session_id,
            copies.live_fields(
                user.pk,
                user.get_username(),
                session_end,
                pair.refresh_expires_at,
                refresh_jti,
                fingerprint_digest=fingerprint_digest,
                claims=carried,
                provider=provider,
            ),
            ttl=pair.refresh_expires_at - now,
        )
        enforce_session_limit(request, user, session_id)
    return pair
