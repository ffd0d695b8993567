"""A process-local copy of what the hot path reads from Redis, kept exact by Redis itself.

Entries are keyed by the Redis key they copy (a session's hash, the epoch key, a user's version
key) and hold what the hot path made of it. Redis's server-assisted client-side caching keeps them
exact: every write to such a key, by any process, reaches every process's invalidation channel
(``tokens.store.invalidation_channel``) as the key's name, and a lookup reads what the channel
holds before it answers from the copy.

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

from tokens.conf import token_settings
from tokens.exceptions import StoreUnavailableError
from tokens.operations import batched_metrics, metrics
from tokens.store import invalidation_channel, redis_keys
from tokens.store.breaker import breaker
from tokens.store.connection import redis_client, unavailable

# What ``get`` answers when the copy has nothing it may use.
MISSING: Any = object()

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
        # The invalidation channel's: its connection and socket while it is up, and when its
        # unanswered PING was sent (``time.monotonic()``), under ``channel_lock``.
        self.channel: tuple[Any, int] | None = None
        self.channel_lock = threading.Lock()
        self.pinged: float | None = None
        self.pid = 0
        self.thread: threading.Thread | None = None
        # Set once another copy replaced this one (new settings): its channel's thread ends.
        self.retired = False
        # Whether the copy is on (``enabled``), worked out once per copy: a change of settings
        # makes a new copy (``_restart``).
        self.on: bool | None = None

    def invalidate(self, names) -> None:
        """Forget the entries of ``names`` (key names Redis sent), or all (None: a flush)."""
        batched_metrics.count(metrics.LOCAL_COPY_INVALIDATIONS)
        with self.lock:
            self.generation += 1
            if names is None:
                self.entries.clear()
                return
            for name in names:
                self.entries.pop(name.decode() if isinstance(name, bytes) else name, None)

    def confirm(self, sent_at: float) -> None:
        """A PING sent at ``sent_at`` was answered: what Redis wrote before it has been applied."""
        with self.lock:
            if sent_at - self.confirmed > token_settings.LOCAL_SESSION_COPY_LAG:
                # A lapse: whatever happened meanwhile, nothing from before it is kept.
                self.generation += 1
                self.entries.clear()
            self.confirmed = sent_at

    def lose(self) -> None:
        """The channel is down, or only just up: nothing kept is trusted, nothing is kept."""
        with self.lock:
            self.confirmed = float("-inf")
            self.generation += 1
            self.entries.clear()


_copy = _Copy()


def enabled() -> bool:
    state = _copy
    if state.on is None:
        state.on = (
            bool(token_settings.LOCAL_SESSION_COPY)
            and not isinstance(redis_client(), RedisCluster)
            and invalidation_channel.AVAILABLE
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
            target=invalidation_channel.listen,
            args=(fresh,),
            name="local-copy-channel",
            daemon=True,
        )
        _copy = fresh
    fresh.thread.start()


def _restart(*, setting, **kwargs) -> None:
    # Another Redis, or other settings: a new channel and an empty copy (the old thread ends).
    global _copy
    if setting in ("CACHES", "TOKENS"):
        _copy.retired = True
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
    if not _trusted(state) or not invalidation_channel.caught_up(state):
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
