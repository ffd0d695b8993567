"""Server-rendered SVG bar charts for the admin: the geometry here, the markup in templates.

No script and nothing fetched: the page is complete as the server sends it. Every text (an
address, a username) reaches the SVG through the template engine, so it is escaped.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# A time chart's size and margins, in SVG user units (the page scales it to its column).
WIDTH, HEIGHT = 360, 140
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 22
# A ranked chart: one row per item, its label to the left of its bar and its count to the right.
ROW, LABEL_WIDTH, COUNT_WIDTH, LABEL_CHARACTERS = 20, 150, 44, 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    # The last label ends at the chart's right edge rather than overflow it.
    anchor: str = "middle"


@dataclass(frozen=True)
class TimeChart:
    title: str
    total: int
    top: int
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_top: int = TOP
    baseline: int = HEIGHT - BOTTOM
    # Where the y axis's two labels (top and 0) and the ticks' labels go.
    axis_label_x: int = LEFT - 4
    top_label_y: int = TOP + 4
    tick_label_y: int = HEIGHT - 6


@dataclass(frozen=True)
class RankedRow:
    y: float
    label: str
    full_label: str
    bar_width: float
    value: int

    @property
    def text_y(self) -> float:
        return self.y + 13

    @property
    def bar_y(self) -> float:
        return self.y + 3

    @property
    def count_x(self) -> float:
        return LABEL_WIDTH + self.bar_width + 4


@dataclass(frozen=True)
class RankedChart:
    title: str
    rows: list[RankedRow]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * ROW + 4


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``value``: a round top for an axis."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def time_chart(
    title: str,
    points: Sequence[tuple[datetime, int]],
    label_format: str,
    tick_every: int,
    describe_format: str,
) -> TimeChart:
    """Bars of counts over time; every ``tick_every``-th bucket labelled, counting back from the
    last.
    """
    top = nice_ceiling(max((count for _, count in points), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    bars, ticks = [], []
    for index, (start, count) in enumerate(points):
        # A zero is drawn as a hairline on the axis, so an empty bucket reads as zero, not as
        # missing.
        height = plot_height * count / top if count else 1
        x = LEFT + index * slot
        bars.append(
            Bar(
                round(x + 0.5, 2),
                round(TOP + plot_height - height, 2),
                round(max(slot - 1, 1), 2),
                round(height, 2),
                f"{start:{describe_format}} UTC: {count}",
                count,
            )
        )
        if index == len(points) - 1:
            ticks.append(Tick(WIDTH - RIGHT, f"{start:{label_format}}", "end"))
        elif (len(points) - 1 - index) % tick_every == 0:
            ticks.append(Tick(round(x + slot / 2, 2), f"{start:{label_format}}"))
    return TimeChart(title, sum(count for _, count in points), top, bars, ticks)


def ranked_chart(title: str, items: Sequence[tuple[str, int]]) -> RankedChart:
    """Horizontal bars, largest first: a label (shortened if long), a bar and the count."""
    largest = max((count for _, count in items), default=1)
    room = WIDTH - LABEL_WIDTH - COUNT_WIDTH
    rows = [
        RankedRow(
            index * ROW + 2, _shorten(label), label, round(max(room * count / largest, 1), 2), count
        )
        for index, (label, count) in enumerate(items)
    ]
    return RankedChart(title, rows)


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
