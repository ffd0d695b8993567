"""``make run``'s server (``python -m config.devserver``, what the Makefile calls): it serves on
http://localhost:PORT with SITE_URL following the port, and Ctrl-C stops everything it started,
the embedded Redis included."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase

from tokens.tests.lifecycle_support import register_body
from tokens.tests.servers import PROJECT, free_port, wait_for_port
from tokens.tests.support import uses_accounts


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


def members(group: int) -> list[str]:
    """The running processes of a process group, with their command lines."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if fields[2] == str(group) and fields[0] != "Z":
            found.append(f"{stat.parent.name}: {command}")
    return found


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
@skipUnless(
    "REDIS_URL" not in os.environ and "DATABASE_URL" not in os.environ,
    "make run's own defaults (SQLite, the embedded Redis) are what it tests; the run of the suite "
    "on the defaults covers it",
)
class DevServerTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="devserver-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.port = free_port()
        self.output = self.folder / "output.txt"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTEST_VERSION", "REDIS_URL", "SITE_URL", "DATABASE_URL"}
            and not key.startswith("PROMETHEUS")
        }
        env.update(
            DEBUG="1",
            VAR_DIR=str(self.folder / "var"),
            DATABASE_URL=f"sqlite:///{self.folder / 'db.sqlite3'}",
            BREACHED_PASSWORDS_URL="",
            PYTHONUNBUFFERED="1",
        )
        with open(self.output, "wb") as output:
            # A session of its own: the test's Ctrl-C goes to its process group, as a terminal's.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.devserver", str(self.port)],
                cwd=PROJECT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        pidfile = self.folder / "var" / "redis.pid"
        if pidfile.exists() and alive(pid := int(pidfile.read_text())):
            os.kill(pid, signal.SIGKILL)

    def test_ctrl_c_stops_the_server_and_the_embedded_redis_it_started(self):
        wait_for_port(self.port, timeout=180)
        redis_pid = int((self.folder / "var" / "redis.pid").read_text())
        self.assertTrue(alive(redis_pid))

        # The links in mail follow the port (the console backend prints the mail).
        request = urllib.request.Request(
            f"http://localhost:{self.port}/api/auth/register/",
            data=json.dumps(register_body("dev@example.com", "c0rrect-h0rse-battery")).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            self.assertEqual(response.status, 202)
        deadline = time.monotonic() + 20
        link = f"http://localhost:{self.port}/?verify="
        while link not in self.output.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertIn(link, self.output.read_text())

        os.killpg(self.process.pid, signal.SIGINT)
        self.assertIsNotNone(self.process.wait(timeout=90))
        deadline = time.monotonic() + 10
        while alive(redis_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(alive(redis_pid), "the embedded Redis outlived Ctrl-C")
        # Nothing of the group is left running (an exited child not yet reaped is gone).
        deadline = time.monotonic() + 10
        while (left := members(self.process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(left, [])
