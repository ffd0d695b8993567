"""A process-local copy of what the hot path reads from Redis, kept exact by Redis itself.

Entries are keyed by the Redis key they copy (a session's hash, the epoch key, a user's version
key) and hold what the hot path made of it. Redis's server-assisted client-side caching keeps them
exact: one connection per process (the channel) turns on ``CLIENT TRACKING ... REDIRECT <its own
id> BCAST`` for the prefixes of those keys and subscribes to ``__redis__:invalidate``, so every
write to such a key, by any process, reaches every process as the key's name; a flush as a null.
BCAST, not the default mode: it tracks the writes under the prefixes whoever read the keys, so the
pooled connections (and Lua scripts) that read them need nothing turned on; tracking and the
subscription share the one connection, so they are lost and restored together.

Trust: an entry answers only while the channel has proved itself recent. The channel PINGs Redis
every quarter of ``LOCAL_SESSION_COPY_LAG`` and a PONG comes back after every invalidation Redis
sent before it; a hit is served only within ``LOCAL_SESSION_COPY_LAG`` of the sending of the last
PING answered, so a write Redis acknowledged is seen, or no entry is trusted, that long after. The
whole copy is dropped when the channel connects (again), when it fails, and when the PONGs lapsed
for longer than that (a stall, a paused Redis, a starved thread), and never trusted while the
circuit breaker is open. A read stores what it found only if no invalidation came while it read
(``generation`` before, ``put`` with it after).
"""

import itertools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.signals import setting_changed
from django.db import transaction
from redis.cluster import RedisCluster
from redis.exceptions import RedisError

from tokens.conf import token_settings
from tokens.exceptions import StoreUnavailableError
from tokens.operations import batched_metrics, metrics
from tokens.store import redis_keys
from tokens.store.breaker import breaker
from tokens.store.connection import redis_client, unavailable

CHANNEL = "__redis__:invalidate"

# What ``get`` answers when the copy has nothing it may use.
MISSING: Any = object()

# Seconds between attempts to connect the channel again after it failed.
_RECONNECT_AFTER = 0.05
_RECONNECT_AT_MOST = 1.0


_copies_made = itertools.count(1)


class _Copy:
    """The copy's state; one per process (a forked child starts its own, empty)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        # Moves on with every invalidation and drop: a read stores only if it did not move. Each
        # copy starts far from the last one's, so a read begun in a copy since replaced (new
        # settings) never matches the new one.
        self.generation = next(_copies_made) << 40
        # ``time.monotonic()`` when the last PING the channel saw answered was sent.
        self.confirmed = float("-inf")
        self.pid = 0
        self.thread: threading.Thread | None = None
        # Whether the copy is on (``enabled``), worked out once per copy: a change of settings
        # makes a new copy (``_restart``).
        self.on: bool | None = None


_copy = _Copy()


def enabled() -> bool:
    state = _copy
    if state.on is None:
        state.on = bool(token_settings.LOCAL_SESSION_COPY) and not isinstance(
            redis_client(), RedisCluster
        )
    return state.on


# This process's id, kept by a fork hook: asked on every lookup, and a system call each time.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _ensure_listener() -> None:
    """Start this process's channel (after a fork the parent's thread and entries are not ours)."""
    global _copy
    if _copy.pid == _pid:
        return
    with _copy.lock:
        if _copy.pid == _pid:
            return
        fresh = _Copy()
        fresh.pid = _pid
        fresh.thread = threading.Thread(
            target=_listen, args=(fresh,), name="local-copy-channel", daemon=True
        )
        _copy = fresh
    fresh.thread.start()


def _restart(*, setting, **kwargs) -> None:
    # Another Redis, or other settings: a new channel and an empty copy (the old thread ends).
    global _copy
    if setting in ("CACHES", "TOKENS"):
        _copy = _Copy()


setting_changed.connect(_restart)


def _trusted(state: _Copy) -> bool:
    return (
        time.monotonic() - state.confirmed <= token_settings.LOCAL_SESSION_COPY_LAG
        and breaker.opened_at is None
    )


def generation() -> int | None:
    """The generation to hand to ``put`` after reading Redis; None when the copy is off."""
    if not enabled():
        return None
    _ensure_listener()
    return _copy.generation


def get(key: str, kind: str = "session") -> Any:
    """The entry copying ``key``, or ``MISSING`` (none, expired, or the channel not trusted)."""
    if not enabled():
        return MISSING
    _ensure_listener()
    state = _copy
    if not _trusted(state):
        _count(kind, "untrusted")
        return MISSING
    with state.lock:
        entry = state.entries.get(key)
        if entry is not None:
            if entry[1] > time.time():
                state.entries.move_to_end(key)
            else:
                del state.entries[key]
                entry = None
    _count(kind, "hit" if entry else "miss")
    return entry[0] if entry else MISSING


_counters: dict[tuple[str, str], Any] = {}


def _count(kind: str, outcome: str) -> None:
    # The labelled child looked up once: ``labels()`` costs as much again as the increment.
    counter = _counters.get((kind, outcome))
    if counter is None:
        counter = _counters[kind, outcome] = metrics.LOCAL_COPY_LOOKUPS.labels(kind, outcome)
    batched_metrics.count(counter)


def put(key: str, value: Any, until: float, read_in: int | None) -> None:
    """Keep ``value`` for ``key`` until ``until`` (Unix time), if nothing was invalidated since
    ``read_in`` was handed out (``generation``) and the channel is trusted now.
    """
    state = _copy
    if read_in is None or until <= time.time():
        return
    with state.lock:
        if state.generation != read_in or not _trusted(state) or state.pid != _pid:
            return
        state.entries[key] = (value, until)
        state.entries.move_to_end(key)
        while len(state.entries) > token_settings.LOCAL_SESSION_COPY_SIZE:
            state.entries.popitem(last=False)


def drop(*keys: str) -> None:
    """Forget ``keys`` at once: a write this process made (or tried) is seen before it answers."""
    state = _copy
    with state.lock:
        state.generation += 1
        for key in keys:
            state.entries.pop(key, None)


@contextmanager
def dropping(*keys: str) -> Iterator[None]:
    """Around a write of ``keys``: they are dropped once it is done, whether it succeeded or not
    (a write that failed may have reached Redis), so no read that began before it keeps them.
    """
    try:
        yield
    finally:
        drop(*keys)


def users_changed(user_ids, using: str | None = None) -> None:
    """Tell every process that these users' rows changed: now, and again once the change is
    committed (a process that read the row between the two read it from before the change).
    """
    if not enabled():
        return
    user_ids = list(user_ids)
    _announce(user_ids)
    transaction.on_commit(lambda: _announce(user_ids), using=using)


def _announce(user_ids: list) -> None:
    """This process forgets the rows at once, the others when Redis's invalidation of their
    version keys reaches them. Redis away: nothing to tell (no process trusts its copy without the
    channel), the save goes on.
    """
    names = [redis_keys.user_version(user_id) for user_id in user_ids]
    if not names:
        return
    with dropping(*names):
        try:
            with unavailable():
                pipeline = redis_client().pipeline(transaction=False)
                for name in names:
                    pipeline.set(name, 1, px=1000)
                pipeline.execute()
        except StoreUnavailableError:
            pass


def clear() -> None:
    """Forget everything."""
    state = _copy
    with state.lock:
        state.generation += 1
        state.entries.clear()


def reset_for_tests() -> None:
    """Forget every entry, synchronously: a test's Redis and database start empty."""
    clear()


def settle(timeout: float = 1.0) -> bool:
    """Wait until the channel has seen every invalidation Redis sent before the call (a PING sent
    after it was answered); whether it did within ``timeout``. For callers that wrote Redis
    directly and want this process to have seen it, as other processes will within the lag.
    """
    if not enabled():
        return True
    _ensure_listener()
    asked = time.monotonic()
    deadline = asked + timeout
    while time.monotonic() < deadline:
        if _copy.confirmed > asked:
            return True
        time.sleep(0.002)
    return False


def _invalidate(state: _Copy, names) -> None:
    batched_metrics.count(metrics.LOCAL_COPY_INVALIDATIONS)
    with state.lock:
        state.generation += 1
        if names is None:  # a flush: every key is gone
            state.entries.clear()
            return
        for name in names:
            state.entries.pop(name.decode() if isinstance(name, bytes) else name, None)


def _confirm(state: _Copy, sent_at: float) -> None:
    with state.lock:
        if sent_at - state.confirmed > token_settings.LOCAL_SESSION_COPY_LAG:
            # A lapse: whatever happened meanwhile, nothing from before it is kept.
            state.generation += 1
            state.entries.clear()
        state.confirmed = sent_at


def _lose(state: _Copy) -> None:
    with state.lock:
        state.confirmed = float("-inf")
        state.generation += 1
        state.entries.clear()


def _tracked_prefixes() -> list[str]:
    return [redis_keys.user_prefix(), redis_keys.user_version_prefix(), redis_keys.epoch()]


def _listen(state: _Copy) -> None:
    """The channel: connect, track, subscribe, then read invalidations and PONGs; on any failure
    drop the copy and connect again (a new connection has a new id: tracking is set up anew).
    """
    pause = _RECONNECT_AFTER
    while state is _copy and state.pid == _pid:
        connection = None
        connected = False
        try:
            connection = redis_client().connection_pool.make_connection()
            connection.connect()
            connection.send_command("CLIENT", "ID")
            client_id = connection.read_response()
            prefixes = [item for prefix in _tracked_prefixes() for item in ("PREFIX", prefix)]
            connection.send_command(
                "CLIENT", "TRACKING", "on", "REDIRECT", client_id, "BCAST", *prefixes
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", CHANNEL)
            connection.read_response()
            connected = True
            pause = _RECONNECT_AFTER
            _lose(state)  # anything kept before this connection tracked it is suspect
            _serve(state, connection)
        except (RedisError, OSError):
            # Refused, closed, timed out: the copy is dropped below and the channel made again.
            # Anything else ends the thread with the copy dropped: never trusted again, and every
            # lookup asks Redis.
            pass
        finally:
            _lose(state)
            if connected:
                metrics.LOCAL_COPY_CHANNEL_DROPS.inc()
            if connection is not None:
                connection.disconnect()
        time.sleep(pause)
        # A Redis that keeps refusing (down, or one without CLIENT TRACKING: older than 6.0, or
        # an ACL that forbids it) is asked less and less often, up to once a second.
        pause = min(pause * 2, _RECONNECT_AT_MOST) if not connected else _RECONNECT_AFTER


def _serve(state: _Copy, connection) -> None:
    """Read invalidations as they come, and PING once a tick (a quarter of the lag).

    A message wakes the thread at once, so another process's revocation is applied here before
    the next request reaches this process (Redis writes a revocation's invalidation out in the
    same pass of its event loop as its answer). Reading once a tick instead saved each busy
    worker a thread switch per write anywhere, but let a worker answer from its copy for up to a
    tick after a revocation elsewhere (docs/benchmarks.md).
    """
    lag = token_settings.LOCAL_SESSION_COPY_LAG
    interval = lag / 4
    # Past this without a PONG the connection is given up and made again.
    dead_after = max(10 * lag, 0.5)
    sent_at: float | None = None
    next_ping = 0.0
    while state is _copy:
        now = time.monotonic()
        if sent_at is None and now >= next_ping:
            connection.send_command("PING")
            sent_at, next_ping = now, now + interval
        if sent_at is not None and now - sent_at > dead_after:
            raise TimeoutError("the channel's PING went unanswered")
        wait = next_ping - now if sent_at is None else interval
        if not connection.can_read(timeout=max(wait, 0.001)):
            continue
        reply = connection.read_response()
        kind = reply[0]
        if kind == b"message" and reply[1] == CHANNEL.encode():
            _invalidate(state, reply[2])
        elif kind == b"pong" and sent_at is not None:
            _confirm(state, sent_at)
            sent_at = None
