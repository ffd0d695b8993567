"""The SQLite writers' queue (config/sqlite3): held from a transaction's begin to its end, and a
writer in another process waits in it, then writes.
"""

import fcntl
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import TransactionTestCase

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
