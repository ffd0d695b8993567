"""The channel that keeps a process's local copy exact: Redis's invalidations, read as they come.

One connection per process turns on ``CLIENT TRACKING ... REDIRECT <its own id> BCAST`` for the
prefixes of the keys the copy holds and subscribes to ``__redis__:invalidate``, so every write to
such a key, by any process, reaches every process as the key's name; a flush as a null. BCAST, not
the default mode: it tracks the writes under the prefixes whoever read the keys, so the pooled
connections (and Lua scripts) that read them need nothing turned on; tracking and the
subscription share the one connection, so they are lost and restored together.

Who reads it: a lookup about to answer from the copy reads whatever the socket holds first
(``caught_up``: one ``poll`` with no wait; the reading itself only when something arrived, or
when another thread is reading), so an invalidation Redis wrote before the lookup is applied
before it, however late this thread is scheduled. The thread wakes once a tick (a quarter of
``LOCAL_SESSION_COPY_LAG``): it PINGs, and reads what no lookup read until the PONG is in. A
PONG comes after every invalidation Redis sent before it, so the copy may trust what it holds
for the lag after the PING's sending (``confirm``). Waking for every message instead cost every
busy worker a thread switch per write anywhere (each rotation is a write).

The copy (``tokens.store.local_copy``) hands in its state: ``channel``, ``channel_lock`` and
``pinged`` are this module's, read and written under ``channel_lock`` (taken before the copy's
own lock, never after); ``invalidate``, ``confirm`` and ``lose`` are the copy's.
"""

import select
import threading
import time
from typing import Any

from redis.exceptions import RedisError

from tokens.conf import token_settings
from tokens.operations import metrics
from tokens.store import redis_keys
from tokens.store.connection import redis_client

# Lookups and the thread poll the channel's socket: where Python has no ``select.poll``
# (Windows), there is no channel, and no local copy.
AVAILABLE = hasattr(select, "poll")

CHANNEL = "__redis__:invalidate"
_CHANNEL_NAME = CHANNEL.encode()

# Replies a lookup reads before it gives up on the copy for that lookup: a flood of
# invalidations is this thread's to read, not one request's.
_READ_AT_MOST = 256

# Seconds a read may wait for the rest of a reply before the channel is given up: lookups read
# it too, holding its lock.
_READ_TIMEOUT = 0.5

# Seconds between attempts to connect the channel again after it failed.
_RECONNECT_AFTER = 0.05
_RECONNECT_AT_MOST = 1.0


def caught_up(state) -> bool:
    """Read what the channel's socket holds, if anything; whether nothing is left unread (False
    too while there is no channel). Mostly one ``poll`` finding nothing: no lock, no read.
    """
    channel = state.channel
    if channel is None:
        return False
    # Whatever left the socket did so under the lock, and is applied before the lock is let
    # go: so the lock is asked after the socket. An empty socket while another thread holds the
    # lock may mean that thread has read an invalidation it has not applied yet, and the lookup
    # waits for it.
    if not _waiting(channel) and not state.channel_lock.locked():
        # redis-py forgets the socket before it closes it (a read failed in another thread):
        # polled after that, the descriptor may already be another socket's, and its silence
        # says nothing of the channel.
        return channel[0]._sock is not None
    with state.channel_lock:
        if state.channel is not channel:
            return False
        try:
            return _read_waiting(state, channel[0], _READ_AT_MOST)
        except (RedisError, OSError):
            # The thread finds the channel gone and connects again; until then nothing is trusted.
            state.channel = None
            state.lose()
            return False


class _Pollers(threading.local):
    """Each thread's own poll object for the channel's socket (one may not be polled by two
    threads at once; ``select`` fails on descriptors past 1023).
    """

    channel: tuple[Any, int] | None = None
    poller: Any = None


_pollers = _Pollers()


def _waiting(channel: tuple[Any, int]) -> bool:
    """Whether the channel's socket has something to read, without reading it."""
    mine = _pollers
    if mine.channel is not channel:
        mine.poller = select.poll()
        mine.poller.register(channel[1], select.POLLIN)
        mine.channel = channel
    return bool(mine.poller.poll(0))


def _read_waiting(state, connection, at_most: int | None = None) -> bool:
    """Apply every reply waiting (holding ``channel_lock``); whether it read them all, not
    stopped by ``at_most``.
    """
    read = 0
    while connection.can_read(timeout=0):
        if read == at_most:
            return False
        apply(state, connection.read_response())
        read += 1
    return True


def apply(state, reply) -> None:
    """One reply the channel's socket gave, applied to the copy (holding ``channel_lock``): an
    invalidation drops its keys, a PONG confirms the copy.
    """
    kind = reply[0]
    if kind == b"message" and reply[1] == _CHANNEL_NAME:
        state.invalidate(reply[2])
    elif kind == b"pong" and state.pinged is not None:
        state.confirm(state.pinged)
        state.pinged = None


def _tracked_prefixes() -> list[str]:
    return [redis_keys.user_prefix(), redis_keys.user_version_prefix(), redis_keys.epoch()]


def listen(state) -> None:
    """The thread: connect, track, subscribe, then serve; on any failure drop the copy and connect
    again (a new connection has a new id: tracking is set up anew). Ends once the copy is retired.
    """
    pause = _RECONNECT_AFTER
    while not state.retired:
        connection = None
        connected = False
        try:
            connection = redis_client().connection_pool.make_connection()
            connection.socket_timeout = min(
                connection.socket_timeout or _READ_TIMEOUT, _READ_TIMEOUT
            )
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
            state.lose()  # anything kept before this connection tracked it is suspect
            _serve(state, connection)
        except (RedisError, OSError):
            # Refused, closed, timed out: the copy is dropped below and the channel made again.
            # Anything else ends the thread with the copy dropped: never trusted again, and every
            # lookup asks Redis.
            pass
        finally:
            with state.channel_lock:
                state.channel = None
                state.pinged = None
                state.lose()
            if connected:
                metrics.LOCAL_COPY_CHANNEL_DROPS.inc()
            if connection is not None:
                connection.disconnect()
        time.sleep(pause)
        # A Redis that keeps refusing (down, or one without CLIENT TRACKING: older than 6.0, or
        # an ACL that forbids it) is asked less and less often, up to once a second.
        pause = min(pause * 2, _RECONNECT_AT_MOST) if not connected else _RECONNECT_AFTER


def _serve(state, connection) -> None:
    """Once a tick: PING, then read what is waiting until the PONG is in."""
    lag = token_settings.LOCAL_SESSION_COPY_LAG
    interval = lag / 4
    # Past this without a PONG the connection is given up and made again.
    dead_after = max(10 * lag, 0.5)
    # The socket redis-py connected: polled by anyone, read only under ``channel_lock``.
    channel = (connection, connection._sock.fileno())
    poller = select.poll()
    poller.register(channel[1], select.POLLIN)
    with state.channel_lock:
        state.channel = channel
    next_ping = time.monotonic()
    while not state.retired:
        with state.channel_lock:
            if state.channel is not channel:
                raise ConnectionError("a lookup found the channel broken")
            now = time.monotonic()
            if state.pinged is None and now >= next_ping:
                connection.send_command("PING")
                state.pinged, next_ping = now, now + interval
            if state.pinged is not None and now - state.pinged > dead_after:
                raise TimeoutError("the channel's PING went unanswered")
            _read_waiting(state, connection)
            waiting_for_pong = state.pinged is not None
        if waiting_for_pong:
            # Woken by the first reply (the PONG comes after what Redis sent before it), or a
            # tick on to look again for a dead channel.
            poller.poll(interval * 1000)
        else:
            time.sleep(max(next_ping - time.monotonic(), 0))
