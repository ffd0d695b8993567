import os
import subprocess
import sys
import tempfile
from pathlib import Path

import redis
from django.test import SimpleTestCase

from config import embedded_redis

PROJECT = Path(__file__).resolve().parents[2]
START = (
    "import sys; from config import embedded_redis; "
    "print(embedded_redis.ensure_running(sys.argv[1]))"
)


class EmbeddedRedisTests(SimpleTestCase):
    """A private embedded server in a temporary folder (the project's own is left alone)."""

    def setUp(self):
        self.var_dir = Path(tempfile.mkdtemp(prefix="embedded-redis-"))
        self.addCleanup(embedded_redis.stop, self.var_dir)

    def start_in_another_process(self):
        result = subprocess.run(
            [sys.executable, "-c", START, str(self.var_dir)],
            check=False,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def redis_client(self, path):
        return redis.Redis(unix_socket_path=str(path), socket_timeout=5)

    def server_pid(self, path):
        return self.redis_client(path).info("server")["process_id"]

    def test_starts_once_and_is_shared_by_other_processes(self):
        path = embedded_redis.ensure_running(self.var_dir)
        pid = self.server_pid(path)
        self.assertEqual(self.start_in_another_process(), str(path))
        self.assertEqual(self.server_pid(path), pid)
        self.assertEqual(Path(self.var_dir, "redis.pid").read_text().strip(), str(pid))

    def test_processes_starting_together_launch_one_server(self):
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", START, str(self.var_dir)],
                cwd=PROJECT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        paths = {worker.communicate(timeout=60)[0].strip() for worker in workers}
        self.assertEqual(len(paths), 1)
        path = paths.pop()
        log = Path(self.var_dir, "redis.log").read_text()
        self.assertEqual(log.count("ready to accept connections"), 1, log)
        self.assertTrue(self.redis_client(path).ping())

    def test_keeps_its_data_across_a_restart(self):
        path = embedded_redis.ensure_running(self.var_dir)
        first_pid = self.server_pid(path)
        self.redis_client(path).set("survivor", "yes")
        self.assertTrue(embedded_redis.stop(self.var_dir))
        self.assertFalse(embedded_redis.ping(path))
        path = embedded_redis.ensure_running(self.var_dir)
        self.assertNotEqual(self.server_pid(path), first_pid)
        self.assertEqual(self.redis_client(path).get("survivor"), b"yes")
        self.assertTrue(any(Path(self.var_dir).glob("appendonly*")))

    def test_long_folder_paths_get_a_short_socket_path(self):
        deep = Path("/tmp") / ("d" * 120)
        self.assertLessEqual(len(str(embedded_redis.socket_path(deep))), 100)
