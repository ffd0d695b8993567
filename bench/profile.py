"""Where a request's time goes: the project's WSGI app called in-process, timed and profiled.

``python -m bench.profile`` (after ``make install``). Runs on its own SQLite file and its own
embedded Redis under bench/results/, with the production settings bench/run.py serves. For each
scenario it times requests without a profiler (microseconds per request, median of 5 batches),
then writes a pyinstrument tree to bench/results/profile-<scenario>.txt. pyinstrument is
installed from PyPI into bench/results/tools when missing.
"""

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import production
from config import embedded_redis

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
TOOLS = RESULTS / "tools"
BATCH = 300

(RESULTS / "static").mkdir(parents=True, exist_ok=True)
os.environ.update(
    {
        **production.environment(),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": os.environ.get(
            "PROFILE_DATABASE_URL", f"sqlite:///{RESULTS / 'profile.sqlite3'}"
        ),
        "REDIS_URL": f"unix://{embedded_redis.ensure_running(RESULTS / 'redis-profile')}?db=0",
    }
)
if not (TOOLS / "pyinstrument").exists():
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(TOOLS), "pyinstrument"],
        check=True,
    )
sys.path.append(str(TOOLS))

import django

django.setup()

from django.core.management import call_command
from pyinstrument import Profiler

from bench import seed
from config.wsgi import application


def call(
    method: str, path: str, body: dict | None = None, token: str | None = None
) -> tuple[int, bytes]:
    """One request through the WSGI application, as gunicorn makes it."""
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": "application/json",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    result = application(environ, lambda s, headers, exc_info=None: status.append(int(s[:3])))
    try:
        content = b"".join(result)
    finally:
        result.close()
    return status[0], content


def main() -> None:
    call_command("migrate", verbosity=0)
    seed.users(seed.USERS_FOR_PROFILE)
    pool_file = RESULTS / "profile.tokens"
    total = BATCH * 8
    seed.project_sessions(total, str(pool_file), 50)
    pairs = [line.split() for line in pool_file.read_text().splitlines()]
    access = pairs[0][0]
    chain = {"refresh": pairs[1][1]}
    logouts = iter(pairs[2:])

    def floor():
        return call("GET", "/bench/floor/")

    def me():
        return call("GET", "/api/auth/me/", token=access)

    def session():
        return call("GET", "/api/auth/session/", token=access)

    def rotate():
        status, content = call("POST", "/api/auth/refresh/", {"refresh_token": chain["refresh"]})
        chain["refresh"] = json.loads(content)["refresh_token"]
        return status, content

    def logout():
        return call("POST", "/api/auth/logout/", {"refresh_token": next(logouts)[1]})

    scenarios = {"floor": floor, "session": session, "me": me, "refresh": rotate, "logout": logout}
    if os.environ.get("PROFILE_SCENARIOS"):  # a comma-separated subset (bench.connections)
        scenarios = {name: scenarios[name] for name in os.environ["PROFILE_SCENARIOS"].split(",")}
    report = {}
    for name, scenario in scenarios.items():
        batches = 5 if name != "logout" else 2
        for _ in range(50):  # warm-up
            status, _ = scenario()
        timings, cpu = [], []
        for _ in range(batches):
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(BATCH if name != "logout" else BATCH // 2):
                status, _ = scenario()
                assert 200 <= status < 300, (name, status)
            count = BATCH if name != "logout" else BATCH // 2
            timings.append((time.perf_counter() - started) / count * 1e6)
            # The process's CPU time (every thread's): what a busy machine's other work does not
            # inflate, as it does the wall time.
            cpu.append((time.process_time() - started_cpu) / count * 1e6)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(BATCH // 2):
            scenario()
        profiler.stop()
        out = RESULTS / f"profile-{name}.txt"
        out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        report[name] = statistics.median(timings)
        print(
            f"{name:8} {report[name]:7.0f} us per request in-process, "
            f"{statistics.median(cpu):5.0f} us CPU  (profile: {out})",
            flush=True,
        )
    if "floor" in report and "me" in report:
        print(
            f"me/floor cost ratio {report['floor'] / report['me']:.2f} (throughput ceiling "
            "in-process)"
        )


if __name__ == "__main__":
    try:
        main()
    finally:
        embedded_redis.stop(RESULTS / "redis-profile")
