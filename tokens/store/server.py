"""What the Redis server says of itself: whether it answers, and its eviction policy."""

from tokens.exceptions import StoreUnavailableError
from tokens.store.connection import redis_client, unavailable


def ping() -> bool:
    """Whether Redis answers PING now (through the breaker: False at once while it is open)."""
    try:
        with unavailable():
            return bool(redis_client().ping())
    except StoreUnavailableError:
        return False


def eviction_policy() -> str | None:
    """Redis's ``maxmemory-policy``; raises ``StoreUnavailableError`` where ``CONFIG`` is refused or
    Redis is down.
    """
    with unavailable():
        return redis_client().config_get("maxmemory-policy").get("maxmemory-policy")
