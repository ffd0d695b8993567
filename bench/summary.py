"""Turn a bench/run.py report into the Markdown tables of bench/README.md.

``python -m bench.summary bench/results/<report>.json`` prints them again.
"""

import json
import statistics
import sys

SCENARIO_ORDER = ("floor", "me", "refresh", "login", "logout")


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def throughput_table(throughput: dict) -> list[str]:
    rounds = throughput["rounds"]
    names = sorted(rounds[0]["runs"], key=lambda name: (name.split("/")[0], SCENARIO_ORDER.index(name.split("/")[1])))
    lines = ["| target / scenario | req/s (median of 3) | req/s per round | p50 ms | p99 ms | non-2xx (all rounds) | load1 |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for name in names:
        runs = [r["runs"][name] for r in rounds]
        extra = sum(run["broken"] for run in runs)
        lines.append(
            f"| {name} | {_median([x['rps'] for x in runs]):.1f} | "
            f"{' / '.join(format(x['rps'], '.0f') for x in runs)} | {_median([x['p50_ms'] for x in runs]):.1f} | "
            f"{_median([x['p99_ms'] for x in runs]):.1f} | {sum(x['non2xx'] + x['socket_errors'] for x in runs)}"
            f"{f' ({extra} chains broken)' if extra else ''} | "
            f"{' / '.join(format(x.get('load1', 0), '.1f') for x in runs)} |")
    lines += ["", "| ratio (taken within each round) | median | per round |", "| --- | ---: | --- |"]
    for key in rounds[0]["ratios"]:
        values = [r["ratios"][key] for r in rounds]
        lines.append(f"| {key} | {_median(values):.2f} | {' / '.join(f'{v:.2f}' for v in values)} |")
    return lines


def targets(report: dict) -> list[str]:
    lines = ["| target | measured | result |", "| --- | --- | --- |"]
    rounds = report.get("throughput", {}).get("rounds")
    if rounds:
        for database in ("sqlite", "postgres"):
            me = _median([r["ratios"][f"me/floor {database}"] for r in rounds])
            lines.append(f"| `GET me/` >= 0.6 x floor ({database}) | {me:.2f} x | {_met(me >= 0.6)} |")
        for database in ("sqlite", "postgres"):
            ratio = _median([r["ratios"][f"refresh project/anchor {database}"] for r in rounds])
            lines.append(f"| refresh >= 3 x anchor refresh ({database}) | {ratio:.2f} x | {_met(ratio >= 3)} |")
    memory = report.get("memory")
    if memory:
        lines.append(f"| Redis bytes per live session at {memory['sessions']:,} sessions | "
                     f"{memory['bytes_per_session_open']:.0f} B after login, "
                     f"{memory['bytes_per_session_rotated']:.0f} B after a rotation (INFO used_memory delta) | measured |")
        back = memory["keys_after_revoke"] == memory["baseline_keys"] and memory["keys_after_expiry"] == memory["baseline_keys"]
        lines.append(f"| key count back to baseline | baseline {memory['baseline_keys']}, "
                     f"{memory['keys_open']:,} open, {memory['keys_after_revoke']} after revoking all, "
                     f"{memory['keys_after_expiry']} {memory['expiry_seconds']} s after all expired | {_met(back)} |")
    scale = report.get("scale")
    if scale:
        first, last = scale["levels"][0], scale["levels"][-1]
        p50 = [_median([r["me"]["p50_ms"] for r in level["runs"]]) for level in (first, last)]
        ratio = [_median([r["me/floor"] for r in level["runs"]]) for level in (first, last)]
        flat = p50[1] <= p50[0] * 1.2 and ratio[1] >= ratio[0] * 0.9
        lines.append(f"| `me/` flat from {first['keys']:,} to {last['keys']:,} keys | p50 {p50[0]:.1f} -> {p50[1]:.1f} ms, "
                     f"me/floor {ratio[0]:.2f} -> {ratio[1]:.2f} (flat: p50 within +20 %, ratio within -10 %) "
                     f"| {_met(flat)} |")
    soak = report.get("soak")
    if soak:
        samples = soak["redis_samples"]
        tail = samples[len(samples) // 5:] or samples
        memory_values = [s["used_memory"] for s in tail]
        growth = (max(memory_values) - min(memory_values)) / min(memory_values) if memory_values else 0
        refreshes = {k: v for k, v in soak["ops"].items() if k.startswith("refresh ")}
        ok = soak["fivexx"] == 0 and soak["broken"] == 0 and growth < 0.1
        lines.append(f"| soak: zero 5xx, chains intact, Redis memory flat | {soak['fivexx']} 5xx, {soak['broken']} chains "
                     f"broken, refresh statuses {refreshes}, used_memory range after the first fifth "
                     f"{min(memory_values) / 1e6:.2f}-{max(memory_values) / 1e6:.2f} MB ({growth:.1%}) | {_met(ok)} |")
    return lines


def summarize(report: dict) -> str:
    machine = report["machine"]
    header = (f"Run of {machine['date']}: {machine.get('cpu', '?')}, {machine['cpus']} CPUs, "
              f"Python {machine['python']}, Redis {report['redis']}, {report['wrk']}; "
              f"load average before {machine['load_before'][0]:.2f}.")
    lines = [header, ""]
    lines += ["### Targets", "", *targets(report), ""]
    if "throughput" in report:
        lines += [f"### Throughput ({report['seconds_per_run']} s per run, {4} connections, 3 rounds)", "",
                  *throughput_table(report["throughput"]), ""]
    if "memory" in report:
        lines += ["### Redis memory", "", "```", *(f"{k}: {v}" for k, v in report["memory"].items()), "```", ""]
    if "scale" in report:
        lines += ["### `me/` as live sessions grow (project on SQLite)", "",
                  "| Redis keys | me req/s | me p50 ms | me p99 ms | floor req/s | me/floor |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: |"]
        for level in report["scale"]["levels"]:
            runs = level["runs"]
            lines.append(f"| {level['keys']:,} | {_median([r['me']['rps'] for r in runs]):.1f} | "
                         f"{_median([r['me']['p50_ms'] for r in runs]):.1f} | {_median([r['me']['p99_ms'] for r in runs]):.1f} | "
                         f"{_median([r['floor']['rps'] for r in runs]):.1f} | {_median([r['me/floor'] for r in runs]):.2f} |")
        lines.append("")
    if "soak" in report:
        soak = report["soak"]
        totals = (f"{soak['requests']} requests, {soak['rps']:.1f} req/s, p50 {soak['p50_ms']:.1f} ms, "
                  f"p99 {soak['p99_ms']:.1f} ms, socket errors {soak['socket_errors']}.")
        lines += [f"### Soak ({soak['duration_us'] / 1e6:.0f} s, {soak['database']})", "", totals, "",
                  "| operation and status | count |", "| --- | ---: |",
                  *(f"| {k} | {v} |" for k, v in sorted(soak["ops"].items())), "",
                  "Redis every 5 s (s: used_memory MB / keys): " + ", ".join(
                      f"{s['t']}: {s['used_memory'] / 1e6:.2f}/{s['keys']}" for s in soak["redis_samples"][::6]), ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(summarize(json.load(handle)))
