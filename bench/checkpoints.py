"""What a checkpoint inside a commit costs the writers' queue (``config.sqlite3``), in one process.

``python -m bench.checkpoints [--transactions N] [--every N]``. A SQLite file in WAL mode
(``synchronous=NORMAL``, as the project's) with a 100,000-row indexed table takes N one-row
``UPDATE`` transactions, twice: with SQLite's own checkpoint (inside the commit that fills the log
past 1,000 pages), then with a passive checkpoint every ``--every`` commits, run after the commit.
For each it prints the time spent inside the transactions, which is what the writers' queue holds,
their p99 and longest, and the time checkpointing outside them.
"""

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

ROWS = 100_000


def prepared(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
    connection.execute("CREATE INDEX t_a ON t (a)")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO t (a, b) VALUES (?, ?)",
        ((os.urandom(16).hex(), os.urandom(64).hex()) for _ in range(ROWS)),
    )
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return connection


def run(transactions: int, every: int | None) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        connection = prepared(Path(directory) / "db.sqlite3")
        connection.execute(f"PRAGMA wal_autocheckpoint = {1000 if every is None else 0}")
        held, outside = [], 0.0
        for number in range(transactions):
            start = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "UPDATE t SET a = ?, b = ? WHERE id = ?",
                (os.urandom(16).hex(), os.urandom(64).hex(), number * 7919 % ROWS + 1),
            )
            connection.execute("COMMIT")
            held.append(time.perf_counter() - start)
            if every is not None and number % every == every - 1:
                start = time.perf_counter()
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                outside += time.perf_counter() - start
        connection.close()
    held.sort()
    return {
        "held_s": sum(held),
        "p99_us": held[int(len(held) * 0.99)] * 1e6,
        "longest_ms": held[-1] * 1e3,
        "outside_s": outside,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    for label, every in (
        ("SQLite's own, every 1,000 pages", None),
        (f"one every {args.every} commits, after the commit", args.every),
    ):
        figures = run(args.transactions, every)
        print(
            f"{label}: {figures['held_s']:.2f} s held, p99 {figures['p99_us']:.0f} us, "
            f"longest {figures['longest_ms']:.1f} ms, {figures['outside_s']:.2f} s outside"
        )


if __name__ == "__main__":
    main()
