"""SQLite for several worker processes: a transaction waits for the write lock in a queue the
kernel keeps, not in SQLite's busy handler.

Every transaction here begins ``BEGIN IMMEDIATE`` (``config/settings.py``): it takes the
database's one write lock at once, so two racing refreshes queue instead of failing. SQLite's own
queue is a sleep: a writer that finds the lock taken sleeps 1, 2, 5, 10, 15 ms and more between
tries, whatever is left of the other's transaction, which for a refresh is a few hundred
microseconds. Under load most writers find the lock taken, and the workers sleep while the
machine idles. Here a transaction first takes an exclusive ``flock`` on a file beside the
database (``<NAME>-writers``), which the kernel hands to the next waiter the moment the holder lets
it go, then begins as before; commit, rollback and close let it go. SQLite's lock stays what
guards the data: a writer that does not queue (a statement outside a transaction, another
program) is waited for in the busy handler as before, and no one waits for the queue while
holding SQLite's lock, so the two cannot wait for each other.

A held queue has no timeout, unlike the busy handler's 20 s: its holder is a transaction of this
project, bounded by its own statement and Redis timeouts. In-memory databases have nothing to
queue on and keep SQLite's behaviour.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    # The queue file's descriptor, opened by this connection's own process (a descriptor
    # inherited through a fork shares its lock with the parent: it is replaced, not used).
    _queue: int | None = None
    _queue_pid: int | None = None
    _queued = False

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            fcntl.flock(self._queue_descriptor(), fcntl.LOCK_EX)
            self._queued = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            super()._close()
        finally:
            # Closed in a transaction, SQLite rolled it back: the lock is free, so is the queue.
            # The descriptor goes with the connection (a thread's connection ends with it).
            self._queued = False
            self._drop_descriptor()

    def _queue_descriptor(self) -> int:
        pid = os.getpid()
        if self._queue_pid != pid:
            self._drop_descriptor()
            self._queue = os.open(
                f"{self.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT, 0o600
            )
            self._queue_pid = pid
        return self._queue

    def _drop_descriptor(self) -> None:
        # Closing a copy inherited through a fork leaves the parent's lock alone: a lock goes
        # with the last descriptor of its open file.
        if self._queue is not None:
            os.close(self._queue)
            self._queue, self._queue_pid = None, None

    def _leave_queue(self) -> None:
        if self._queued and self._queue is not None:
            self._queued = False
            fcntl.flock(self._queue, fcntl.LOCK_UN)
