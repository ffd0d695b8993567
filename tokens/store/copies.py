"""The copy of sessions in Redis: live copies, tombstones and the successors of rotations.

The database row (``tokens.models.Session``) is the record; this is a copy that may lose any
key at any moment (restart, ``FLUSHALL``, eviction). Each session has one hash, in one of
two forms:

- live: what the hot path needs, owner id (``u``), username (``n``), absolute end (``e``),
  idle end (``i``), current (``r``) and previous (``p``) refresh token ids, the end of the
  previous one's grace window (``g``), the token binding digest (``f``), the claims every
  token of the session carries (``c``, JSON: ``auth_time``, ``amr``, ...) and, for a session a
  social login opened, the outside identity provider it began at (``s``, its id);
- tombstone: only the revocation reason (``x``), kept until every token of the session has
  expired, so a revoked session is refused without asking the database.

A missing hash is a miss, never a verdict: the caller reads the record and seeds the copy
(``seed``), which never overwrites a tombstone or a copy of the current epoch. Every key carries an
expiry. Every copy carries the outage epoch it was written in (``o``, ``tokens.store.epoch``).
"""

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.cluster import RedisCluster
from redis.exceptions import NoScriptError

from tokens.conf import token_settings
from tokens.models.sessions import live_until
from tokens.store import epoch as store_epoch
from tokens.store import local_copy, redis_keys
from tokens.store.connection import lua_script, redis_client, run, send, unavailable
from tokens.store.tallies import TALLY_TTL

# Field names of the session hash (one letter each: a hash per session adds up).
OWNER, USERNAME, EXPIRES, REFRESH_EXPIRES = "u", "n", "e", "i"

CURRENT, PREVIOUS, GRACE_ENDS, FINGERPRINT, REVOKED = "r", "p", "g", "f", "x"

CLAIMS = "c"

# The outside identity provider a social login's session began at (none for any other login).
PROVIDER = "s"

# The outage epoch a live copy was written in (tokens.core.degraded).
EPOCH = "o"

_LOOKUP_FIELDS = (
    *(OWNER, USERNAME, EXPIRES, REFRESH_EXPIRES, CURRENT, FINGERPRINT),
    *(REVOKED, CLAIMS, EPOCH, PROVIDER),
)

# KEYS: session hash, successor key. ARGV: hash ttl, successor ttl (0: none), successor,
# then the hash's field/value pairs. Replaces the live copy unless the hash is a tombstone.
# Returns 1 when written, 0 when a tombstone was found (and left as it is).
_WRITE = """
if redis.call('HEXISTS', KEYS[1], 'x') == 1 then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
else
  redis.call('DEL', KEYS[2])
end
return 1
"""

# KEYS: session hash. ARGV: ttl, the current epoch, then field/value pairs. Fills a miss, or
# replaces a live copy of another epoch; never overwrites a tombstone or a copy of this epoch.
_SEED = """
if redis.call('HEXISTS', KEYS[1], 'x') == 1 or redis.call('HGET', KEYS[1], 'o') == ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS: pairs of (session hash, successor key), all of one user. ARGV: reason, then one ttl
# per pair. Replaces each session's copy by its tombstone and drops its successor.
_TOMBSTONE = """
for index = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[index], KEYS[index + 1])
  redis.call('HSET', KEYS[index], 'x', ARGV[1])
  redis.call('EXPIRE', KEYS[index], ARGV[(index + 1) / 2 + 1])
end
return #KEYS / 2
"""


@dataclass(frozen=True)
class SessionCopy:
    """A session's live copy, as the hot path reads it."""

    user_id: str
    username: str
    expires_at: int
    refresh_expires_at: int
    refresh_jti: str
    fingerprint_digest: str
    # The session's claims as the JSON text the copy keeps; parsed only by who asks (``claims``).
    claims_json: str = "{}"
    # The outage epoch it was written in; None when it carries none.
    epoch: int | None = None
    # The outside identity provider the session began at (its id); "" for any other login.
    provider: str = ""

    @property
    def usable_until(self) -> int:
        """When the session stops being usable unless its refresh token is rotated first."""
        return live_until(self.expires_at, self.refresh_expires_at)

    @property
    def claims(self) -> dict:
        """The claims every token of the session carries (``auth_time``, ``amr``, ...)."""
        return json.loads(self.claims_json or "{}")


class Tombstone(str):
    """A revoked session's tombstone: the revocation reason."""


def _pairs(fields: Mapping[str, object]) -> list:
    return [
        item for name, value in fields.items() if value not in (None, "") for item in (name, value)
    ]


def live_fields(
    user_id,
    username: str,
    expires_at: int,
    refresh_expires_at: int,
    refresh_jti: str,
    previous_jti: str = "",
    grace_ends_at: int | None = None,
    fingerprint_digest: str = "",
    claims: Mapping[str, Any] | None = None,
    provider: str = "",
) -> dict:
    """The live copy's hash fields (empty ones are left out)."""
    return {
        OWNER: str(user_id),
        USERNAME: username,
        EXPIRES: expires_at,
        REFRESH_EXPIRES: refresh_expires_at,
        CURRENT: refresh_jti,
        PREVIOUS: previous_jti,
        GRACE_ENDS: grace_ends_at,
        FINGERPRINT: fingerprint_digest,
        CLAIMS: json.dumps(claims, separators=(",", ":")) if claims else "",
        PROVIDER: provider,
    }


def write(
    user_id,
    session_id,
    fields: Mapping[str, object],
    *,
    ttl: int,
    successor: str = "",
    successor_ttl: int = 0,
    tally: str = "",
) -> bool:
    """Replace a session's copy after a login or rotation, and count it in ``tally`` if given.

    Returns False when a tombstone is there (nothing written, though the tally counts the attempt).
    """
    keys = [redis_keys.session(user_id, session_id), redis_keys.successor(user_id, session_id)]
    stamp = store_epoch.known_epoch()
    args = [max(ttl, 1), successor_ttl, successor, *_pairs({**fields, EPOCH: stamp})]
    with local_copy.dropping(*keys), unavailable():
        written = _write_and_count(keys, args, tally) if tally else run(_WRITE, keys, args)
    return bool(written)


def _write_and_count(keys: list, args: list, tally: str):
    """The write script and the tally's increment, sent together: one round trip, as the write
    alone.

    The tally's key is in another slot than the session's, so it cannot be inside the script; on a
    cluster it is on another node, and redis-py's cluster pipelines refuse scripts: there the
    tally is a second round trip, to that node.
    """
    client, script = redis_client(), lua_script(_WRITE)
    if isinstance(client, RedisCluster):
        written = script(keys=keys, args=args)
        client.pipeline().incr(tally).expire(tally, TALLY_TTL).execute()
        return written
    written, *_counted = send(
        client,
        ("EVALSHA", script.sha, len(keys), *keys, *args),
        ("INCR", tally),
        ("EXPIRE", tally, TALLY_TTL),
    )
    if isinstance(written, NoScriptError):
        # The server does not know the script yet (a restart, SCRIPT FLUSH): the call that loads it.
        written = script(keys=keys, args=args)
    # The tally's own failure (a full Redis refusing the increment) is left alone: statistics.
    if isinstance(written, Exception):
        raise written
    return written


def seed(user_id, session_id, fields: Mapping[str, object], *, ttl: int) -> None:
    """Fill a miss from the record, in the epoch Redis holds; a tombstone, or a copy of that epoch
    written meanwhile, wins.
    """
    stamp = store_epoch.known_epoch()
    if stamp is None:
        return  # a copy without an epoch would never be trusted
    with local_copy.dropping(redis_keys.session(user_id, session_id)), unavailable():
        run(
            _SEED,
            [redis_keys.session(user_id, session_id)],
            [max(ttl, 1), stamp, *_pairs({**fields, EPOCH: stamp})],
        )


# KEYS: the session's hash, the epoch key. ARGV: the lease's end (Unix milliseconds; 0: not
# renewed now), then the hash's fields. The lookup's commands (HMGET, GET, PEXPIREAT) as one: a
# redis-py pipeline of three costs the client twice what one command does, on every
# authenticated request.
_LOOKUP = """
local values = redis.call('HMGET', KEYS[1], unpack(ARGV, 2))
local held = redis.call('GET', KEYS[2])
if ARGV[1] ~= '0' then
  redis.call('PEXPIREAT', KEYS[2], ARGV[1])
end
return {values, held}
"""

# When this process last renewed the epoch's lease (time.time()).
_renewed_at = 0.0


def lookup(user_id, session_id) -> tuple[SessionCopy | Tombstone | None, int | None]:
    """The session's live copy, its tombstone or None on a miss; and the epoch Redis holds (None
    when it holds none). From the process-local copy when it holds both and the lease needs no
    renewal now; else one round trip, which renews the epoch's lease (each process at most every
    half lease) and refills the local copy.
    """
    global _renewed_at
    epoch_key, session_key = redis_keys.epoch(), redis_keys.session(user_id, session_id)
    # Each process renews the lease at most every half lease: it stays held while requests come,
    # and a lease renewed less often only ever lapses sooner, the safe direction
    # (docs/internals.md). Renewing on every lookup was a write to Redis, and to its append-only
    # file, per authenticated request. A local hit comes only between renewals, so the epoch it
    # answers with is one this process holds the lease of (or a write would have dropped it).
    now = time.time()
    lease = token_settings.STORE_EPOCH_LEASE
    lease_end = int((now + lease) * 1000) if now - _renewed_at >= lease / 2 else 0
    if not lease_end:
        held_locally = local_copy.get(epoch_key, "epoch")
        if held_locally is not local_copy.MISSING:
            found_locally = local_copy.get(session_key)
            if found_locally is not local_copy.MISSING:
                return found_locally, held_locally
    read_in = local_copy.generation()
    found, epoch = _read(session_key, epoch_key, lease_end)
    if lease_end:
        _renewed_at = now
    if epoch is not None:
        store_epoch.remember(epoch)
        if read_in is not None:
            # Kept no longer than an access token lives, nor past the session's own end.
            until = now + token_settings.ACCESS_TOKEN_LIFETIME
            local_copy.put(epoch_key, epoch, until, read_in)
            if isinstance(found, Tombstone):
                local_copy.put(session_key, found, until, read_in)
            elif found is not None and found.epoch == epoch:
                local_copy.put(session_key, found, min(until, found.usable_until), read_in)
    return found, epoch


def _read(session_key: str, epoch_key: str, lease_end: int):
    """The lookup's round trip to Redis."""
    with unavailable():
        connection = redis_client()
        if isinstance(connection, RedisCluster):
            # The two keys are in different slots: a pipeline, which the cluster client splits.
            pipeline = connection.pipeline(transaction=False)
            pipeline.hmget(session_key, _LOOKUP_FIELDS)
            pipeline.get(epoch_key)
            if lease_end:
                # Absolute, so a renewal that reaches Redis late (queued while it hung) ends on
                # time.
                pipeline.pexpireat(epoch_key, lease_end)
            values, held, *_renewed = pipeline.execute()
        else:
            values, held = run(_LOOKUP, [session_key, epoch_key], [lease_end, *_LOOKUP_FIELDS])
    epoch = int(held) if held is not None else None
    (
        owner,
        username,
        expires,
        refresh_expires,
        current,
        fingerprint,
        revoked,
        claims,
        stamp,
        provider,
    ) = (value.decode() if value is not None else None for value in values)
    if revoked is not None:
        return Tombstone(revoked), epoch
    if owner is None or expires is None or refresh_expires is None:
        return None, epoch
    copy = SessionCopy(
        owner,
        username or "",
        int(expires),
        int(refresh_expires),
        current or "",
        fingerprint or "",
        claims or "{}",
        int(stamp) if stamp is not None else None,
        provider or "",
    )
    return copy, epoch


def forget(user_id, session_ids: Iterable[object]) -> None:
    """Delete the copies and successors of some sessions of one user: what a full Redis still
    allows, so a copy that missed a write is gone rather than stale.
    """
    names = [
        name
        for session_id in session_ids
        for name in (
            redis_keys.session(user_id, session_id),
            redis_keys.successor(user_id, session_id),
        )
    ]
    if names:
        with local_copy.dropping(*names), unavailable():
            redis_client().delete(*names)


def tombstone(user_id, sessions: Iterable[tuple[object, int]], reason: str) -> None:
    """Replace the copies of ``sessions`` (``(session id, ttl)`` pairs, one user) by tombstones."""
    names, ttls = [], []
    for session_id, ttl in sessions:
        names += [
            redis_keys.session(user_id, session_id),
            redis_keys.successor(user_id, session_id),
        ]
        ttls.append(max(ttl, 1))
    if not names:
        return
    with local_copy.dropping(*names), unavailable():
        # One script: every name carries the user's hash tag, so this is valid on a cluster too.
        run(_TOMBSTONE, names, [reason, *ttls])


def successor(user_id, session_id) -> dict | None:
    """The last rotation's successor: ``{"replaces", "until", "pair"}``, while Redis keeps it."""
    with unavailable():
        value = redis_client().get(redis_keys.successor(user_id, session_id))
    return json.loads(value) if value is not None else None
