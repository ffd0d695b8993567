"""Request counters in Redis: a count per fixed window, for the rate limits."""

from tokens.store.connection import run, unavailable

# KEYS: a counter. ARGV: the window in seconds. Counts one hit; returns the count and the
# seconds left in the window (the window starts at its first hit).
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('TTL', KEYS[1])}
"""


def hit(key: str, window: int) -> tuple[int, int]:
    """Count one request against a rate-limit window; return (requests so far, seconds left)."""
    with unavailable():
        count, ttl = run(_HIT, [key], [window])
    return int(count), int(ttl)
