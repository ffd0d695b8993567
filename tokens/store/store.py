"""The fast copy of sessions in Redis, through django-redis: live state and tombstones.

The database row (``tokens.models.Session``) is the record; this is a copy that may lose any
key at any moment (restart, ``FLUSHALL``, eviction). Each session has one hash, in one of
two forms:

- live: what the hot path needs, owner id (``u``), username (``n``), absolute end (``e``),
  idle end (``i``), current (``r``) and previous (``p``) refresh token ids, the end of the
  previous one's grace window (``g``), the device binding digest (``f``) and the claims every
  token of the session carries (``c``, JSON: ``auth_time``, ``amr``, ...);
- tombstone: only the revocation reason (``x``), kept until every token of the session has
  expired, so a revoked session is refused without asking the database.

A missing hash is a miss, never a verdict: the caller reads the record and seeds the copy
(``seed``), which never overwrites a tombstone or a copy of the current epoch. Every key carries an
expiry.

Every copy carries the outage epoch it was written in (``o``), and Redis holds the current epoch
under one key, whose lease every lookup renews (``tokens.core.degraded`` explains both): a live
copy of another epoch than Redis's, or read while Redis has no epoch, is not trusted.

Every call goes through the circuit breaker (``tokens.store.breaker``): while it is open, calls
fail at once with ``StoreUnavailableError`` instead of waiting on a socket timeout. A Redis that
answers but refuses writes (full under ``noeviction``) raises ``StoreFullError``; ``forget`` still
works then, since Redis allows deletions when full.

Beside the sessions, hourly tallies of rotations feed the admin's security overview: statistics,
not a record (a refresh writes one SQL statement, and an event row per refresh would double it).
"""

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django_redis import get_redis_connection
from redis.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import (
    NoScriptError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
)
from redis.exceptions import TimeoutError as RedisTimeoutError

from tokens.conf import token_settings
from tokens.exceptions import StoreFullError, StoreUnavailableError
from tokens.models import live_until
from tokens.store import redis_keys
from tokens.store.breaker import breaker

# Field names of the session hash (one letter each: a hash per session adds up).
OWNER, USERNAME, EXPIRES, REFRESH_EXPIRES = "u", "n", "e", "i"
CURRENT, PREVIOUS, GRACE_ENDS, FINGERPRINT, REVOKED = "r", "p", "g", "f", "x"
CLAIMS = "c"
# The outage epoch a live copy was written in (tokens.core.degraded).
EPOCH = "o"
_LOOKUP_FIELDS = (
    *(OWNER, USERNAME, EXPIRES, REFRESH_EXPIRES, CURRENT, FINGERPRINT, REVOKED, CLAIMS, EPOCH),
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

# KEYS: the epoch key. ARGV: an epoch read from the record, the absolute end of its lease (Unix
# milliseconds). Sets it unless Redis already holds a newer one; returns the epoch Redis holds.
_PUBLISH_EPOCH = """
local held = tonumber(redis.call('GET', KEYS[1]) or '-1')
if held >= tonumber(ARGV[1]) then
  return held
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return tonumber(ARGV[1])
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

# KEYS: one key. Reads and deletes it at once (GETDEL before Redis 6.2): what is taken once is
# never taken again.
_TAKE = """
local value = redis.call('GET', KEYS[1])
if value then
  redis.call('DEL', KEYS[1])
end
return value
"""

# Seconds an hourly refresh tally is kept: the overview's 30 days, and a day to spare.
TALLY_TTL = 31 * 86400

# KEYS: a counter. ARGV: the window in seconds. Counts one hit; returns the count and the
# seconds left in the window (the window starts at its first hit).
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('TTL', KEYS[1])}
"""

# Wrong guesses at a door that checks a secret (tokens.throttling). A client's record is a hash:
# ``n`` failures, its wait ending at ``t``; it is forgotten ``memory`` seconds after ``t``. An
# account's (or unknown name's) count of failures from clients without its device cookie is a
# hash: ``c`` failures in the window ending at ``e``. Times are ``tokens.core.clock`` seconds with
# their fractions, passed in (so tests can move them); a wait is measured from the failure, not
# from a whole second.

# KEYS: the client's record, then the account's count (when it applies to the client).
# ARGV: now, the account's limit. Returns the seconds to wait, as text (a Lua number would reach
# the client as an integer, cut short); 0 lets the attempt through.
_LOGIN_WAIT = """
local now = tonumber(ARGV[1])
local wait = tonumber(redis.call('HGET', KEYS[1], 't') or '0') - now
if KEYS[2] then
  local count = redis.call('HMGET', KEYS[2], 'c', 'e')
  local ends = tonumber(count[2] or '0')
  if ends > now and tonumber(count[1] or '0') >= tonumber(ARGV[2]) then
    wait = math.max(wait, ends - now)
  end
end
return tostring(math.max(wait, 0))
"""

# KEYS: as for _LOGIN_WAIT. ARGV: now, first delay, longest delay, memory, the account's window.
# Counts one failure; returns the client's new wait in seconds, as text.
_LOGIN_FAILED = """
local now = tonumber(ARGV[1])
local record = redis.call('HMGET', KEYS[1], 'n', 't')
local failures = tonumber(record[1] or '0')
if now >= tonumber(record[2] or '0') + tonumber(ARGV[4]) then
  failures = 0
end
failures = failures + 1
local wait = math.min(tonumber(ARGV[2]) * 2 ^ (failures - 1), tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'n', failures, 't', string.format('%.6f', now + wait))
redis.call('EXPIRE', KEYS[1], math.max(math.ceil(wait + tonumber(ARGV[4])), 1))
if KEYS[2] then
  local window = tonumber(ARGV[5])
  if now >= tonumber(redis.call('HGET', KEYS[2], 'e') or '0') then
    redis.call('HSET', KEYS[2], 'c', 1, 'e', string.format('%.6f', now + window))
    redis.call('EXPIRE', KEYS[2], math.max(math.ceil(window), 1))
  else
    redis.call('HINCRBY', KEYS[2], 'c', 1)
  end
end
return tostring(wait)
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


# The store's client, asked of django-redis once: finding it through ``caches`` costs a few
# microseconds per call (a thread-local lookup), and the hot path asked three times per request.
# One client serves every thread (redis-py's clients are thread-safe and django-redis's threads
# share its connection pool); it is asked again when the settings that name it change.
_clients: dict[str, Any] = {}


def _connection():
    alias = token_settings.CACHE_ALIAS
    client = _clients.get(alias)
    if client is None:
        client = _clients[alias] = get_redis_connection(alias)
    return client


def _forget_clients(*, setting, **kwargs) -> None:
    if setting in ("CACHES", "TOKENS"):
        _clients.clear()


setting_changed.connect(_forget_clients)


# The epoch this process last saw in Redis; stamped on the copies it writes.
_epoch: int | None = None


def known_epoch() -> int | None:
    """The outage epoch Redis held when this process last asked (None: not known)."""
    return _epoch


def _out_of_memory(exc: RedisError) -> bool:
    # A command refused when full is an OutOfMemoryError; the same refusal inside a script comes
    # back as the script's error, naming it.
    return isinstance(exc, (OutOfMemoryError, ReadOnlyError)) or "OOM command not allowed" in str(
        exc
    )


@contextmanager
def unavailable() -> Iterator[None]:
    """Run Redis calls through the breaker; turn any Redis failure into the domain's errors.

    ``StoreFullError`` when Redis answered but refused a write, ``StoreUnavailableError`` when it
    could not be reached (or the breaker did not ask it).
    """
    if not breaker.allows():
        raise StoreUnavailableError("Redis is not asked while the circuit breaker is open")
    try:
        yield
    except RedisError as exc:
        if _out_of_memory(exc):
            breaker.succeeded()
            raise StoreFullError(str(exc)) from exc
        timeout = isinstance(exc, RedisTimeoutError)
        unreachable = isinstance(exc, RedisConnectionError)
        breaker.failed(
            "redis_timeout" if timeout else "redis_connection" if unreachable else "redis_error"
        )
        raise StoreUnavailableError(str(exc)) from exc
    breaker.succeeded()


_scripts: dict[tuple[int, str], Any] = {}


def _script(source: str):
    connection = _connection()
    key = (id(connection), source)
    if key not in _scripts:
        _scripts[key] = connection.register_script(source)
    return _scripts[key]


class _HeldConnection(threading.local):
    """Each thread's own connection to the store's server, kept open between requests."""

    pool: Any = None
    connection: Any = None
    pid = 0
    # Whether the connection has answered since it was opened.
    served = False


_held = _HeldConnection()


def _send(client, *commands: tuple) -> list:
    """Send ``commands`` in one round trip on this thread's own connection; their replies, an
    error reply as its exception (``ResponseError``) in its place.

    Through the client, each command takes a connection from the pool and checks it (a poll of
    the socket), wraps the call in a retry, records redis-py's observability counters and looks
    up a reply callback: with redis-py 7 that is three times the CPU of the command itself (about
    40 us against 10, ``python -m bench.authn``), on every authenticated request. A held
    connection does none of it. After a fork, and when the client's pool changes (new settings),
    a new connection is opened.

    A failure of the connection closes it, so that a reply half read never answers the next
    command. A connection that had served before and fails with a connection error (closed by
    the server while idle: its ``timeout``, a restart) is replaced once at once, as the pool's
    check would have replaced it; a new connection that fails, or a timeout, is the caller's.
    """
    pool, held = client.connection_pool, _held
    if held.pool is not pool or held.pid != os.getpid():
        if held.connection is not None and held.pid == os.getpid():
            held.connection.disconnect()
        held.pool, held.connection, held.pid = pool, pool.make_connection(), os.getpid()
        held.served = False
    connection = held.connection
    packed = connection.pack_commands(commands)
    while True:
        try:
            replies = _exchange(connection, packed, len(commands))
        except BaseException as exc:
            connection.disconnect()
            served, held.served = held.served, False
            if served and isinstance(exc, RedisConnectionError):
                continue
            raise
        held.served = True
        return replies


def _exchange(connection, packed, count: int) -> list:
    connection.send_packed_command(packed, check_health=False)
    replies: list = []
    for _ in range(count):
        try:
            replies.append(connection.read_response())
        except ResponseError as exc:
            replies.append(exc)
    return replies


def _run(source: str, keys: list, args: list | tuple = ()):
    """Run a Lua script by its SHA, loading it first where the server does not know it yet (a
    restart, ``SCRIPT FLUSH``). On a cluster, redis-py's script object routes it by its keys.
    """
    client, script = _connection(), _script(source)
    if isinstance(client, RedisCluster):
        return script(keys=keys, args=args)
    (reply,) = _send(client, ("EVALSHA", script.sha, len(keys), *keys, *args))
    if isinstance(reply, NoScriptError):
        return script(keys=keys, args=args)
    if isinstance(reply, Exception):
        raise reply
    return reply


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
    args = [max(ttl, 1), successor_ttl, successor, *_pairs({**fields, EPOCH: _epoch})]
    with unavailable():
        written = _write_and_count(keys, args, tally) if tally else _run(_WRITE, keys, args)
    return bool(written)


def _write_and_count(keys: list, args: list, tally: str):
    """The write script and the tally's increment, sent together: one round trip, as the write
    alone.

    The tally's key is in another slot than the session's, so it cannot be inside the script; on a
    cluster it is on another node, and redis-py's cluster pipelines refuse scripts: there the
    tally is a second round trip, to that node.
    """
    client, script = _connection(), _script(_WRITE)
    if isinstance(client, RedisCluster):
        written = script(keys=keys, args=args)
        client.pipeline().incr(tally).expire(tally, TALLY_TTL).execute()
        return written
    written, *_counted = _send(
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


def tallies(names: list[str]) -> list[int]:
    """The values of some tallies, in one round trip; 0 for those never counted or expired."""
    with unavailable():
        return [int(value or 0) for value in _connection().mget(names)]


def seed(user_id, session_id, fields: Mapping[str, object], *, ttl: int) -> None:
    """Fill a miss from the record, in the epoch Redis holds; a tombstone, or a copy of that epoch
    written meanwhile, wins.
    """
    if _epoch is None:
        return  # a copy without an epoch would never be trusted
    with unavailable():
        _run(
            _SEED,
            [redis_keys.session(user_id, session_id)],
            [max(ttl, 1), _epoch, *_pairs({**fields, EPOCH: _epoch})],
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
    """One round trip: the session's live copy, its tombstone or None on a miss; and the epoch
    Redis holds (None when it holds none), whose lease the same round trip renews.
    """
    global _epoch, _renewed_at
    epoch_key, session_key = redis_keys.epoch(), redis_keys.session(user_id, session_id)
    # Each process renews the lease at most every half lease: it stays held while requests come,
    # and a lease renewed less often only ever lapses sooner, the safe direction
    # (docs/internals.md). Renewing on every lookup was a write to Redis, and to its append-only
    # file, per authenticated request.
    now = time.time()
    lease = token_settings.STORE_EPOCH_LEASE
    lease_end = int((now + lease) * 1000) if now - _renewed_at >= lease / 2 else 0
    with unavailable():
        connection = _connection()
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
            values, held = _run(_LOOKUP, [session_key, epoch_key], [lease_end, *_LOOKUP_FIELDS])
    if lease_end:
        _renewed_at = now
    epoch = int(held) if held is not None else None
    if epoch is not None:
        _epoch = epoch
    owner, username, expires, refresh_expires, current, fingerprint, revoked, claims, stamp = (
        value.decode() if value is not None else None for value in values
    )
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
    )
    return copy, epoch


def read_epoch() -> int | None:
    """The epoch Redis holds (None: none), remembered as this process's."""
    global _epoch
    with unavailable():
        held = _connection().get(redis_keys.epoch())
    if held is not None:
        _epoch = int(held)
    return _epoch if held is not None else None


def publish_epoch(epoch: int, asked_at: float) -> int:
    """Give Redis an epoch read from the record, unless it holds a newer one; return the epoch
    Redis holds now.

    ``asked_at`` (``time.time()``) is when Redis was asked the question that showed it held no
    epoch, before the record was read: the lease counts from there, so a publication that reaches
    Redis late (queued while it hung) has expired on arrival rather than bringing back an epoch
    that ended meanwhile.
    """
    global _epoch
    lease_end = int((asked_at + token_settings.STORE_EPOCH_LEASE) * 1000)
    with unavailable():
        held = int(_run(_PUBLISH_EPOCH, [redis_keys.epoch()], [epoch, lease_end]))
    _epoch = held
    return held


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
        with unavailable():
            _connection().delete(*names)


def ping() -> bool:
    """Whether Redis answers PING now (through the breaker: False at once while it is open)."""
    try:
        with unavailable():
            return bool(_connection().ping())
    except StoreUnavailableError:
        return False


def reset_for_tests() -> None:
    """Forget the epoch seen and close the breaker: a test's Redis starts empty and answering."""
    global _epoch
    _epoch = None
    breaker.reset()


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
    with unavailable():
        # One script: every name carries the user's hash tag, so this is valid on a cluster too.
        _run(_TOMBSTONE, names, [reason, *ttls])


def successor(user_id, session_id) -> dict | None:
    """The last rotation's successor: ``{"replaces", "until", "pair"}``, while Redis keeps it."""
    with unavailable():
        value = _connection().get(redis_keys.successor(user_id, session_id))
    return json.loads(value) if value is not None else None


def eviction_policy() -> str | None:
    """Redis's ``maxmemory-policy``; raises ``StoreUnavailableError`` where ``CONFIG`` is refused or
    Redis is down.
    """
    with unavailable():
        return _connection().config_get("maxmemory-policy").get("maxmemory-policy")


def hit(key: str, window: int) -> tuple[int, int]:
    """Count one request against a rate-limit window; return (requests so far, seconds left)."""
    with unavailable():
        count, ttl = _run(_HIT, [key], [window])
    return int(count), int(ttl)


def login_wait(client_key: str, name_key: str | None, now: float, name_limit: int) -> float:
    """One round trip: seconds before a client may guess at an account again (0: now)."""
    keys = [client_key] if name_key is None else [client_key, name_key]
    with unavailable():
        return float(_run(_LOGIN_WAIT, keys, [repr(now), name_limit]))


def login_failed(
    client_key: str,
    name_key: str | None,
    now: float,
    *,
    delay: float,
    max_delay: float,
    memory: int,
    window: int,
) -> float:
    """Count a wrong guess of a client (and at its account, if given); return its new wait."""
    keys = [client_key] if name_key is None else [client_key, name_key]
    args = [repr(now), delay, max_delay, memory, window]
    with unavailable():
        return float(_run(_LOGIN_FAILED, keys, args))


def login_succeeded(client_key: str) -> None:
    """Forget a client's wrong guesses at an account once it has proven the secret there."""
    with unavailable():
        _connection().delete(client_key)


def put(key: str, value: str, ttl: int) -> None:
    """Keep a short-lived value (an mfa_token's login, a passkey challenge) for ``ttl`` seconds."""
    with unavailable():
        _connection().set(key, value, ex=max(ttl, 1))


def peek(key: str) -> str | None:
    """A short-lived value, left in place."""
    with unavailable():
        value = _connection().get(key)
    return value.decode() if value is not None else None


def take(key: str) -> str | None:
    """A short-lived value, removed in the same step: of two callers only one gets it."""
    with unavailable():
        value = _run(_TAKE, [key])
    return value.decode() if value is not None else None
