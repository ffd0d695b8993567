"""This checkout against the project at another git revision: a few scenarios on one database,
the order swapped every round, and what the whole machine spent per request.

``python -m bench.compare --baseline REVISION`` (``--database``, ``--scenarios``, ``--seconds``,
``--rounds``). ``bench.run --baseline`` puts the same two servers in its rounds beside the other
sides, always this checkout first; here the two alternate, so that whatever a run leaves behind
(a database's checkpoint, a warmer cache) falls on each side as often, and each run reports the
CPU time all processes used while it ran (``/proc/stat``: workers, database, Redis, wrk and the
kernel), which in-process timings leave out. Its own Redis under bench/results/redis-compare/;
the production environment of ``bench.production``; anything set in the environment (say
``MAIL_THREADS=0``) applies to both sides, and ``--baseline-env NAME=VALUE`` (repeatable) to the
baseline alone: ``--baseline HEAD --baseline-env LOCAL_SESSION_COPY=0`` sets the code of the last
commit with its local copy off beside this checkout with it on.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import production
from bench.run import (
    RESULTS,
    ROOT,
    SCENARIOS,
    Target,
    baseline_tree,
    ensure_wrk,
    log,
    seed_tokens,
    wrk,
)
from config import embedded_redis


def machine_cpu() -> tuple[int, int]:
    """Clock ticks the machine has spent busy and idle (idle and I/O wait) since it booted."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, idle


def measured(target: Target, scenario: str, round_index: int, files: dict, seconds: int) -> dict:
    """One wrk run of ``scenario`` and the machine's CPU time per request while it ran."""
    mode, path, env = SCENARIOS[target.kind][scenario]
    tokens_file = files.get((round_index, scenario)) or files[(round_index, "me")]
    tick = os.sysconf("SC_CLK_TCK")
    busy_before, idle_before = machine_cpu()
    result = wrk(target, mode, path, seconds, BENCH_TOKENS=tokens_file, **env)
    busy_after, idle_after = machine_cpu()
    if not result["requests"] or result["non2xx"]:
        # A figure of refusals or of nothing is not the scenario's: stop rather than compare it.
        sys.exit(
            f"{target.name} {scenario}: {result['requests']} requests, "
            f"{result['non2xx']} not 2xx (see {RESULTS / (target.name + '.gunicorn.log')})"
        )
    busy = (busy_after - busy_before) / tick
    return {
        "rps": result["rps"],
        "requests": result["requests"],
        "non2xx": result["non2xx"],
        "cpu_us_per_request": busy * 1e6 / result["requests"],
        "p99_ms": result["p99_ms"],
        "busy_cpus": busy / seconds,
        "idle_cpus": (idle_after - idle_before) / tick / seconds,
    }


def compare(targets: list[Target], scenarios: list[str], rounds: int, seconds: int) -> list:
    files = {t.name: seed_tokens(t, rounds, seconds, tuple(scenarios)) for t in targets}
    for target in targets:  # warm-up, not measured
        wrk(target, "get", "/bench/floor/", 2)
    out = []
    for round_index in range(rounds):
        order = targets if round_index % 2 == 0 else targets[::-1]
        for scenario in scenarios:
            runs = {
                t.kind: measured(t, scenario, round_index, files[t.name], seconds) for t in order
            }
            project, baseline = runs["project"], runs["baseline"]
            ratio = project["rps"] / baseline["rps"]
            out.append(
                {"round": round_index + 1, "scenario": scenario, "first": order[0].kind}
                | {"project": project, "baseline": baseline, "ratio": ratio}
            )
            log(
                f"round {round_index + 1} {scenario:8} {order[0].name} first: "
                + ", ".join(
                    f"{kind} {run['rps']:.1f} req/s {run['cpu_us_per_request']:,.0f} us CPU"
                    for kind, run in runs.items()
                )
                + f"; ratio {ratio:.3f}"
            )
    return out


def summary(report: dict) -> str:
    lines = [
        f"Run of {report['date']}: this checkout against {report['baseline']}"
        + "".join(f" {name}={value}" for name, value in report.get("baseline_env", {}).items())
        + " on "
        f"{report['database']}, {report['seconds']} s runs, the order swapped each round.",
        "",
        "| scenario | round | first | ratio | CPU per request, this checkout | the baseline "
        "| p99, this checkout / the baseline |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['scenario']} | {row['round']} | {row['first']} | {row['ratio']:.2f} | "
            f"{row['project']['cpu_us_per_request']:,.0f} us | "
            f"{row['baseline']['cpu_us_per_request']:,.0f} us | "
            f"{row['project']['p99_ms']:.1f} / {row['baseline']['p99_ms']:.1f} ms |"
        )
    for scenario in report["scenarios"]:
        ratios = [r["ratio"] for r in report["rows"] if r["scenario"] == scenario]
        lines.append(f"\n{scenario}: median ratio {statistics.median(ratios):.2f}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", required=True, metavar="REVISION")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--scenarios", default="refresh,login")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--baseline-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    if any(not item.partition("=")[0] or "=" not in item for item in args.baseline_env):
        sys.exit("--baseline-env takes NAME=VALUE")
    baseline_env = dict(item.partition("=")[::2] for item in args.baseline_env)
    scenarios = args.scenarios.split(",")
    unknown = set(scenarios) - set(SCENARIOS["project"])
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    ensure_wrk()
    (RESULTS / "static").mkdir(parents=True, exist_ok=True)
    redis_dir = RESULTS / "redis-compare"
    embedded_redis.stop(redis_dir)
    shutil.rmtree(redis_dir, ignore_errors=True)
    redis_socket = embedded_redis.ensure_running(redis_dir)
    common = {**os.environ, **production.environment(), "PYTHONPATH": str(ROOT)}
    tree = baseline_tree(args.baseline)
    database = args.database
    targets = [
        Target(f"project-{database}", "project", database, 0, common, redis_socket),
        Target(
            f"baseline-{database}",
            "baseline",
            database,
            4,
            common,
            redis_socket,
            root=tree,
            extra=baseline_env,
        ),
    ]
    try:
        for target in targets:
            target.prepare()
            target.start()
        rows = compare(targets, scenarios, args.rounds, args.seconds)
    finally:
        for target in targets:
            target.stop()
        embedded_redis.stop(redis_dir)
    stamp = datetime.now(UTC)
    report = {
        "date": stamp.strftime("%Y-%m-%d %H:%M UTC"),
        "baseline": args.baseline,
        "baseline_env": baseline_env,
        "database": database,
        "seconds": args.seconds,
        "scenarios": scenarios,
        "rows": rows,
    }
    name = f"compare-{stamp.strftime('%Y%m%dT%H%M%S')}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1))
    text = summary(report)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
