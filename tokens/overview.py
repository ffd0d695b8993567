"""The figures of the admin's security overview, from aggregate queries over indexed columns.

Per hour over the last 24 hours and per day over the last 30 (UTC): logins succeeded and failed,
refreshes, reuse detections and revocations; the addresses and usernames with the most failed
logins in the last 24 hours; the live sessions now. Events are counted by the database, grouped
by (kind, hour) in one query per range over the ``(kind, at)`` index; refreshes come from the
hourly tallies in Redis (``tokens.store``), since a refresh writes no event.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Value
from django.db.models.functions import Concat, Substr, TruncDay, TruncHour

from tokens import clock, redis_keys, store
from tokens.exceptions import StoreUnavailableError
from tokens.models import AuthEvent, Session

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
HOURS, DAYS = 24, 30
# How many addresses and usernames the failed-login lists show.
TOP = 10

# The charted series: a title, and the event kinds counted in it (refreshes have none: Redis tallies).
REFRESHES = "Refreshes"
SERIES = (
    ("Logins succeeded", (AuthEvent.Kind.LOGIN_SUCCEEDED,)),
    ("Logins failed", (AuthEvent.Kind.LOGIN_FAILED,)),
    (REFRESHES, ()),
    ("Reuse detected", (AuthEvent.Kind.REUSE_DETECTED,)),
    ("Revocations", (AuthEvent.Kind.REVOKED,)),
)
_KINDS = [kind for _, kinds in SERIES for kind in kinds]


class HourOf(TruncHour):
    """The hour of a datetime; on SQLite by cutting its stored text, not with Django's per-row Python function."""

    def as_sqlite(self, compiler, connection):
        return _cut(self, compiler, 13, ":00:00")


class DayOf(TruncDay):
    """The day of a datetime; on SQLite by cutting its stored text (see ``HourOf``)."""

    def as_sqlite(self, compiler, connection):
        return _cut(self, compiler, 10, " 00:00:00")


def _cut(trunc, compiler, length: int, rest: str):
    # SQLite keeps a datetime as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": its first characters are
    # the hour or the day, and the result reads back through the DateTimeField converters as usual.
    return compiler.compile(Concat(Substr(trunc.lhs, 1, length), Value(rest)))


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[datetime, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.points)


@dataclass(frozen=True)
class Figures:
    now: datetime
    hourly: list[Series]
    daily: list[Series]
    failed_by_address: list[tuple[str, int]]
    failed_by_username: list[tuple[str, int]]
    live_sessions: int
    users_with_live_sessions: int
    # False when Redis could not be asked: the refresh series are then empty, not zero.
    refreshes_known: bool


def figures() -> Figures:
    now = clock.to_datetime(clock.now())
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    today = this_hour.replace(hour=0)
    hours = [this_hour - HOUR * back for back in range(HOURS - 1, -1, -1)]
    days = [today - DAY * back for back in range(DAYS - 1, -1, -1)]
    try:
        refreshes = _refresh_tallies(days[0])
    except StoreUnavailableError:
        refreshes = None
    failed_since = now - DAY
    live = Session.objects.live(now).aggregate(sessions=Count("pk"), users=Count("user", distinct=True))
    return Figures(
        now=now,
        hourly=_series(hours, _counts(HourOf, hours[0]), refreshes, lambda hour: hour),
        daily=_series(days, _counts(DayOf, days[0]), refreshes, lambda hour: hour.replace(hour=0)),
        failed_by_address=_top_failed("ip_address", failed_since, ip_address__isnull=True),
        failed_by_username=_top_failed("username", failed_since, username=""),
        live_sessions=live["sessions"],
        users_with_live_sessions=live["users"],
        refreshes_known=refreshes is not None,
    )


def _counts(bucket, since: datetime) -> dict[tuple[str, datetime], int]:
    """Events per (kind, bucket) since ``since``: one grouped query over the (kind, at) index."""
    rows = (
        AuthEvent.objects.filter(kind__in=_KINDS, at__gte=since)
        .annotate(bucket=bucket("at")).values("kind", "bucket").annotate(n=Count("pk")).order_by()
    )
    return {(row["kind"], row["bucket"]): row["n"] for row in rows}


def _refresh_tallies(since: datetime) -> dict[datetime, int]:
    """Rotations per hour since ``since``, read from Redis in one round trip."""
    first = int(since.timestamp()) // 3600
    hours = range(first, clock.now() // 3600 + 1)
    counts = store.tallies([redis_keys.refresh_tally(hour) for hour in hours])
    return {clock.to_datetime(hour * 3600): count for hour, count in zip(hours, counts, strict=True)}


def _series(buckets: list[datetime], counts: dict, refreshes: dict | None,
            bucket_of: Callable[[datetime], datetime]) -> list[Series]:
    """One series per charted title, a count per bucket (``bucket_of`` maps an hour to its bucket)."""
    refreshed = Counter()
    for hour, count in (refreshes or {}).items():
        refreshed[bucket_of(hour)] += count
    series = []
    for title, kinds in SERIES:
        if kinds:
            points = [(start, sum(counts.get((kind, start), 0) for kind in kinds)) for start in buckets]
        else:
            points = [] if refreshes is None else [(start, refreshed[start]) for start in buckets]
        series.append(Series(title, points))
    return series


def _top_failed(column: str, since: datetime, **unknown) -> list[tuple[str, int]]:
    """The values of ``column`` with the most failed logins since ``since``, most first (``unknown`` left out)."""
    rows = (
        AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, at__gte=since).exclude(**unknown)
        .values(column).annotate(n=Count("pk")).order_by("-n", column)[:TOP]
    )
    return [(str(row[column]), row["n"]) for row in rows]
