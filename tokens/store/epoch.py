"""The outage epoch in Redis: the one key holding the epoch the copies belong to, and the epoch this
process last saw there, stamped on the copies it writes (``tokens.core.degraded`` explains both).

A live copy of another epoch than Redis's, or read while Redis has no epoch, is not trusted.
"""

from tokens.conf import token_settings
from tokens.store import local_copy, redis_keys
from tokens.store.breaker import breaker
from tokens.store.connection import redis_client, run, unavailable

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

# The epoch this process last saw in Redis; stamped on the copies it writes.
_epoch: int | None = None


def known_epoch() -> int | None:
    """The outage epoch Redis held when this process last asked (None: not known)."""
    return _epoch


def remember(epoch: int) -> None:
    """Note the epoch a lookup found in Redis as this process's."""
    global _epoch
    _epoch = epoch


def read_epoch() -> int | None:
    """The epoch Redis holds (None: none), remembered as this process's."""
    global _epoch
    with unavailable():
        held = redis_client().get(redis_keys.epoch())
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
    with local_copy.dropping(redis_keys.epoch()), unavailable():
        held = int(run(_PUBLISH_EPOCH, [redis_keys.epoch()], [epoch, lease_end]))
    _epoch = held
    return held


def reset_for_tests() -> None:
    """Forget the epoch seen and close the breaker: a test's Redis starts empty and answering."""
    global _epoch
    _epoch = None
    breaker.reset()
    local_copy.reset_for_tests()
