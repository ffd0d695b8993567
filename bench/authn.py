"""The cost of authenticating one request in-process, against a bare HMGET on the same connection.

``python -m bench.authn`` (after ``make install``) runs with the production settings bench/run.py
serves, on its own SQLite file and its own embedded Redis under bench/results/. It opens one real
session with ``tokens.core.issuing.login``, then times, in many-iteration batches (median of
the batches):

- ``hmget``: a bare ``HMGET`` of that session's hash through the connection the store uses, the
  one round trip every authenticated request must make;
- ``decode``: verifying the access token (``tokens.core.tokens.decode``), no Redis;
- ``lookup``: ``tokens.store.copies.lookup``, the round trip and what the store makes of it;
- ``authenticate``: ``AccessTokenAuthentication().authenticate()`` on a DRF request carrying the
  token in its ``Authorization`` header: decode, lookup, metrics, the user.

The claim: ``authenticate`` costs at most ``--limit`` times the bare ``HMGET`` (2.5 by default:
100 us where an HMGET costs 40 us). A ratio of two timings taken side by side in one process
moves far less with the machine's load than either timing alone. Exits 1 when the claim fails.
``--profile`` also writes a cProfile listing of ``authenticate`` to bench/results/authn.prof.txt.
"""

import argparse
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from bench import production
from config import embedded_redis

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"

(RESULTS / "static").mkdir(parents=True, exist_ok=True)
os.environ.update(
    {
        **production.environment(),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{RESULTS / 'authn.sqlite3'}",
        "REDIS_URL": f"unix://{embedded_redis.ensure_running(RESULTS / 'redis-authn')}?db=0",
        "PROMETHEUS_MULTIPROC_DIR": str(RESULTS / "authn.prometheus"),
    }
)
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.core.management import call_command
from django.test import RequestFactory
from django_redis import get_redis_connection
from rest_framework.request import Request

from bench import seed
from tokens.authentication import AccessTokenAuthentication
from tokens.conf import token_settings
from tokens.core import tokens
from tokens.store import copies, redis_keys


def timed(call, iterations: int, batches: int) -> tuple[float, float]:
    """Microseconds per call, wall clock and this process's CPU: medians of ``batches`` batches
    of ``iterations`` calls.

    The CPU time leaves out the waits (Redis's answer, other processes on the same cores), so it
    moves less with the machine's load; the claim is made on the wall clock, which is what a
    request costs.
    """
    for _ in range(min(iterations, 200)):  # warm-up: connections, caches, scripts
        call()
    wall, cpu = [], []
    for _ in range(batches):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(iterations):
            call()
        wall.append((time.perf_counter() - started) / iterations * 1e6)
        cpu.append((time.process_time() - started_cpu) / iterations * 1e6)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--limit", type=float, default=2.5, help="authenticate / HMGET at most")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    seed.users(1)
    tokens_file = RESULTS / "authn.tokens"
    seed.project_sessions(1, str(tokens_file), 1)
    access = tokens_file.read_text().split()[0]
    claims = tokens.decode(access, tokens.ACCESS)
    sub, sid = claims["sub"], claims["sid"]

    connection = get_redis_connection(token_settings.CACHE_ALIAS)
    key = redis_keys.session(sub, sid)
    fields = ("u", "n", "e", "i", "r", "f", "x")
    django_request = RequestFactory().get(
        "/api/auth/session/", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    authentication = AccessTokenAuthentication()

    def authenticate():
        # A DRF request per call, as each HTTP request gets one.
        return authentication.authenticate(Request(django_request))

    assert authenticate()[1]["sid"] == sid
    calls = {
        "hmget": lambda: connection.hmget(key, fields),
        "decode": lambda: tokens.decode(access, tokens.ACCESS),
        "lookup": lambda: copies.lookup(sub, sid),
        "authenticate": authenticate,
    }
    # Interleaved rounds, so a burst of load on the machine hits every figure alike.
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for _ in range(3):
        for name, call in calls.items():
            rounds[name].append(timed(call, args.iterations, args.batches))
    wall = {name: statistics.median(w for w, _ in values) for name, values in rounds.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in rounds.items()}
    print(f"{'':13} {'wall us':>8} {'CPU us':>8}")
    for name in calls:
        print(f"{name:13} {wall[name]:8.1f} {cpu[name]:8.1f}")
    ratio = wall["authenticate"] / wall["hmget"]
    print(
        f"authenticate / hmget {ratio:.2f} on the wall clock (limit {args.limit}), "
        f"{cpu['authenticate'] / cpu['hmget']:.2f} in CPU; load average {os.getloadavg()[0]:.1f}"
    )

    # Redis's own time per command over the whole run (its CPU, on the same cores).
    stats = connection.info("commandstats")
    print(
        "Redis us per call: "
        + ", ".join(
            f"{name.removeprefix('cmdstat_')} {value['usec_per_call']:.2f}"
            for name, value in sorted(stats.items())
            if name in {"cmdstat_hmget", "cmdstat_get", "cmdstat_pexpireat", "cmdstat_evalsha"}
        )
    )
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.iterations):
            authenticate()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        (RESULTS / "authn.prof.txt").write_text(out.getvalue())
        print(f"profile: {RESULTS / 'authn.prof.txt'}")
    if ratio > args.limit:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        embedded_redis.stop(RESULTS / "redis-authn")
