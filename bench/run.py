"""Benchmark the project against a stock simplejwt project, both served by gunicorn on loopback.

``python -m bench.run`` (``make bench``), ``--quick`` (``make bench BENCH_QUICK=1``) or
``--soak`` (``make soak``). See bench/README.md for what is measured and how to read it.
Every loop here is bounded in count or time; everything listens on 127.0.0.1 or a unix socket.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

from config import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LUA = BENCH / "lua" / "bench.lua"
PYTHON = sys.executable
POSTGRES = "postgresql://postgres@127.0.0.1:5432/{}"
CONNECTIONS = 4  # wrk threads = connections: one refresh chain per connection
USERS = 50
LOGOUT_POOL_PER_SECOND = 800  # logout tokens seeded per second of run; more than one server can use

THROTTLES = {name: "100000000/min" for name in ("THROTTLE_LOGIN_IP", "THROTTLE_LOGIN_USERNAME", "THROTTLE_REFRESH_IP")}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    """wrk from Debian's package; installed here when missing and we may."""
    if shutil.which("wrk") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            sys.exit("wrk is missing: install it (Debian: apt-get install -y wrk) and run again")
        log("installing wrk (apt-get)")
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return subprocess.run(["wrk", "--version"], check=False, capture_output=True, text=True).stdout.splitlines()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_postgres(name: str) -> None:
    with psycopg.connect(POSTGRES.format("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Target:
    """One served Django project: its settings, database, environment and gunicorn."""

    def __init__(self, name: str, kind: str, database: str, redis_db: int, common_env: dict, redis_socket: Path):
        self.name, self.kind, self.database = name, kind, database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if database == "sqlite":
            path = RESULTS / f"{name}.sqlite3"
            path.unlink(missing_ok=True)
            database_url = f"sqlite:///{path}"
        else:
            db_name = f"bench_{kind}"
            recreate_postgres(db_name)
            database_url = POSTGRES.format(db_name)
        self.env = {**common_env, "DATABASE_URL": database_url,
                    "REDIS_URL": f"unix://{redis_socket}?db={redis_db}",
                    # Each server empties its metrics directory when it starts (gunicorn.conf.py): one each.
                    "PROMETHEUS_MULTIPROC_DIR": str(RESULTS / f"{name}.prometheus"),
                    "DJANGO_SETTINGS_MODULE": "bench.settings" if kind == "project" else "bench.anchor.settings"}
        self.process = None

    def django(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run([PYTHON, *args], check=False, cwd=ROOT, env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            sys.exit(f"{self.name}: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def seed(self, *args: str, env: dict | None = None) -> dict:
        return json.loads(self.django("-m", "bench.seed", *args, env=env).strip().splitlines()[-1])

    def prepare(self) -> None:
        self.django("-m", "django", "migrate", "--noinput", "--verbosity", "0")
        self.seed("users", str(USERS))

    def start(self) -> None:
        wsgi = "config.wsgi:application" if self.kind == "project" else "bench.anchor.wsgi:application"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--error-logfile", str(RESULTS / f"{self.name}.gunicorn.log"), "--log-level", "warning", wsgi],
            cwd=ROOT, env=self.env, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(f"{self.url}/bench/floor/", timeout=2) as response:
                if response.status == 200:
                    return
            if self.process.poll() is not None:
                sys.exit(f"{self.name}: gunicorn exited; see {RESULTS / (self.name + '.gunicorn.log')}")
            time.sleep(0.2)
        sys.exit(f"{self.name}: gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def wrk(target: Target, mode: str, path: str, seconds: float, connections: int = CONNECTIONS, **env) -> dict:
    """Run wrk with bench.lua; return its numbers plus requests/s and the non-2xx count."""
    run_env = {**os.environ, "BENCH_MODE": mode, "BENCH_PATH": path, "BENCH_THREADS": str(connections),
               "BENCH_USERS": str(USERS), **{k: str(v) for k, v in env.items()}}
    command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(LUA), target.url]
    output = subprocess.run(command, check=False, env=run_env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in output.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{output.stdout}\n{output.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = result["duration_us"] / 1e6
    codes = {int(k): v for k, v in result["codes"].items()}
    result.update(
        load1=os.getloadavg()[0],
        rps=result["requests"] / seconds_run if seconds_run else 0.0,
        p50_ms=result["p50_us"] / 1000, p99_ms=result["p99_us"] / 1000,
        non2xx=sum(v for k, v in codes.items() if not 200 <= k < 300),
        fivexx=sum(v for k, v in codes.items() if k >= 500),
        socket_errors=sum(result["errors"].get(k, 0) for k in ("connect", "read", "write", "timeout")),
    )
    return result


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# Scenarios: name -> (kind, mode, path, extra wrk environment) ---------------------------------------------------
SCENARIOS = {
    "project": {
        "floor": ("get", "/bench/floor/", {}),
        "me": ("get", "/api/auth/me/", {"BENCH_BEARER": "1"}),
        "refresh": ("chain", "/api/auth/refresh/", {}),
        "login": ("login", "/api/auth/login/", {}),
        "logout": ("logout", "/api/auth/logout/", {}),
    },
    "anchor": {
        "floor": ("get", "/bench/floor/", {}),
        "refresh": ("chain", "/api/token/refresh/", {"BENCH_REFRESH_FIELD": "refresh", "BENCH_RESPONSE_FIELD": "refresh"}),
        "login": ("login", "/api/token/", {}),
    },
}


def seed_tokens(target: Target, rounds: int, seconds: float) -> dict:
    """Per round and scenario, the token file each wrk run reads (sessions made before the clock starts)."""
    plan = {"me": CONNECTIONS, "refresh": CONNECTIONS}
    if target.kind == "project":
        plan["logout"] = int(seconds * LOGOUT_POOL_PER_SECOND)
    total = sum(plan.values()) * rounds
    source = RESULTS / f"{target.name}.tokens"
    target.seed(f"{target.kind}-sessions", str(total), str(source))
    lines = source.read_text().split()
    pairs = [f"{a} {r}" for a, r in zip(lines[::2], lines[1::2], strict=True)]
    files, start = {}, 0
    for round_index in range(rounds):
        for scenario, count in plan.items():
            files[(round_index, scenario)] = write_lines(
                RESULTS / f"{target.name}.{scenario}.{round_index}.tokens", pairs[start:start + count])
            start += count
    return files


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def throughput_rounds(targets: list[Target], rounds: int, seconds: float) -> dict:
    token_files = {target.name: seed_tokens(target, rounds, seconds) for target in targets}
    for target in targets:  # warm-up, not measured: imports, connections, caches
        wrk(target, "get", "/bench/floor/", 2)
    results = []
    for round_index in range(rounds):
        runs = {}
        # Scenario by scenario, each across the targets: the runs a ratio compares are neighbours in time.
        order = [(target, scenario) for scenario in ("floor", "me", "refresh", "login", "logout")
                 for target in targets if scenario in SCENARIOS[target.kind]]
        for target, scenario in order:
            mode, path, env = SCENARIOS[target.kind][scenario]
            files = token_files[target.name]
            tokens_file = files.get((round_index, scenario)) or files[(round_index, "me")]
            result = wrk(target, mode, path, seconds, BENCH_TOKENS=tokens_file, **env)
            runs[f"{target.name}/{scenario}"] = result
            log(f"round {round_index + 1} {target.name:15} {scenario:8} {result['rps']:8.1f} req/s "
                f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms non-2xx {result['non2xx']}"
                f"{' broken ' + str(result['broken']) if result['broken'] else ''}"
                f"{' POOL EXHAUSTED' if result['exhausted_threads'] else ''}")
        ratios = {}
        for database in ("sqlite", "postgres"):
            project = runs.get(f"project-{database}/me")
            if project:
                ratios[f"me/floor {database}"] = project["rps"] / runs[f"project-{database}/floor"]["rps"]
            anchor = runs.get(f"anchor-{database}/refresh")
            if project and anchor:
                ratios[f"refresh project/anchor {database}"] = (
                    runs[f"project-{database}/refresh"]["rps"] / anchor["rps"])
                ratios[f"login project/anchor {database}"] = (
                    runs[f"project-{database}/login"]["rps"] / runs[f"anchor-{database}/login"]["rps"])
        results.append({"runs": runs, "ratios": ratios})
    return {"rounds": results}


def memory_study(project: Target, sessions: int) -> dict:
    """Bytes per live session and key count back to baseline, on a Redis database of its own."""
    redis_url = project.env["REDIS_URL"].rsplit("?db=", 1)[0] + "?db=2"
    return project.seed("memory", str(sessions), env={"REDIS_URL": redis_url})


def scale_study(project: Target, levels: list[int], rounds: int, seconds: float) -> dict:
    """me/ latency and throughput (and the floor beside it) as live sessions grow.

    Starts from an empty Redis database (the throughput rounds leave thousands of sessions in
    it), then opens one session per connection for me/ to use, then adds filler sessions.
    """
    connection = redis.Redis.from_url(project.env["REDIS_URL"])
    connection.flushdb()
    tokens_file = str(RESULTS / "scale.tokens")
    project.seed("project-sessions", str(CONNECTIONS), tokens_file)
    out = []
    try:
        for level in levels:
            filled = project.seed("fill", str(level))
            live = connection.dbsize()
            level_runs = []
            for _ in range(rounds):
                floor = wrk(project, "get", "/bench/floor/", seconds)
                me = wrk(project, "get", "/api/auth/me/", seconds, BENCH_TOKENS=tokens_file, BENCH_BEARER="1")
                level_runs.append({"floor": floor, "me": me, "me/floor": me["rps"] / floor["rps"]})
                log(f"{level:>9} filler sessions: me {me['rps']:.1f} req/s p50 {me['p50_ms']:.1f} ms "
                    f"p99 {me['p99_ms']:.1f} ms, floor {floor['rps']:.1f} req/s, non-2xx {me['non2xx']}")
            out.append({"filler": level, "keys": live, "fill_seconds": filled["seconds"],
                        "used_memory": filled["used_memory"], "runs": level_runs})
    finally:
        project.seed("unfill", str(max(levels)))
    return {"levels": out}


def soak(project: Target, seconds: int, connections: int) -> dict:
    """The mixed run: login, me, refresh, logout by many clients; Redis memory sampled throughout."""
    connection = redis.Redis.from_url(project.env["REDIS_URL"])
    samples, stop = [], threading.Event()

    def sample():
        started = time.monotonic()
        while not stop.wait(5):
            info = connection.info("memory")
            samples.append({"t": round(time.monotonic() - started), "used_memory": info["used_memory"],
                            "keys": connection.dbsize()})

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = wrk(project, "mixed", "/", seconds, connections=connections)
    finally:
        stop.set()
        sampler.join(timeout=10)
    result["redis_samples"] = samples
    return result


def machine() -> dict:
    info = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(),
            "python": platform.python_version(), "kernel": platform.release(), "load_before": os.getloadavg()}
    with contextlib.suppress(OSError):
        model = [x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("model name")]
        info["cpu"] = model[0].split(":", 1)[1].strip() if model else "?"
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, fewer sessions (under 3 minutes)")
    parser.add_argument("--soak", action="store_true", help="only the mixed soak run")
    parser.add_argument("--soak-seconds", type=int, default=300)
    parser.add_argument("--soak-database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--keep", action="store_true", help="leave servers and Redis running (for profiling)")
    args = parser.parse_args()
    # Stop cleanly (servers, Redis) on SIGTERM, and on SIGINT even when started in the background.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    (RESULTS / "static").mkdir(parents=True, exist_ok=True)
    report = {"machine": machine(), "wrk": ensure_wrk(), "quick": args.quick}
    redis_dir = RESULTS / "redis"
    embedded_redis.stop(redis_dir)
    shutil.rmtree(redis_dir, ignore_errors=True)
    redis_socket = embedded_redis.ensure_running(redis_dir)
    report["redis"] = redis.Redis(unix_socket_path=str(redis_socket)).info("server")["redis_version"]
    common = {**os.environ, **THROTTLES, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
              "SECRET_KEY": secrets.token_urlsafe(48), "ACCESS_SIGNING_KEY": secrets.token_urlsafe(48),
              "REFRESH_SIGNING_KEY": secrets.token_urlsafe(48), "ACCESS_TOKEN_LIFETIME": "7200",
              "PYTHONPATH": str(ROOT)}
    targets = []
    try:
        if args.soak:
            project = Target(f"project-{args.soak_database}", "project", args.soak_database, 0, common, redis_socket)
            targets.append(project)
            project.prepare()
            project.start()
            log(f"soak: {args.soak_seconds} s, 16 clients, {project.name}")
            report["soak"] = soak(project, args.soak_seconds, 16)
            report["soak"]["database"] = args.soak_database
        else:
            rounds, seconds = 3, (2 if args.quick else 10)
            for index, (kind, database) in enumerate(
                    [("project", "sqlite"), ("project", "postgres"), ("anchor", "sqlite"), ("anchor", "postgres")]):
                targets.append(Target(f"{kind}-{database}", kind, database, index, common, redis_socket))
            for target in targets:
                log(f"preparing {target.name}")
                target.prepare()
                target.start()
            report["seconds_per_run"] = seconds
            report["throughput"] = throughput_rounds(targets, rounds, seconds)
            for target in targets[1:]:
                if not args.keep:
                    target.stop()
            log("memory study")
            report["memory"] = memory_study(targets[0], 10_000 if args.quick else 100_000)
            log(json.dumps(report["memory"]))
            levels = [1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
            report["scale"] = scale_study(targets[0], levels, rounds, 2 if args.quick else 5)
    finally:
        if not args.keep:
            for target in targets:
                target.stop()
            embedded_redis.stop(redis_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = "soak" if args.soak else ("quick" if args.quick else "bench")
    out = RESULTS / f"{name}-{stamp}.json"
    out.write_text(json.dumps(report, indent=1, default=str))
    from bench.summary import summarize

    text = summarize(report)
    (RESULTS / f"{name}-{stamp}.md").write_text(text)
    print(text)
    log(f"results: {out}")


if __name__ == "__main__":
    main()
