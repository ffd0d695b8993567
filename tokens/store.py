"""The live state of sessions, in Redis through django-redis.

A session is live exactly while its hash exists; revoking it deletes the hash. Since a
token is honoured only while its session's hash exists, losing Redis's data revokes
everything (fail-safe) and never brings a revoked or consumed token back. Every key
carries an expiry, so the store never grows without bound. Single use of refresh tokens
is one Lua script: atomic, one round trip, no read-then-write race.
"""

from contextlib import contextmanager

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from tokens import keys
from tokens.exceptions import StoreUnavailableError

# KEYS: session hash, successor key.
# ARGV: presented jti, new jti, session ttl, grace seconds, successor, now (epoch seconds).
# The session hash holds the current refresh jti (r), the one it replaced (p) and the end
# of that one's grace window (g). Returns {"rotated"}, {"grace", successor}, {"reused"} or
# {"revoked"}. "now" comes from the caller so that time has a single seam (tokens.clock).
_ROTATE = """
local session = redis.call('HMGET', KEYS[1], 'r', 'p', 'g')
if not session[1] then
  return {'revoked'}
end
local now = tonumber(ARGV[6])
if session[1] == ARGV[1] then
  local grace = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'r', ARGV[2], 'p', ARGV[1], 'g', now + grace)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  if grace > 0 then
    redis.call('SET', KEYS[2], ARGV[5], 'EX', grace + 1)
  else
    redis.call('DEL', KEYS[2])
  end
  return {'rotated'}
end
if session[2] == ARGV[1] and now <= tonumber(session[3]) then
  local successor = redis.call('GET', KEYS[2])
  if successor then
    return {'grace', successor}
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return {'reused'}
"""

# KEYS: a counter. ARGV: the window in seconds. Counts one hit; returns the count and the
# seconds left in the window (the window starts at its first hit).
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('TTL', KEYS[1])}
"""

ROTATED = "rotated"
GRACE = "grace"
REUSED = "reused"
REVOKED = "revoked"


def _connection():
    return get_redis_connection("default")


@contextmanager
def unavailable():
    """Turn any Redis failure into the domain's ``StoreUnavailableError``."""
    try:
        yield
    except RedisError as exc:
        raise StoreUnavailableError(str(exc)) from exc


_scripts = {}


def _script(source: str):
    connection = _connection()
    key = (id(connection), source)
    if key not in _scripts:
        _scripts[key] = connection.register_script(source)
    return _scripts[key]


def open_session(user_id, session_id: str, refresh_jti: str, ttl: int) -> None:
    """Mark a new session live with its first refresh token id."""
    key = keys.session(user_id, session_id)
    with unavailable():
        pipe = _connection().pipeline(transaction=True)
        pipe.hset(key, "r", refresh_jti)
        pipe.expire(key, max(ttl, 1))
        pipe.execute()


def is_live(user_id, session_id: str) -> bool:
    with unavailable():
        return bool(_connection().exists(keys.session(user_id, session_id)))


def current_refresh_jti(user_id, session_id: str) -> str | None:
    """The id of the session's one usable refresh token; None when the session is not live."""
    with unavailable():
        jti = _connection().hget(keys.session(user_id, session_id), "r")
    return jti.decode() if jti is not None else None


def rotate(user_id, session_id: str, presented_jti: str, new_jti: str, *, ttl: int, grace: int,
           successor: str, now: int) -> tuple[str, str | None]:
    """Consume ``presented_jti`` atomically; return the outcome and, in grace, the successor."""
    with unavailable():
        result = _script(_ROTATE)(
            keys=[keys.session(user_id, session_id), keys.successor(user_id, session_id)],
            args=[presented_jti, new_jti, max(ttl, 1), grace, successor, now],
        )
    outcome = result[0].decode()
    payload = result[1].decode() if len(result) > 1 else None
    return outcome, payload


def revoke(user_id, session_ids) -> None:
    """Make sessions not live, at once, in one round trip."""
    names = []
    for session_id in session_ids:
        names += [keys.session(user_id, str(session_id)), keys.successor(user_id, str(session_id))]
    if not names:
        return
    with unavailable():
        # One DEL: every name carries the user's hash tag, so this is valid on a cluster too.
        _connection().delete(*names)


def hit(key: str, window: int) -> tuple[int, int]:
    """Count one request against a rate-limit window; return (requests so far, seconds left)."""
    with unavailable():
        count, ttl = _script(_HIT)(keys=[key], args=[window])
    return int(count), int(ttl)
