"""The records of wrong guesses in Redis: per client and per account, the waits that grow with
each failure (``tokens.throttling`` decides; this keeps the counts atomically).
"""

from tokens.store.connection import redis_client, run, unavailable

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


def login_wait(client_key: str, name_key: str | None, now: float, name_limit: int) -> float:
    """One round trip: seconds before a client may guess at an account again (0: now)."""
    keys = [client_key] if name_key is None else [client_key, name_key]
    with unavailable():
        return float(run(_LOGIN_WAIT, keys, [repr(now), name_limit]))


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
        return float(run(_LOGIN_FAILED, keys, args))


def login_succeeded(client_key: str) -> None:
    """Forget a client's wrong guesses at an account once it has proven the secret there."""
    with unavailable():
        redis_client().delete(client_key)
