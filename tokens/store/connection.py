"""The store's connection to Redis: the client, each thread's held connection, Lua scripts run by
their SHA, and the circuit breaker every call goes through (``unavailable``).

Every call goes through the circuit breaker (``tokens.store.breaker``): while it is open, calls
fail at once with ``StoreUnavailableError`` instead of waiting on a socket timeout. A Redis that
answers but refuses writes (full under ``noeviction``) raises ``StoreFullError``; deletions still
work then, since Redis allows them when full.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
from tokens.store.breaker import breaker

# The store's client, asked of django-redis once: finding it through ``caches`` costs a few
# microseconds per call (a thread-local lookup), and the hot path asked three times per request.
# One client serves every thread (redis-py's clients are thread-safe and django-redis's threads
# share its connection pool); it is asked again when the settings that name it change.
_clients: dict[str, Any] = {}


def redis_client():
    alias = token_settings.CACHE_ALIAS
    client = _clients.get(alias)
    if client is None:
        client = _clients[alias] = get_redis_connection(alias)
    return client


def _forget_clients(*, setting, **kwargs) -> None:
    if setting in ("CACHES", "TOKENS"):
        _clients.clear()


setting_changed.connect(_forget_clients)


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


def lua_script(source: str):
    connection = redis_client()
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


def send(client, *commands: tuple) -> list:
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


def run(source: str, keys: list, args: list | tuple = ()):
    """Run a Lua script by its SHA, loading it first where the server does not know it yet (a
    restart, ``SCRIPT FLUSH``). On a cluster, redis-py's script object routes it by its keys.
    """
    client, script = redis_client(), lua_script(source)
    if isinstance(client, RedisCluster):
        return script(keys=keys, args=args)
    (reply,) = send(client, ("EVALSHA", script.sha, len(keys), *keys, *args))
    if isinstance(reply, NoScriptError):
        return script(keys=keys, args=args)
    if isinstance(reply, Exception):
        raise reply
    return reply
