"""Time per password hash: Django's Argon2 defaults (the anchor) against the project's Argon2id.

``python -m bench.hashing [runs]``: hashes and verifies the bench password with each parameter
set ``runs`` times (default 15) in this process, one after the other, and prints medians side by
side: wall time, and the CPU time of the process (Argon2 runs its lanes in threads, so with p=8 it
spends more CPU than wall time on a multi-core machine; throughput under load follows the CPU).
A login costs one verification.
"""

import statistics
import sys
import time

from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.hashers import Argon2idPasswordHasher

PASSWORD = "bench-password-1"


def milliseconds(call, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``runs`` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main(runs: int) -> None:
    print(
        f"{'hasher':<34} {'m KiB':>7} {'t':>2} {'p':>2} {'hash wall ms':>13} "
        f"{'verify wall ms':>15} "
        f"{'verify CPU ms':>14}"
    )
    results = []
    for label, hasher in (
        ("Django's Argon2 defaults (anchor)", Argon2PasswordHasher()),
        ("project Argon2id (OWASP)", Argon2idPasswordHasher()),
    ):
        encoded = hasher.encode(PASSWORD, hasher.salt())
        hashes, _ = milliseconds(lambda hasher=hasher: hasher.encode(PASSWORD, hasher.salt()), runs)
        wall, cpu = milliseconds(
            lambda hasher=hasher, encoded=encoded: hasher.verify(PASSWORD, encoded), runs
        )
        results.append((statistics.median(wall), statistics.median(cpu)))
        print(
            f"{label:<34} {hasher.memory_cost:>7} {hasher.time_cost:>2} {hasher.parallelism:>2} "
            f"{statistics.median(hashes):>13.1f} {results[-1][0]:>15.1f} {results[-1][1]:>14.1f}"
        )
    (anchor_wall, anchor_cpu), (project_wall, project_cpu) = results
    print(
        f"anchor / project per verification: wall {anchor_wall / project_wall:.2f}, "
        f"CPU {anchor_cpu / project_cpu:.2f} (median of {runs} runs)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
