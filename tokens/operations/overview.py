"""The figures of the admin's security overview, from aggregate queries over indexed columns.

Per hour over the last 24 hours and per day over the last 30 (UTC): logins succeeded and failed,
refreshes, reuse detections and revocations, the account lifecycle's sign-ups, e-mail
verifications, password reset requests and resets, and e-mail changes, and second factors accepted,
refused, enrolled and removed; the addresses and usernames with the most failed logins in the last
24 hours; the live sessions now; and, first on the page, what needs action: usernames under attack,
refresh tokens replayed, disabled users with a live session. Events are counted by the database over
the ``(kind, at)`` index, six queries in all; refreshes come from the hourly tallies in Redis
(``tokens.store.tallies``), since a refresh writes no event.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Count
from django.utils.translation import gettext_noop

from tokens.core import clock
from tokens.exceptions import StoreUnavailableError
from tokens.models import AuthEvent, Session
from tokens.models.sessions import column_of
from tokens.store import redis_keys, tallies

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
HOURS, DAYS = 24, 30
# How many addresses and usernames the failed-login lists show.
TOP = 10
# Failed logins in 24 hours at which a username counts as under attack, listed first for staff.
UNDER_ATTACK = 10

# The charted series: a title (marked for the catalogue, translated where the admin shows it), and
# the event kinds counted in it (refreshes have none: Redis tallies).
REFRESHES = gettext_noop("Refreshes")
SERIES = (
    (gettext_noop("Logins succeeded"), (AuthEvent.Kind.LOGIN_SUCCEEDED,)),
    (gettext_noop("Logins failed"), (AuthEvent.Kind.LOGIN_FAILED,)),
    (REFRESHES, ()),
    (gettext_noop("Reuse detected"), (AuthEvent.Kind.REUSE_DETECTED,)),
    (gettext_noop("Revocations"), (AuthEvent.Kind.REVOKED, AuthEvent.Kind.SESSION_LIMIT)),
    (gettext_noop("Sign-ups"), (AuthEvent.Kind.SIGNED_UP,)),
    (gettext_noop("E-mail verifications"), (AuthEvent.Kind.EMAIL_VERIFIED,)),
    (gettext_noop("Password reset requests"), (AuthEvent.Kind.PASSWORD_RESET_REQUESTED,)),
    (gettext_noop("Password resets"), (AuthEvent.Kind.PASSWORD_RESET,)),
    (gettext_noop("E-mail changes"), (AuthEvent.Kind.EMAIL_CHANGED,)),
    (gettext_noop("Second factors accepted"), (AuthEvent.Kind.MFA_SUCCEEDED,)),
    (gettext_noop("Second factors refused"), (AuthEvent.Kind.MFA_FAILED,)),
    (
        gettext_noop("Factors enrolled or removed"),
        (AuthEvent.Kind.FACTOR_ADDED, AuthEvent.Kind.FACTOR_REMOVED),
    ),
)
_KINDS = [kind for _, kinds in SERIES for kind in kinds]


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
    # What needs action, shown first: usernames under attack (failed logins, last 24 hours), users
    # whose refresh tokens were replayed (last 24 hours), disabled users with a live session.
    under_attack: list[tuple[str, int]]
    reuse_detected: list[tuple[str, int]]
    disabled_with_live_sessions: list[tuple[str, int]]


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
    failed_by_username = _top_failed("username", failed_since, username="")
    cells = [
        (width, kind, start)
        for width, starts in ((HOUR, hours), (DAY, days))
        for start in starts
        for kind in _KINDS
    ]
    counted = _counts([(kind, start, start + width) for width, kind, start in cells])
    counts = dict(zip(cells, counted, strict=True))
    live = Session.objects.live(now).aggregate(
        sessions=Count("pk"), users=Count("user", distinct=True)
    )
    return Figures(
        now=now,
        hourly=_series(hours, HOUR, counts, refreshes, lambda hour: hour),
        daily=_series(days, DAY, counts, refreshes, lambda hour: hour.replace(hour=0)),
        failed_by_address=_top_failed("ip_address", failed_since, ip_address__isnull=True),
        failed_by_username=failed_by_username,
        live_sessions=live["sessions"],
        users_with_live_sessions=live["users"],
        refreshes_known=refreshes is not None,
        under_attack=[(name, count) for name, count in failed_by_username if count >= UNDER_ATTACK],
        reuse_detected=_reuse_detected(failed_since),
        disabled_with_live_sessions=_disabled_with_live_sessions(now),
    )


def _reuse_detected(since: datetime) -> list[tuple[str, int]]:
    """Users whose refresh tokens were replayed since ``since``: username and how often."""
    rows = (
        AuthEvent.objects.filter(kind=AuthEvent.Kind.REUSE_DETECTED, at__gte=since)
        .exclude(username="", user=None)
        .values("user", "username")
        .annotate(n=Count("pk"))
        .order_by("-n", "username")[:TOP]
    )
    return [(row["username"] or str(row["user"]), row["n"]) for row in rows]


def _disabled_with_live_sessions(now: datetime) -> list[tuple[str, int]]:
    """Disabled users that still have a live session (a revocation that did not finish)."""
    name = f"user__{get_user_model().USERNAME_FIELD}"
    rows = (
        Session.objects.live(now)
        .filter(user__is_active=False)
        .values(name)
        .annotate(n=Count("pk"))
        .order_by("-n", name)[:TOP]
    )
    return [(str(row[name]), row["n"]) for row in rows]


def _counts(cells: list[tuple[str, datetime, datetime]]) -> list[int]:
    """Events of each ``(kind, start, end)`` cell, in one statement of range counts over the (kind,
    at) index.

    Each count walks only its own slice of the index. Grouping a month of events by day instead
    sorts every one of them (SQLite builds a temporary B-tree): at a million events that took
    2.5 s against 0.3 s for these counts (``bench/overview.py``). Written out, since the ORM has
    no SELECT of many scalar subqueries; the statement's shape depends only on the cell count.
    """
    connection = connections[AuthEvent.objects.db]
    quote, meta = connection.ops.quote_name, AuthEvent._meta
    kind, at = quote(column_of(meta, "kind")), quote(column_of(meta, "at"))
    count = (
        f"(SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {kind} = %s AND {at} >= %s AND {at} < "
        "%s)"
    )
    moment = connection.ops.adapt_datetimefield_value
    params = [
        value
        for cell_kind, start, end in cells
        for value in (cell_kind, moment(start), moment(end))
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([count] * len(cells)), params)
        return list(cursor.fetchone())


def _refresh_tallies(since: datetime) -> dict[datetime, int]:
    """Rotations per hour since ``since``, read from Redis in one round trip."""
    first = int(since.timestamp()) // 3600
    hours = range(first, clock.now() // 3600 + 1)
    counts = tallies.tallies([redis_keys.refresh_tally(hour) for hour in hours])
    return {
        clock.to_datetime(hour * 3600): count for hour, count in zip(hours, counts, strict=True)
    }


def _series(
    buckets: list[datetime],
    width: timedelta,
    counts: dict,
    refreshes: dict | None,
    bucket_of: Callable[[datetime], datetime],
) -> list[Series]:
    """One series per charted title, a count per bucket (``bucket_of`` maps an hour to its bucket).

    ``counts`` holds the events per ``(bucket width, kind, bucket start)``.
    """
    refreshed: Counter[datetime] = Counter()
    for hour, count in (refreshes or {}).items():
        refreshed[bucket_of(hour)] += count
    series = []
    for title, kinds in SERIES:
        if kinds:
            points = [
                (start, sum(counts[(width, kind, start)] for kind in kinds)) for start in buckets
            ]
        else:
            points = [] if refreshes is None else [(start, refreshed[start]) for start in buckets]
        series.append(Series(title, points))
    return series


def _top_failed(column: str, since: datetime, **unknown) -> list[tuple[str, int]]:
    """The values of ``column`` with the most failed logins since ``since``, most first (``unknown``
    left out).
    """
    rows = (
        AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, at__gte=since)
        .exclude(**unknown)
        .values(column)
        .annotate(n=Count("pk"))
        .order_by("-n", column)[:TOP]
    )
    return [(str(row[column]), row["n"]) for row in rows]
