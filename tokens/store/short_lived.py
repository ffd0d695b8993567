"""Short-lived values in Redis (an mfa_token's login, a passkey challenge), each with an expiry;
``take`` reads and deletes at once, so a value is used once.
"""

from tokens.store.connection import redis_client, run, unavailable

# KEYS: one key. Reads and deletes it at once (GETDEL before Redis 6.2): what is taken once is
# never taken again.
_TAKE = """
local value = redis.call('GET', KEYS[1])
if value then
  redis.call('DEL', KEYS[1])
end
return value
"""


def put(key: str, value: str, ttl: int) -> None:
    """Keep a short-lived value (an mfa_token's login, a passkey challenge) for ``ttl`` seconds."""
    with unavailable():
        redis_client().set(key, value, ex=max(ttl, 1))


def peek(key: str) -> str | None:
    """A short-lived value, left in place."""
    with unavailable():
        value = redis_client().get(key)
    return value.decode() if value is not None else None


def take(key: str) -> str | None:
    """A short-lived value, removed in the same step: of two callers only one gets it."""
    with unavailable():
        value = run(_TAKE, [key])
    return value.decode() if value is not None else None
