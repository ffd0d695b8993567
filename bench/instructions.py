"""Instructions per request, counted by valgrind: the project's reads and refresh, and the anchor's.

``python -m bench.instructions [--requests N]`` (after ``make install``; valgrind from Debian's
package). Each read is served in-process through the WSGI application, as gunicorn calls it, in a
child process run under ``valgrind --tool=callgrind``: after 50 warm-up requests the child zeroes
the counters (``callgrind_control -z``), serves N more and dumps them. The count is of every
instruction the process ran meanwhile, the local copy's channel thread included, and it does not
depend on what else the machine is doing: where wrk's throughput on a shared machine moves by
a factor of two from one round to the next, this moves by about 1 %. What it leaves out is what
both sides share, gunicorn's parsing and the socket; ``bench.run`` measures the whole.

A refresh is a chain, as a client makes it: each request presents the refresh token the one
before it returned (``refresh_token`` on the project, simplejwt's ``refresh`` on the anchor).

Production settings on both sides (``bench.production``), each on a SQLite file and (the project)
an embedded Redis of its own under bench/results/instructions/. The one change: the local copy's
channel proves itself every 2.5 s instead of every 12.5 ms (``LOCAL_SESSION_COPY_LAG`` 10 s), since
under valgrind, some fifty times slower, the production lag would have the copy distrusted and
every lookup sent to Redis; the PINGs it saves cost about 0.2 % of a worker's time at full load.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "results" / "instructions"
WARM_UP = 50

# (side, scenario, path)
READS = (
    ("project", "session", "/api/auth/session/"),
    ("anchor", "me-stateless", "/api/auth/me-stateless/"),
    ("project", "me", "/api/auth/me/"),
    ("anchor", "me", "/api/auth/me/"),
    ("project", "floor", "/bench/floor/"),
    ("anchor", "floor", "/bench/floor/"),
    ("project", "refresh", "/api/auth/refresh/"),
    ("anchor", "refresh", "/api/token/refresh/"),
)
# side -> the refresh token's field, in the request's body and in the answer's
REFRESH_FIELD = {"project": "refresh_token", "anchor": "refresh"}
RATIOS = (
    (
        "session/ against the anchor's stateless read",
        ("anchor", "me-stateless"),
        ("project", "session"),
    ),
    ("me/ against the anchor's me/", ("anchor", "me"), ("project", "me")),
    ("the floor (DRF alone) against the anchor's", ("anchor", "floor"), ("project", "floor")),
    ("refresh against the anchor's", ("anchor", "refresh"), ("project", "refresh")),
)


def child(side: str, path: str, requests: int) -> None:
    """Serve ``path`` under valgrind: set up, warm up, count ``requests`` requests."""
    from bench import production

    work = WORK / f"{side}-{path.strip('/').replace('/', '-')}"
    work.mkdir(parents=True, exist_ok=True)
    os.environ.update(production.environment())
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    if side == "project":
        from config import embedded_redis

        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        os.environ["REDIS_URL"] = f"unix://{embedded_redis.ensure_running(work / 'redis')}?db=0"
    else:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.anchor.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if side == "project":
        from django.test.utils import override_settings

        override_settings(TOKENS={**settings.TOKENS, "LOCAL_SESSION_COPY_LAG": 10.0}).enable()
        from bench import seed

        seed.users(5)
        with tempfile.NamedTemporaryFile("r", suffix=".tokens") as pool:
            seed.project_sessions(1, pool.name, 1)
            token, refresh = pool.read().split()[:2]
        from config.wsgi import application
    else:
        from django.contrib.auth import get_user_model
        from django.core.wsgi import get_wsgi_application
        from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

        user, _ = get_user_model().objects.get_or_create(username="bench-0")
        access = AccessToken.for_user(user)
        access["username"] = user.get_username()  # as bench.seed.anchor_sessions writes it
        token = str(access)
        refresh = str(RefreshToken.for_user(user))
        application = get_wsgi_application()
    field = REFRESH_FIELD[side]
    chain = {field: refresh}

    def call() -> str:
        body = json.dumps(chain).encode() if path.endswith("refresh/") else b""
        environ = {
            "REQUEST_METHOD": "POST" if body else "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_ACCEPT": "*/*",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        if body:
            environ.update(CONTENT_LENGTH=str(len(body)), CONTENT_TYPE="application/json")
        else:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        statuses = []
        result = application(
            environ, lambda status, headers, exc_info=None: statuses.append(status)
        )
        try:
            content = b"".join(result)
        finally:
            result.close()
        if body and statuses[0].startswith("200"):
            chain[field] = json.loads(content)[field]
        return statuses[0]

    for _ in range(WARM_UP):
        status = call()
    if not status.startswith("200"):
        sys.exit(f"{side} {path}: {status}")
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
    for _ in range(requests):
        status = call()
        if not status.startswith("200"):  # a broken refresh chain would count refusals
            sys.exit(f"{side} {path}: {status}")
    subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
    if side == "project":
        from config import embedded_redis

        embedded_redis.stop(work / "redis")


def count(side: str, scenario: str, path: str, requests: int) -> float:
    """Instructions per request of one read, from its child's dump."""
    out = WORK / f"{side}-{scenario}.callgrind"
    for old in WORK.glob(f"{out.name}*"):
        old.unlink()
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            side,
            path,
            "--requests",
            str(requests),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    # The dump after the counters were zeroed: the file's first numbered part.
    for line in (WORK / f"{out.name}.1").read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1]) / requests
    raise RuntimeError(f"no totals in {out}.1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.requests)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        counted = dict(
            zip(
                [(side, scenario) for side, scenario, _ in READS],
                pool.map(lambda read: count(*read, args.requests), READS),
                strict=True,
            )
        )
    print(f"Instructions per request ({args.requests} requests after {WARM_UP}):\n")
    print("| side | read | instructions |\n| --- | --- | ---: |")
    for (side, scenario), value in counted.items():
        print(f"| {side} | {scenario} | {value:,.0f} |")
    print("\n| ratio (anchor's instructions / project's: as throughput would be) | value |")
    print("| --- | ---: |")
    for label, anchor, project in RATIOS:
        print(f"| {label} | {counted[anchor] / counted[project]:.2f} |")
    (WORK / "report.json").write_text(
        json.dumps({f"{side} {scenario}": value for (side, scenario), value in counted.items()})
    )


if __name__ == "__main__":
    main()
