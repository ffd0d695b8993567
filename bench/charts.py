"""SVG charts of a bench/run.py report, written by hand (no plotting library to install).

``python -m bench.charts bench/results/<report>.json [directory]`` draws them again; a full
``make bench`` writes them to bench/charts/ (committed, shown in bench/README.md), a quick one to
bench/results/.

- ``scale.svg``: p50 latency of ``session/``, ``refresh/`` and ``me/`` against live sessions in
  Redis (log scale), with Redis's bytes per live session at each level;
- ``ratios.svg``: the side-by-side throughput ratios (median of the rounds), one bar each, with
  the target where there is one.
"""

import json
import math
import statistics
import sys
from html import escape
from pathlib import Path

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
COLOURS = {"session": "#1f77b4", "refresh": "#d62728", "me": "#2ca02c", "floor": "#7f7f7f"}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _text(x, y, text, size=12, anchor="start", colour="#222", weight="normal") -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' {FONT} font-size='{size}' text-anchor='{anchor}' "
        f"fill='{colour}' font-weight='{weight}'>{escape(str(text))}</text>"
    )


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'>\n<rect width='100%' height='100%' fill='white'/>\n"
        + "\n".join(body)
        + "\n</svg>\n"
    )


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def scale_svg(scale: dict, title: str) -> str:
    """p50 latency per scenario against live sessions (log x axis)."""
    levels = scale["levels"]
    series = {
        name: [
            (level["keys"], _median([run[name]["p50_ms"] for run in level["runs"] if name in run]))
            for level in levels
        ]
        for name in ("session", "refresh", "me")
        if all(name in run for level in levels for run in level["runs"])
    }
    width, height, left, right, top, bottom = 760, 420, 70, 170, 50, 90
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [level["keys"] for level in levels]
    # A level a few keys past a power of ten (the sessions beside the filler) stays on its decade.
    x_low, x_high = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)) - 0.01)
    x_high = max(x_high, x_low + 1)
    y_high = _nice_ceiling(max(y for points in series.values() for _, y in points if y) * 1.15)

    def px(keys):
        return left + (math.log10(keys) - x_low) / (x_high - x_low) * plot_w

    def py(ms):
        return top + plot_h - ms / y_high * plot_h

    body = [_text(width / 2, 24, title, 15, "middle", weight="bold")]
    for tick in range(6):
        value = y_high * tick / 5
        y = py(value)
        body.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#e5e5e5'/>"
        )
        body.append(_text(left - 8, y + 4, f"{value:g}", 11, "end"))
    for power in range(x_low, x_high + 1):
        x = px(10**power)
        body.append(
            f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{top + plot_h}' stroke='#e5e5e5'/>"
        )
        body.append(_text(x, top + plot_h + 18, f"10^{power}", 11, "middle"))
    body.append(
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#888'/>"
    )
    body.append(
        _text(
            left + plot_w / 2,
            top + plot_h + 38,
            "Redis keys (live sessions), log scale",
            12,
            "middle",
        )
    )
    body.append(
        f"<text transform='translate(18,{top + plot_h / 2}) rotate(-90)' {FONT} font-size='12' "
        "text-anchor='middle'>p50 latency, ms (wrk, 4 connections)</text>"
    )
    for index, (name, points) in enumerate(series.items()):
        colour = COLOURS[name]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points if y is not None)
        body.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2.5'/>")
        for x, y in points:
            if y is not None:
                body.append(f"<circle cx='{px(x):.1f}' cy='{py(y):.1f}' r='4' fill='{colour}'/>")
                body.append(_text(px(x) + 6, py(y) - 6, f"{y:.1f}", 10, colour=colour))
        legend_y = top + 16 + index * 20
        body.append(
            f"<line x1='{left + plot_w + 16}' y1='{legend_y - 4}' "
            f"x2='{left + plot_w + 40}' y2='{legend_y - 4}' stroke='{colour}' "
            "stroke-width='3'/>"
        )
        body.append(_text(left + plot_w + 46, legend_y, f"{name}/ p50", 12))
    memory = [level.get("bytes_per_session") for level in levels]
    if any(value is not None for value in memory):
        body.append(
            _text(left, height - 28, "Redis bytes per live session (used_memory delta):", 11)
        )
        body.append(
            _text(
                left,
                height - 12,
                "   ".join(
                    f"{level['keys']:,} keys: {value:.0f} B"
                    for level, value in zip(levels, memory, strict=True)
                    if value is not None
                ),
                11,
            )
        )
    return _svg(width, height, body)


def ratios_svg(throughput: dict, goals: dict[str, float], title: str) -> str:
    """One horizontal bar per ratio (median of the rounds), a mark at its target if it has one."""
    rounds = throughput["rounds"]
    # The reads and refreshes against every side; login (password hashing) and the floors are in
    # the tables.
    names = [
        name
        for name in rounds[0]["ratios"]
        if not name.startswith(("me/floor", "session/floor", "login"))
    ]
    values = {name: _median([r["ratios"].get(name) for r in rounds]) for name in names}
    names = [name for name in names if values[name] is not None]
    bar, gap, left, right, top = 18, 8, 330, 60, 50
    width = 1000
    height = top + len(names) * (bar + gap) + 50
    x_high = _nice_ceiling(max([*values.values(), *goals.values(), 1.0]) * 1.1)
    plot_w = width - left - right

    def px(value):
        return left + value / x_high * plot_w

    body = [_text(width / 2, 24, title, 15, "middle", weight="bold")]
    for tick in range(6):
        value = x_high * tick / 5
        body.append(
            f"<line x1='{px(value):.1f}' y1='{top - 6}' x2='{px(value):.1f}' "
            f"y2='{height - 40}' stroke='#e5e5e5'/>"
        )
        body.append(_text(px(value), height - 24, f"{value:g}", 11, "middle"))
    body.append(
        f"<line x1='{px(1):.1f}' y1='{top - 6}' x2='{px(1):.1f}' y2='{height - 40}' "
        "stroke='#999' stroke-dasharray='4 3'/>"
    )
    for index, name in enumerate(names):
        y = top + index * (bar + gap)
        value = values[name]
        goal = goals.get(name)
        colour = "#4c78a8" if goal is None else ("#54a24b" if value >= goal else "#e45756")
        body.append(_text(left - 8, y + bar - 4, name, 11, "end"))
        body.append(
            f"<rect x='{left}' y='{y}' width='{px(value) - left:.1f}' height='{bar}' "
            f"fill='{colour}'/>"
        )
        body.append(_text(px(value) + 4, y + bar - 4, f"{value:.2f}", 11))
        if goal is not None:
            body.append(
                f"<line x1='{px(goal):.1f}' y1='{y - 2}' x2='{px(goal):.1f}' "
                f"y2='{y + bar + 2}' stroke='#111' stroke-width='2'/>"
            )
    body.append(
        _text(
            20,
            height - 6,
            "project ÷ other side, req/s within each round, median of the rounds; black mark: "
            "the target (green: met, red: missed, blue: none); dashed: parity",
            10,
        )
    )
    return _svg(width, height, body)


def goals() -> dict[str, float]:
    """The targets of bench/summary.py, by ratio name."""
    from bench.summary import RATIO_TARGETS

    return {
        ratio.format(db=database): goal
        for _, ratio, by_database in RATIO_TARGETS
        for database, goal in by_database.items()
    }


def write(report: dict, directory: Path) -> list[Path]:
    """Draw the report's charts into ``directory``; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    date = report["machine"]["date"]
    written = []
    if report.get("scale"):
        path = directory / "scale.svg"
        path.write_text(scale_svg(report["scale"], f"Latency as live sessions grow ({date})"))
        written.append(path)
    if report.get("throughput"):
        path = directory / "ratios.svg"
        path.write_text(
            ratios_svg(report["throughput"], goals(), f"Side by side, throughput ratios ({date})")
        )
        written.append(path)
    return written


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        report = json.load(handle)
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(sys.argv[1]).parent
    for path in write(report, target):
        print(path)
