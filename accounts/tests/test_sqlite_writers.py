"""The SQLite writers' queue (config/sqlite3): held from a transaction's begin to its end, and a
writer in another process waits in it, then writes; the log is checkpointed with the queue let go.
"""

import fcntl
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock, skipUnless

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import TransactionTestCase

from config.sqlite3 import base as engine

PROJECT = Path(__file__).resolve().parents[2]

# Another process's writer: ready once Django is set up and connected, then on a line from its
# standard input it writes in a transaction of its own.
SECOND_WRITER = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
with transaction.atomic():
    get_user_model().objects.create(username="second-writer")
print("written", flush=True)
"""


def queue_path() -> str:
    return f"{connection.settings_dict['NAME']}-writers"


def free(path: str) -> bool:
    """Whether the queue can be taken now (and let go at once), from a descriptor of our own."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return True
    finally:
        os.close(descriptor)


def waiting_in_queue(pid: int, path: str) -> bool:
    """Whether ``pid`` waits for the queue's lock, as the kernel lists it (``/proc/locks``)."""
    inode = f":{os.stat(path).st_ino} "
    return any(
        "-> FLOCK" in line and f" {pid} " in line and inode in line
        for line in Path("/proc/locks").read_text().splitlines()
    )


def read_line(process: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else ""


@skipUnless(
    connection.settings_dict["ENGINE"] == "config.sqlite3", "the project's SQLite backend only"
)
class WritersQueueTests(TransactionTestCase):
    def test_a_transaction_holds_the_queue_from_its_begin_to_its_commit(self):
        path = queue_path()
        with transaction.atomic():
            get_user_model().objects.create(username="first-writer")
            self.assertFalse(free(path))
        self.assertTrue(free(path))
        self.assertTrue(get_user_model().objects.filter(username="first-writer").exists())

    def test_a_rollback_lets_the_queue_go(self):
        path = queue_path()
        with self.assertRaises(RuntimeError), transaction.atomic():
            get_user_model().objects.create(username="rolled-back")
            raise RuntimeError("abandoned")
        self.assertTrue(free(path))
        self.assertFalse(get_user_model().objects.filter(username="rolled-back").exists())

    def test_a_connection_closed_in_a_transaction_lets_the_queue_go(self):
        path = queue_path()
        with transaction.atomic():
            get_user_model().objects.create(username="closed-in-transaction")
            connection.close()
            self.assertTrue(free(path))
        self.assertFalse(get_user_model().objects.filter(username="closed-in-transaction").exists())

    @skipUnless(Path("/proc/locks").exists(), "the kernel's list of locks")
    def test_a_writer_in_another_process_waits_in_the_queue_then_writes(self):
        path = queue_path()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
        }
        process = subprocess.Popen(
            [sys.executable, "-c", SECOND_WRITER],
            cwd=PROJECT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.kill)
        self.assertEqual(read_line(process, 60), "ready")
        with transaction.atomic():
            get_user_model().objects.create(username="first-writer")
            process.stdin.write("go\n")
            process.stdin.flush()
            deadline = time.monotonic() + 30
            while not waiting_in_queue(process.pid, path) and time.monotonic() < deadline:
                time.sleep(0.02)
            # In the kernel's queue, not sleeping in SQLite's busy handler, and not past it.
            self.assertTrue(waiting_in_queue(process.pid, path))
            self.assertIsNone(process.poll())
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(out.strip(), "written")
        self.assertEqual(
            set(
                get_user_model()
                .objects.filter(username__in=["first-writer", "second-writer"])
                .values_list("username", flat=True)
            ),
            {"first-writer", "second-writer"},
        )

    def test_the_log_is_checkpointed_every_so_many_commits_with_the_queue_let_go(self):
        path = queue_path()
        connection.ensure_connection()
        # What happened after each commit: its hooks ran, and a checkpoint (with whether the queue
        # was free while it ran).
        happened = []

        def traced(statement):
            if "wal_checkpoint" in statement:
                happened.append(("checkpoint", free(path)))

        connection.connection.set_trace_callback(traced)
        self.addCleanup(connection.connection.set_trace_callback, None)
        connection._commits = 0  # the earlier tests' commits on this connection
        with mock.patch.object(engine, "CHECKPOINT_EVERY", 3):
            for number in range(5):
                with transaction.atomic():
                    get_user_model().objects.create(username=f"writer-{number}")
                    transaction.on_commit(lambda number=number: happened.append(("hook", number)))
            self.assertEqual(
                happened,
                [
                    ("hook", 0),
                    ("hook", 1),
                    ("hook", 2),
                    ("checkpoint", True),
                    ("hook", 3),
                    ("hook", 4),
                ],
            )
            with transaction.atomic():
                get_user_model().objects.create(username="writer-5")
        self.assertEqual(happened[-1], ("checkpoint", True))
        # Nothing is left in the log that the checkpoint did not copy.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, in_log, copied = cursor.fetchone()
        self.assertEqual((busy, copied), (0, in_log))

    def test_a_checkpoint_that_fails_is_logged_and_the_commit_stands(self):
        connection.ensure_connection()
        raw = connection.connection
        with (
            mock.patch.object(engine, "CHECKPOINT_EVERY", 1),
            self.assertLogs("config.sqlite3.base", "WARNING") as logs,
        ):
            connection._commits = 0
            with transaction.atomic():
                get_user_model().objects.create(username="kept")
                # A hook that leaves the checkpoint a closed SQLite connection.
                transaction.on_commit(raw.close)
        self.assertIn("a checkpoint of the SQLite log failed", logs.output[0])
        connection.close()
        self.assertTrue(get_user_model().objects.filter(username="kept").exists())
        self.assertTrue(free(queue_path()))

    def test_sqlite_checkpoints_inside_a_commit_only_past_its_net(self):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            self.assertEqual(cursor.fetchone()[0], engine.AUTOCHECKPOINT_PAGES)
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")
