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

The log is copied into the database (a checkpoint) by the committing connection, after it has let
the queue go and run the commit's hooks: SQLite's own checkpoint runs inside the commit that
fills the log past 1,000 pages, tens of milliseconds of copying and syncing during which the
queue would stay held and every other writer wait, where SQLite itself lets them write. Its own
stays on, at ten times the size, as a net for writes that no commit here counts.

A held queue has no timeout, unlike the busy handler's 20 s: its holder is a transaction of this
project, bounded by its own statement and Redis timeouts. In-memory databases have nothing to
queue on and keep SQLite's behaviour.
"""

import fcntl
import logging
import os

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

# Transactions a connection commits between two checkpoints it makes, the queue let go. A refresh
# writes a few pages: about SQLite's own 1,000 pages of log a checkpoint.
CHECKPOINT_EVERY = 250
# SQLite's own checkpoint, inside a commit (the queue held), at ten times its default size: it
# runs only when the checkpoints above fall behind (statements outside a transaction, which
# nothing here counts).
AUTOCHECKPOINT_PAGES = 10_000


class DatabaseWrapper(base.DatabaseWrapper):
    # The queue file's descriptor, opened by this connection's own process (a descriptor
    # inherited through a fork shares its lock with the parent: it is replaced, not used).
    _queue: int | None = None
    _queue_pid: int | None = None
    _queued = False
    _commits = 0

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        return connection

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
        queued = self._queued
        try:
            super()._commit()
        finally:
            self._leave_queue()
        if queued:
            self._commits += 1

    def run_and_clear_commit_hooks(self):
        # After the commit's hooks, not before them: they tell other processes of the change (the
        # local copy's announcements), and a checkpoint takes tens of milliseconds.
        try:
            super().run_and_clear_commit_hooks()
        finally:
            if self._commits >= CHECKPOINT_EVERY:
                self._commits = 0
                self._checkpoint()

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

    def _checkpoint(self) -> None:
        """Copy the log into the database, the queue let go (the next writer may already be in).
        PASSIVE: it takes no lock a writer or a reader waits for, and gives way to another
        connection's checkpoint.
        """
        if self.connection is None:  # closed by a commit hook
            return
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except self.Database.Error:
            # What was committed stays committed; the next checkpoint, or SQLite's, copies it.
            logger.warning("a checkpoint of the SQLite log failed", exc_info=True)

    def _leave_queue(self) -> None:
        if self._queued and self._queue is not None:
            self._queued = False
            fcntl.flock(self._queue, fcntl.LOCK_UN)
