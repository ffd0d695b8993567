"""`me/` on PostgreSQL under three ways of surviving a dead database connection, in-process.

``python -m bench.connections`` (after ``make install``; PostgreSQL on 127.0.0.1:5432 as user
``postgres`` with trust authentication, database ``bench_connections``, dropped and made again).
``me/`` reads the user's row, the only SQL of an authenticated request, so how a connection is
known to be alive shows in it:

- ``retry``: persistent connections without Django's health check; a read whose connection died
  is tried once more on a new one (``tokens.core.database.retry_read``): the project's default;
- ``health-check``: persistent connections with ``CONN_HEALTH_CHECKS`` (a ``SELECT 1`` before each
  request's first query): what a stock project needs to survive a restart;
- ``pool``: Django's psycopg pool (``OPTIONS["pool"]``, ``psycopg_pool``, installed into
  bench/results/tools when missing), no persistent connections: each request takes a connection
  from the pool and gives it back.

Each variant is its own process (settings are per process) running ``bench.profile`` for
``floor`` and ``me`` with the production settings; three interleaved rounds, so that the
machine's load hits every variant alike. Reported: microseconds per request in-process (median
of the rounds) and ``me/`` against the same process's floor.
"""

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
TOOLS = BENCH / "results" / "tools"
DATABASE = "bench_connections"
VARIANTS = {
    "retry": {},
    "health-check": {"DATABASE_CONN_HEALTH_CHECKS": "1"},
    "pool": {"BENCH_DATABASE_POOL": "1"},
}


def run(variant: str) -> dict[str, float]:
    env = {
        **os.environ,
        **VARIANTS[variant],
        "PROFILE_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "PROFILE_SCENARIOS": "floor,me",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench.profile"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if result.returncode != 0:
        sys.exit(f"{variant}: bench.profile failed:\n{result.stderr[-3000:]}")
    found = re.findall(r"^(\w+)\s+(\d+) us per request", result.stdout, re.MULTILINE)
    return {name: float(value) for name, value in found}


def main() -> None:
    if not (TOOLS / "psycopg_pool").exists():
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(TOOLS)]
        subprocess.run([*pip, "psycopg-pool"], check=True)
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DATABASE}"')
    rounds: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for round_index in range(3):
        for variant in VARIANTS:
            rounds[variant].append(run(variant))
            print(f"round {round_index + 1} {variant:13} {rounds[variant][-1]}", flush=True)
    print(f"\n{'variant':13} {'floor us':>9} {'me/ us':>9} {'me/ over floor':>15}")
    for variant, results in rounds.items():
        floor = statistics.median(r["floor"] for r in results)
        me = statistics.median(r["me"] for r in results)
        print(f"{variant:13} {floor:9.0f} {me:9.0f} {me - floor:15.0f}")


if __name__ == "__main__":
    main()
