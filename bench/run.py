"""Benchmark the project against a stock simplejwt project, both served by gunicorn on loopback.

``python -m bench.run`` (``make bench``), ``--quick`` (``make bench BENCH_QUICK=1``) or
``--soak`` (``make soak``). See bench/README.md for what is measured and how to read it.
Every loop here is bounded in count or time; everything listens on 127.0.0.1 or a unix socket.
"""

import argparse
import concurrent.futures
import contextlib
import json
import math
import os
import platform
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

from bench import production, venvs
from bench.allauth_headless import harness as allauth
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
REVOKE_SHARE = (
    0.1  # memory study: share of the opened sessions revoked (their tombstones are counted)
)

# The peer (bench/peer/): django-jwt-allauth in a virtualenv of its own under bench/results/, with
# the project's own versions of what both share, so only the library differs.
PEER_PACKAGE = "django-jwt-allauth==1.5.1"
PEER_SHARED = (
    "Django",
    "djangorestframework",
    "djangorestframework-simplejwt",
    "PyJWT",
    "gunicorn",
    "psycopg",
    "psycopg-binary",
    "dj-database-url",
    "argon2-cffi",
)
PEER_VENV = RESULTS / "peer-venv"
PEER_MIGRATIONS = RESULTS / "peer"
# kind -> (settings module, WSGI application); peer-nocheck is the peer with its session check off,
# baseline the project at an earlier revision (--baseline).
KINDS = {
    "project": ("bench.settings", "config.wsgi:application"),
    "baseline": ("bench.settings", "config.wsgi:application"),
    "anchor": ("bench.anchor.settings", "bench.anchor.wsgi:application"),
    "peer": ("bench.peer.settings", "bench.peer.wsgi:application"),
    "peer-nocheck": ("bench.peer.settings", "bench.peer.wsgi:application"),
    "allauth": ("bench.allauth_headless.settings", "bench.allauth_headless.wsgi:application"),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    """wrk from Debian's package; installed here when missing and we may."""
    if shutil.which("wrk") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            sys.exit("wrk is missing: install it (Debian: apt-get install -y wrk) and run again")
        log("installing wrk (apt-get)")
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
    return subprocess.run(
        ["wrk", "--version"], check=False, capture_output=True, text=True
    ).stdout.splitlines()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peer_python() -> str:
    return venvs.python(PEER_VENV, PEER_PACKAGE, PEER_SHARED)


def baseline_tree(revision: str) -> Path:
    """The project's files at git ``revision`` (``git archive``), under bench/results/: served
    beside this checkout, with its own code, settings and gunicorn.conf.py.
    """
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tree = RESULTS / f"baseline-{commit[:12]}"
    if not tree.exists():
        partial = tree.with_name(f"{tree.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
        partial.rename(tree)
    (tree / "bench" / "results" / "static").mkdir(parents=True, exist_ok=True)
    return tree


def recreate_postgres(name: str) -> None:
    with psycopg.connect(POSTGRES.format("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Target:
    """One served Django project: its settings, database, environment and gunicorn."""

    def __init__(
        self,
        name: str,
        kind: str,
        database: str,
        redis_db: int,
        common_env: dict,
        redis_socket: Path,
        python: str = PYTHON,
        shares: "Target | None" = None,
        extra: dict | None = None,
        root: Path = ROOT,
    ):
        self.name, self.kind, self.database = name, kind, database
        self.python, self.shares, self.root = python, shares, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra = dict(extra or {})
        if kind.startswith("peer"):
            extra |= {
                "PYTHONPATH": f"{ROOT}{os.pathsep}{PEER_MIGRATIONS}",
                "PEER_SESSION_CHECK": "0" if kind == "peer-nocheck" else "1",
            }
        if root != ROOT:  # the project at another revision: its code, not this checkout's
            extra["PYTHONPATH"] = str(root)
        if shares is not None:  # the same database as another target (the peer, check on or off)
            database_url = shares.env["DATABASE_URL"]
        elif database == "sqlite":
            path = RESULTS / f"{name}.sqlite3"
            path.unlink(missing_ok=True)
            database_url = f"sqlite:///{path}"
        else:
            db_name = f"bench_{kind}"
            recreate_postgres(db_name)
            database_url = POSTGRES.format(db_name)
        self.env = {
            **common_env,
            **extra,
            "DATABASE_URL": database_url,
            "REDIS_URL": f"unix://{redis_socket}?db={redis_db}",
            # Each server empties its metrics directory when it starts (gunicorn.conf.py): one each.
            "PROMETHEUS_MULTIPROC_DIR": str(RESULTS / f"{name}.prometheus"),
            # bench.run reads the project's lookup counters after the rounds (local_copy_counts).
            "METRICS_ACCESS": "open",
            "DJANGO_SETTINGS_MODULE": KINDS[kind][0],
        }
        self.process = None
        self.settings = {}

    def django(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(
            [self.python, *args],
            check=False,
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0:
            sys.exit(f"{self.name}: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def seed(self, *args: str, env: dict | None = None) -> dict:
        return json.loads(self.django("-m", "bench.seed", *args, env=env).strip().splitlines()[-1])

    def prepare(self) -> None:
        if self.shares is None:
            if self.kind.startswith("peer"):
                # The library ships no migrations: its documentation has the project make them.
                package = PEER_MIGRATIONS / "peer_migrations"
                shutil.rmtree(package, ignore_errors=True)
                (package / "jwt_allauth").mkdir(parents=True)
                (package / "__init__.py").touch()
                (package / "jwt_allauth" / "__init__.py").touch()
                self.django("-m", "django", "makemigrations", "jwt_allauth", "--verbosity", "0")
            self.django("-m", "django", "migrate", "--noinput", "--verbosity", "0")
            self.seed("users", str(USERS))
        self.settings = self.seed(
            "settings"
        )  # what the served settings give: DEBUG, journal mode, ...

    def start(self) -> None:
        wsgi = KINDS[self.kind][1]
        self.process = subprocess.Popen(
            [
                self.python,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--error-logfile",
                str(RESULTS / f"{self.name}.gunicorn.log"),
                "--log-level",
                "warning",
                # Another library's server: not the project's gunicorn.conf.py (its metrics).
                *(["--config", "bench/peer/gunicorn_conf.py"] if self.python != PYTHON else []),
                wsgi,
            ],
            cwd=self.root,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.url}/bench/floor/", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            if self.process.poll() is not None:
                sys.exit(
                    f"{self.name}: gunicorn exited; see {RESULTS / (self.name + '.gunicorn.log')}"
                )
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


def wrk(
    target: Target, mode: str, path: str, seconds: float, connections: int = CONNECTIONS, **env
) -> dict:
    """Run wrk with bench.lua; return its numbers plus requests/s and the non-2xx count."""
    run_env = {
        **os.environ,
        "BENCH_MODE": mode,
        "BENCH_PATH": path,
        "BENCH_THREADS": str(connections),
        "BENCH_USERS": str(USERS),
        **{k: str(v) for k, v in env.items()},
    }
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        target.url,
    ]
    output = subprocess.run(
        command, check=False, env=run_env, capture_output=True, text=True, timeout=seconds + 120
    )
    line = next((x for x in output.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{output.stdout}\n{output.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = result["duration_us"] / 1e6
    codes = {int(k): v for k, v in result["codes"].items()}
    result.update(
        load1=os.getloadavg()[0],
        rps=result["requests"] / seconds_run if seconds_run else 0.0,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        non2xx=sum(v for k, v in codes.items() if not 200 <= k < 300),
        fivexx=sum(v for k, v in codes.items() if k >= 500),
        socket_errors=sum(
            result["errors"].get(k, 0) for k in ("connect", "read", "write", "timeout")
        ),
    )
    return result


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# Scenarios: kind -> name -> (mode, path, extra wrk environment)
# --------------------------------------------------
BEARER = {"BENCH_BEARER": "1"}
SCENARIOS = {
    "project": {
        "floor": ("get", "/bench/floor/", {}),
        "me": (
            "get",
            "/api/auth/me/",
            BEARER,
        ),  # verify, one Redis round trip, one SQL query (the user)
        "session": ("get", "/api/auth/session/", BEARER),  # verify, one Redis round trip, no SQL
        "refresh": ("chain", "/api/auth/refresh/", {}),
        "login": ("login", "/api/auth/login/", {}),
        "logout": ("logout", "/api/auth/logout/", {}),
    },
    "anchor": {
        "floor": ("get", "/bench/floor/", {}),
        "me": (
            "get",
            "/api/auth/me/",
            BEARER,
        ),  # JWTAuthentication: verify, one SQL query (the user)
        "me-stateless": (
            "get",
            "/api/auth/me-stateless/",
            BEARER,
        ),  # JWTStatelessUserAuthentication: verify only
        # me-stateless/ plus one HMGET through redis-py: what one round trip adds to a read
        "me-redis": ("get", "/api/auth/me-redis/", BEARER),
        "refresh": (
            "chain",
            "/api/token/refresh/",
            {"BENCH_REFRESH_FIELD": "refresh", "BENCH_RESPONSE_FIELD": "refresh"},
        ),
        "login": ("login", "/api/token/", {}),
    },
    # django-jwt-allauth, its session check on: me/ is its UserDetailsView (the user row, after
    # the whitelist query), session/ bench/peer/views.py (the whitelist query only); refresh is
    # its TokenRefreshView with the refresh token in its cookie, as documented by default.
    "peer": {
        "me": ("get", "/jwt-allauth/user/", BEARER),
        "session": ("get", "/bench/session/", BEARER),
        "refresh": (
            "chain",
            "/jwt-allauth/refresh/",
            {"BENCH_REFRESH_COOKIE": "refresh_token"},
        ),
    },
    # The same server with its session check off (the library's default): no query for
    # session/, the user row only for me/; nothing it accepts can be revoked before it expires.
    "peer-nocheck": {
        "me": ("get", "/jwt-allauth/user/", BEARER),
        "session": ("get", "/bench/session/", BEARER),
    },
    # django-allauth's headless API, JWT validated statefully: its auth/session endpoint, in the
    # me group and again in the session group (bench/allauth_headless/harness.py).
    "allauth": allauth.SCENARIOS,
}
SCENARIOS["baseline"] = SCENARIOS["project"]
KIND_ORDER = ("project", "baseline", "anchor", "peer", "peer-nocheck", "allauth")
# The bench.seed command that opens a kind's sessions.
SESSIONS_COMMAND = {"baseline": "project-sessions", "peer-nocheck": "peer-sessions"}
# The order of a round: group by group, and within a group database by database, project then
# anchor, so
# that the two runs a ratio compares (same scenario, or session/ against me-stateless/) are
# neighbours in time.
SCENARIO_GROUPS = (
    ("floor",),
    ("me",),
    ("session", "me-stateless", "me-redis"),
    ("refresh",),
    ("login",),
    ("logout",),
)
# Scenarios whose wrk run reads seeded tokens: one session per connection (the logout pool is sized
# apart).
TOKEN_SCENARIOS = ("me", "session", "me-stateless", "me-redis", "refresh")


def round_order(targets: list["Target"]) -> list[tuple["Target", str]]:
    order = []
    for group in SCENARIO_GROUPS:
        for database in ("sqlite", "postgres"):
            for kind in KIND_ORDER:
                order += [
                    (target, scenario)
                    for scenario in group
                    for target in targets
                    if target.database == database
                    and target.kind == kind
                    and scenario in SCENARIOS[kind]
                ]
    return order


def seed_tokens(
    target: Target, rounds: int, seconds: float, scenarios: tuple[str, ...] | None = None
) -> dict:
    """Per round and scenario, the token file each wrk run reads (sessions made before the clock
    starts); for the target's scenarios, or only ``scenarios`` (and ``me``'s, the default file).
    """
    wanted = set(SCENARIOS[target.kind] if scenarios is None else (*scenarios, "me"))
    wanted &= set(SCENARIOS[target.kind])
    plan = {scenario: CONNECTIONS for scenario in TOKEN_SCENARIOS if scenario in wanted}
    if "logout" in wanted:
        plan["logout"] = int(seconds * LOGOUT_POOL_PER_SECOND)
    total = sum(plan.values()) * rounds
    source = RESULTS / f"{target.name}.tokens"
    command = SESSIONS_COMMAND.get(target.kind, f"{target.kind}-sessions")
    seeded = target.seed(command, str(total), str(source))
    log(f"{target.name}: {total} sessions seeded {json.dumps(seeded)}")
    lines = source.read_text().split()
    pairs = [f"{a} {r}" for a, r in zip(lines[::2], lines[1::2], strict=True)]
    files, start = {}, 0
    for round_index in range(rounds):
        for scenario, count in plan.items():
            files[(round_index, scenario)] = write_lines(
                RESULTS / f"{target.name}.{scenario}.{round_index}.tokens",
                pairs[start : start + count],
            )
            start += count
    return files


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def smoke(targets: list[Target], token_files: dict) -> dict:
    """One request per GET scenario and target before the clock starts: status and the start of the
    body.
    """
    out = {}
    for target in targets:
        access = Path(token_files[target.name][(0, "me")]).read_text().split()[0]
        for scenario, (mode, path, env) in SCENARIOS[target.kind].items():
            if mode != "get":
                continue
            request = urllib.request.Request(f"{target.url}{path}")
            if env.get("BENCH_BEARER"):
                request.add_header("Authorization", f"Bearer {access}")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, body = response.status, response.read(300)
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read(300)
            except OSError as exc:
                status, body = None, str(exc).encode()
            out[f"{target.name}/{scenario}"] = {
                "status": status,
                "body": body.decode(errors="replace"),
            }
            if status != 200:
                log(f"SMOKE {target.name} GET {path}: {status} {body[:200]!r}")
    return out


def throughput_rounds(targets: list[Target], rounds: int, seconds: float) -> dict:
    # The targets' databases and Redis databases are separate: seed them all at once.
    with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
        seeding = {
            target.name: pool.submit(seed_tokens, target, rounds, seconds) for target in targets
        }
        token_files = {name: future.result() for name, future in seeding.items()}
    checks = smoke(targets, token_files)
    for target in targets:  # warm-up, not measured: imports, connections, caches
        wrk(target, "get", "/bench/floor/", 2)
    results = []
    for round_index in range(rounds):
        runs = {}
        for target, scenario in round_order(targets):
            mode, path, env = SCENARIOS[target.kind][scenario]
            files = token_files[target.name]
            tokens_file = files.get((round_index, scenario)) or files[(round_index, "me")]
            result = wrk(target, mode, path, seconds, BENCH_TOKENS=tokens_file, **env)
            runs[f"{target.name}/{scenario}"] = result
            log(
                f"round {round_index + 1} {target.name:16} {scenario:12} {result['rps']:8.1f} "
                "req/s "
                f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms non-2xx "
                f"{result['non2xx']}"
                f"{' broken ' + str(result['broken']) if result['broken'] else ''}"
                f"{' POOL EXHAUSTED' if result['exhausted_threads'] else ''}"
            )
        results.append({"runs": runs, "ratios": round_ratios(runs)})
    return {"rounds": results, "smoke": checks, "local_copy": local_copy_counts(targets)}


def local_copy_counts(targets: list[Target]) -> dict:
    """How the project's lookups were answered over the rounds (its workers' metrics, summed):
    a copy the channel could not vouch for sends every lookup to Redis, and its figures would
    then measure Redis, not the copy.
    """
    from bench.reach import metrics

    counts = {}
    for target in targets:
        if target.kind == "project":
            counts[target.name] = {
                name.removeprefix("auth_local_copy_lookups_total"): value
                for name, value in metrics(target.port).items()
                if name.startswith("auth_local_copy_lookups_total")
            }
            log(f"{target.name} local copy lookups: {counts[target.name]}")
    return counts


# name -> (numerator run, denominator run), "{db}" standing for sqlite or postgres.
RATIOS = {
    "me/floor {db}": ("project-{db}/me", "project-{db}/floor"),
    "session/floor {db}": ("project-{db}/session", "project-{db}/floor"),
    "session project/anchor me-stateless {db}": (
        "project-{db}/session",
        "anchor-{db}/me-stateless",
    ),
    # What one round trip to Redis leaves of a stateless read: the ceiling, on this machine, of
    # session/ against me-stateless/ for any check that asks Redis on every request.
    "me-redis/me-stateless anchor {db}": ("anchor-{db}/me-redis", "anchor-{db}/me-stateless"),
    "session project/anchor me-redis {db}": ("project-{db}/session", "anchor-{db}/me-redis"),
    "me project/anchor {db}": ("project-{db}/me", "anchor-{db}/me"),
    "refresh project/anchor {db}": ("project-{db}/refresh", "anchor-{db}/refresh"),
    "login project/anchor {db}": ("project-{db}/login", "anchor-{db}/login"),
    "session project/peer {db}": ("project-{db}/session", "peer-{db}/session"),
    "session project/peer-nocheck {db}": ("project-{db}/session", "peer-nocheck-{db}/session"),
    "me project/peer {db}": ("project-{db}/me", "peer-{db}/me"),
    "me project/peer-nocheck {db}": ("project-{db}/me", "peer-nocheck-{db}/me"),
    "refresh project/peer {db}": ("project-{db}/refresh", "peer-{db}/refresh"),
    # Against the project at an earlier revision (--baseline), in the same rounds.
    "session project/baseline {db}": ("project-{db}/session", "baseline-{db}/session"),
    "me project/baseline {db}": ("project-{db}/me", "baseline-{db}/me"),
    "refresh project/baseline {db}": ("project-{db}/refresh", "baseline-{db}/refresh"),
    "login project/baseline {db}": ("project-{db}/login", "baseline-{db}/login"),
    "me project/allauth {db}": ("project-{db}/me", "allauth-{db}/me"),
    "session project/allauth {db}": ("project-{db}/session", "allauth-{db}/session"),
}


def round_ratios(runs: dict) -> dict:
    """The ratios of one round (requests per second), for the runs that exist and served 2xx."""
    ratios = {}
    for database in ("sqlite", "postgres"):
        for name, (top, bottom) in RATIOS.items():
            top, bottom = runs.get(top.format(db=database)), runs.get(bottom.format(db=database))
            if top and bottom and bottom["rps"]:
                ratios[name.format(db=database)] = top["rps"] / bottom["rps"]
    return ratios


def memory_study(project: Target, sessions: int, rotate_sample: int, expiry_sessions: int) -> dict:
    """Bytes per live session (tombstones included) on Redis db 2; key count back to baseline after
    expiry on db 3.

    Both through the project's services (bench/seed.py). The short lifetimes of the expiry check
    are sized to outlast the opening of its sessions at the rate the first part measured.
    """
    base = project.env["REDIS_URL"].rsplit("?db=", 1)[0]
    result = project.seed(
        "memory",
        str(sessions),
        "--revoke-share",
        str(REVOKE_SHARE),
        "--rotate-sample",
        str(rotate_sample),
        env={"REDIS_URL": f"{base}?db=2"},
    )
    lifetime = math.ceil(expiry_sessions * (1 + REVOKE_SHARE) / result["open_per_second"] * 1.5) + 3
    result.update(
        project.seed(
            "expiry",
            str(expiry_sessions),
            "--revoke-share",
            str(REVOKE_SHARE),
            "--lifetime",
            str(lifetime),
            env={"REDIS_URL": f"{base}?db=3"},
        )
    )
    return result


def scale_study(project: Target, levels: list[int], rounds: int, seconds: float) -> dict:
    """me/, session/ and refresh latency and throughput (and the floor beside them) as live
    sessions grow, and Redis's bytes per live session at each level.

    Starts from an empty Redis database (the throughput rounds leave thousands of sessions in
    it), then opens one session per connection for the reads and one per connection, level and
    round for the refresh chains (a chain's last token is consumed; the next run needs its own),
    then adds filler sessions.
    """
    connection = redis.Redis.from_url(project.env["REDIS_URL"])
    connection.flushdb()
    tokens_file = RESULTS / "scale.tokens"
    chains = CONNECTIONS * len(levels) * rounds
    project.seed("project-sessions", str(CONNECTIONS + chains), str(tokens_file))
    lines = tokens_file.read_text().splitlines()
    reads = write_lines(RESULTS / "scale.reads.tokens", lines[:CONNECTIONS])
    chain_lines = iter(lines[CONNECTIONS:])
    base_memory = int(connection.info("memory")["used_memory"])
    out = []
    try:
        for level in levels:
            filled = project.seed("fill", str(level))
            live = connection.dbsize()
            level_runs = []
            for round_index in range(rounds):
                chain = write_lines(
                    RESULTS / f"scale.{level}.{round_index}.tokens",
                    [next(chain_lines) for _ in range(CONNECTIONS)],
                )
                floor = wrk(project, "get", "/bench/floor/", seconds)
                me = wrk(
                    project, "get", "/api/auth/me/", seconds, BENCH_TOKENS=reads, BENCH_BEARER="1"
                )
                session = wrk(
                    project,
                    "get",
                    "/api/auth/session/",
                    seconds,
                    BENCH_TOKENS=reads,
                    BENCH_BEARER="1",
                )
                refresh = wrk(project, "chain", "/api/auth/refresh/", seconds, BENCH_TOKENS=chain)
                level_runs.append(
                    {
                        "floor": floor,
                        "me": me,
                        "me/floor": me["rps"] / floor["rps"],
                        "session": session,
                        "session/floor": session["rps"] / floor["rps"],
                        "refresh": refresh,
                    }
                )
                log(
                    f"{level:>9} filler sessions: session {session['rps']:.1f} req/s p50 "
                    f"{session['p50_ms']:.1f} ms, refresh {refresh['rps']:.1f} req/s p50 "
                    f"{refresh['p50_ms']:.1f} ms, me {me['rps']:.1f} req/s p50 "
                    f"{me['p50_ms']:.1f} ms, floor {floor['rps']:.1f} req/s, non-2xx "
                    f"{me['non2xx']} / {session['non2xx']} / {refresh['non2xx']}"
                )
            out.append(
                {
                    "filler": level,
                    "keys": live,
                    "fill_seconds": filled["seconds"],
                    "used_memory": filled["used_memory"],
                    # The filler's share of Redis's memory: the level's sessions (hash, key name,
                    # expiry, dictionary entries), per session.
                    "bytes_per_session": (filled["used_memory"] - base_memory) / level,
                    "runs": level_runs,
                }
            )
    finally:
        project.seed("unfill", str(max(levels)))
    return {"levels": out, "base_used_memory": base_memory}


def soak(project: Target, seconds: int, connections: int) -> dict:
    """The mixed run: login, me, refresh, logout by many clients; Redis memory sampled."""
    connection = redis.Redis.from_url(project.env["REDIS_URL"])
    samples, stop = [], threading.Event()

    def sample():
        started = time.monotonic()
        while not stop.wait(5):
            info = connection.info("memory")
            samples.append(
                {
                    "t": round(time.monotonic() - started),
                    "used_memory": info["used_memory"],
                    "keys": connection.dbsize(),
                }
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = wrk(project, "mixed", "/", seconds, connections=connections)
    finally:
        stop.set()
        sampler.join(timeout=10)
    result["redis_samples"] = samples
    return result


def save_partial(report: dict) -> None:
    """The report so far, in bench/results/partial.json: what an interrupted run leaves behind."""
    (RESULTS / "partial.json").write_text(json.dumps(report, indent=1, default=str))
    log(f"report so far: {RESULTS / 'partial.json'}")


def studies(
    report: dict, targets: list[Target], rounds: int, quick: bool, keep: bool, redis_socket: Path
) -> None:
    """After the throughput rounds: revocation reach, then the scale and memory studies (project
    on SQLite, ``targets[0]``; the other servers are stopped first).
    """
    log("revocation reach: 4 single-worker servers")
    from bench.reach import reach_study

    report["reach"] = reach_study(targets[0].env, 200 if quick else 400, redis_socket)
    log(json.dumps(report["reach"]["all"]))
    save_partial(report)
    for target in targets[1:]:
        if not keep:
            target.stop()
    # The scale study before the memory study: the longest part (opening 111,112
    # sessions through the services) comes last, and each part is saved as it ends.
    levels = [1_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    report["scale"] = scale_study(targets[0], levels, rounds, 2 if quick else 5)
    save_partial(report)
    log("memory study")
    report["memory"] = memory_study(
        targets[0],
        10_000 if quick else 100_000,
        2_000 if quick else 10_000,
        2_000 if quick else 10_000,
    )
    log(json.dumps(report["memory"]))


def machine() -> dict:
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
    }
    with contextlib.suppress(OSError):
        model = [
            x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("model name")
        ]
        info["cpu"] = model[0].split(":", 1)[1].strip() if model else "?"
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="short runs, fewer sessions (under 3 minutes)"
    )
    parser.add_argument("--soak", action="store_true", help="only the mixed soak run")
    parser.add_argument("--no-peer", action="store_true", help="leave django-jwt-allauth out")
    parser.add_argument(
        "--no-allauth", action="store_true", help="leave django-allauth's headless API out"
    )
    parser.add_argument("--no-anchor", action="store_true", help="leave the simplejwt anchor out")
    parser.add_argument(
        "--baseline",
        metavar="REVISION",
        help="also serve the project at this git revision, so that each round compares the two",
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="the throughput rounds only: no revocation reach, scale or memory study",
    )
    parser.add_argument("--soak-seconds", type=int, default=300)
    parser.add_argument("--soak-database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument(
        "--keep", action="store_true", help="leave servers and Redis running (for profiling)"
    )
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
    report["redis"] = redis.Redis(unix_socket_path=str(redis_socket)).info("server")[
        "redis_version"
    ]
    common = {
        **os.environ,
        **production.environment(),
        "PYTHONPATH": str(ROOT),
    }
    targets = []
    try:
        if args.soak:
            project = Target(
                f"project-{args.soak_database}",
                "project",
                args.soak_database,
                0,
                common,
                redis_socket,
            )
            targets.append(project)
            project.prepare()
            project.start()
            report["settings"] = {project.name: project.settings}
            log(f"soak: {args.soak_seconds} s, 16 clients, {project.name}")
            report["soak"] = soak(project, args.soak_seconds, 16)
            report["soak"]["database"] = args.soak_database
        else:
            rounds, seconds = 3, (2 if args.quick else 10)
            for index, (kind, database) in enumerate(
                [
                    ("project", "sqlite"),
                    ("project", "postgres"),
                    ("anchor", "sqlite"),
                    ("anchor", "postgres"),
                ]
            ):
                if kind == "anchor" and args.no_anchor:
                    continue
                targets.append(
                    Target(f"{kind}-{database}", kind, database, index, common, redis_socket)
                )
            if args.baseline:
                tree = baseline_tree(args.baseline)
                report["baseline"] = {"revision": args.baseline, "tree": tree.name}
                for database, redis_db in (("sqlite", 4), ("postgres", 5)):
                    targets.append(
                        Target(
                            f"baseline-{database}",
                            "baseline",
                            database,
                            redis_db,
                            common,
                            redis_socket,
                            root=tree,
                        )
                    )
            if not args.no_peer:
                python = peer_python()
                for database in ("sqlite", "postgres"):
                    peer = Target(
                        f"peer-{database}", "peer", database, 9, common, redis_socket, python
                    )
                    nocheck = Target(
                        f"peer-nocheck-{database}",
                        "peer-nocheck",
                        database,
                        9,
                        common,
                        redis_socket,
                        python,
                        shares=peer,
                    )
                    targets += [peer, nocheck]
            if not args.no_allauth:
                python, key = allauth.python(), allauth.environment()
                for database, redis_db in allauth.REDIS_DBS.items():
                    targets.append(
                        Target(
                            f"allauth-{database}",
                            "allauth",
                            database,
                            redis_db,
                            common,
                            redis_socket,
                            python,
                            extra=key,
                        )
                    )
            for target in targets:
                log(f"preparing {target.name}")
                target.prepare()
                target.start()
                log(f"{target.name} settings: {json.dumps(target.settings)}")
            report["settings"] = {target.name: target.settings for target in targets}
            report["seconds_per_run"] = seconds
            report["throughput"] = throughput_rounds(targets, rounds, seconds)
            save_partial(report)
            if not args.throughput_only:
                studies(report, targets, rounds, args.quick, args.keep, redis_socket)
    finally:
        if not args.keep:
            for target in targets:
                target.stop()
            embedded_redis.stop(redis_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = "soak" if args.soak else ("quick" if args.quick else "bench")
    if args.throughput_only:  # a partial run: its charts stay with its report
        name = f"throughput-{name}"
    out = RESULTS / f"{name}-{stamp}.json"
    out.write_text(json.dumps(report, indent=1, default=str))
    from bench.summary import summarize

    text = summarize(report)
    (RESULTS / f"{name}-{stamp}.md").write_text(text)
    print(text)
    from bench import charts

    # A full run's charts are the ones bench/README.md shows; a quick run's stay with its report.
    for path in charts.write(report, BENCH / "charts" if name == "bench" else RESULTS):
        log(f"chart: {path}")
    log(f"results: {out}")


if __name__ == "__main__":
    main()
