"""``make run``: static files, migrations, the demo users, then Django's runserver at
http://localhost:PORT; on Ctrl-C everything it started stops, the embedded Redis included.

The embedded Redis daemonizes (every process of the project shares it), so the terminal's Ctrl-C
never reaches it; this wrapper starts it when nothing answers yet, and shuts down the one it started
when runserver ends (a Redis that was already running, e.g. for a test run, is left alone); it looks
before any ``manage.py`` command, since each of them would start one. The
address is ``localhost``, not ``127.0.0.1``: a passkey needs a domain name, and ``SITE_URL`` (the
links in mail, the site's origin) follows the port unless it is set.

    python -m config.devserver [PORT]
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from config import embedded_redis

BASE_DIR = Path(__file__).resolve().parent.parent
# What runs before the server, in order.
SETUP = (
    ("collectstatic", "--noinput", "--verbosity", "0"),
    ("migrate", "--noinput", "--verbosity", "0"),
    ("create_demo_users",),
)


def var_dir(environ) -> Path:
    """Where the embedded Redis keeps its socket and data (the setting ``VAR_DIR``'s default)."""
    return Path(environ.get("VAR_DIR", "") or BASE_DIR / "var")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 8000
    env = dict(os.environ)
    env.setdefault("SITE_URL", f"http://localhost:{port}")
    redis_dir = None
    if not env.get("REDIS_URL"):
        folder = var_dir(env)
        if not embedded_redis.ping(embedded_redis.socket_path(folder)):
            embedded_redis.ensure_running(folder)
            redis_dir = folder
    # SIGTERM (a supervisor, `kill`) ends the server as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = None
    try:
        for command in SETUP:
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True
            )
        print(f"Open http://localhost:{port}/ (the account page); the API: /api/docs/", flush=True)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"localhost:{port}"], cwd=BASE_DIR, env=env
        )
        return server.wait()
    except KeyboardInterrupt:
        return 130
    except subprocess.CalledProcessError as error:
        return error.returncode
    finally:
        if server is not None and server.poll() is None:
            # Ctrl-C in a terminal reached it already; a signal to this process alone did not.
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if redis_dir is not None:
            embedded_redis.stop(redis_dir)


if __name__ == "__main__":
    sys.exit(main())
