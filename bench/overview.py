"""The admin's security overview over a million auth events: ``python -m bench.overview``.

Builds a scratch database with the project's migrations and production settings (DEBUG off,
``bench.settings``):
SQLite in ``bench/results/overview.sqlite3`` (WAL, as the project configures it), or with
``--postgres`` the PostgreSQL database ``bench_overview`` on 127.0.0.1:5432 (dropped and created
again). Inserts ``--events`` auth events (default 1,000,000) spread evenly over the last 30 days,
in the mix of a busy service under a password-guessing campaign, runs (VACUUM) ANALYZE, then times
``tokens.operations.overview.figures()`` (the page's four queries and one Redis read) and the whole
page
(``GET /admin/tokens/authevent/overview/`` as a superuser), and prints the medians of
``--repeat`` runs; for comparison, the per-day counts grouped by the database instead (Django's
``TruncDay``), and the plan of one range count. Redis is the embedded one, database 3, flushed
first. ``--reuse`` keeps the database of the last run (its events are then that much older).
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES = "postgres://postgres@127.0.0.1:5432/{}"
DATABASE = "bench_overview"

# The mix of events (kind, share), and the pools failed logins come from (a few loud addresses).
MIX = (
    ("login_succeeded", 0.60),
    ("login_failed", 0.22),
    ("logout", 0.10),
    ("revoked", 0.06),
    ("reuse_detected", 0.005),
    ("password_changed", 0.01),
    ("user_disabled", 0.005),
)
ADDRESSES, USERNAMES, BATCH = 5000, 20000, 10_000


def configure(postgres: bool, reuse: bool) -> None:
    """The production environment, pointed at a scratch database; before Django is set up."""
    RESULTS.mkdir(exist_ok=True)
    if postgres and reuse:
        url = POSTGRES.format(DATABASE)
    elif postgres:
        import psycopg

        with psycopg.connect(POSTGRES.format("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
        url = POSTGRES.format(DATABASE)
    else:
        path = RESULTS / "overview.sqlite3"
        for leftover in (
            ()
            if reuse
            else (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        ):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    from config import embedded_redis

    socket = embedded_redis.ensure_running(Path(__file__).resolve().parents[1] / "var")
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ACCESS_SIGNING_KEY=secrets.token_urlsafe(48),
        REFRESH_SIGNING_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=url,
        REDIS_URL=f"unix://{socket}?db=3",
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="bench.settings",
        AUTH_EVENT_LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(RESULTS / "overview.prometheus"),
    )


def populate(events: int) -> float:
    """Insert the events in batches; return the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tokens.models import AuthEvent

    rng = random.Random(20261126)
    kinds = [kind for kind, _ in MIX]
    weights = [share for _, share in MIX]
    now, span = timezone.now(), 30 * 86400
    loud = [f"203.0.113.{index}" for index in range(20)]
    started = time.monotonic()
    for offset in range(0, events, BATCH):
        rows = []
        for _ in range(min(BATCH, events - offset)):
            kind = rng.choices(kinds, weights)[0]
            failed = kind == "login_failed"
            address = (
                rng.choice(loud)
                if failed and rng.random() < 0.5
                else ".".join(
                    [
                        "10",
                        str(rng.randrange(ADDRESSES) // 250),
                        str(rng.randrange(250)),
                        str(rng.randrange(1, 250)),
                    ]
                )
            )
            rows.append(
                AuthEvent(
                    kind=kind,
                    at=now - timedelta(seconds=rng.uniform(0, span)),
                    username=f"user{int(rng.paretovariate(1.2)) % USERNAMES}",
                    ip_address=address,
                    user_agent="bench-overview",
                    detail="",
                )
            )
        with transaction.atomic():
            AuthEvent.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # What autovacuum does to an insert-only table on PostgreSQL: statistics, and the visibility
        # map
        # that lets the counts be index-only scans (bench/README.md has the figures without it).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.monotonic() - started


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<48} median {statistics.median(times) * 1000:8.1f} ms   "
        f"runs {' / '.join(f'{t * 1000:.0f}' for t in times)} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the last run's database and events"
    )
    arguments = parser.parse_args()
    configure(arguments.postgres, arguments.reuse)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDay
    from django.test import Client
    from django.utils import timezone
    from django_redis import get_redis_connection

    from tokens.models import AuthEvent
    from tokens.operations import overview

    call_command("migrate", verbosity=0)
    # DEBUG off serves the admin's CSS from the manifest that collectstatic writes
    # (bench/results/static).
    call_command("collectstatic", interactive=False, verbosity=0)
    get_redis_connection("default").flushdb()
    if not arguments.reuse:
        seconds = populate(arguments.events)
        print(
            f"{connection.vendor}: {AuthEvent.objects.count():,} auth events inserted in "
            f"{seconds:.0f} s"
        )
    print(
        f"{connection.vendor}: {AuthEvent.objects.count():,} auth events, "
        f"{AuthEvent.objects.filter(at__gte=timezone.now() - timedelta(days=30)).count():,} in the "
        "last 30 days"
    )

    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(admin)

    def page():
        response = client.get("/admin/tokens/authevent/overview/", secure=True)
        assert response.status_code == 200, response.status_code

    overview.figures()  # connections open, templates and statements warm
    report("figures(): 4 queries and 1 Redis read", timed(overview.figures, arguments.repeat))
    report("the whole page, rendered", timed(page, arguments.repeat))
    days = [start for start, _ in overview.figures().daily[0].points]
    cells = [(kind, start, start + overview.DAY) for start in days for kind in overview._KINDS]
    report(
        "per-day counts: the page's range counts",
        timed(lambda: overview._counts(cells), arguments.repeat),
    )
    grouped = (
        AuthEvent.objects.filter(kind__in=overview._KINDS, at__gte=days[0])
        .annotate(day=TruncDay("at"))
        .values("kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    report(
        "per-day counts: grouped by TruncDay instead",
        timed(lambda: list(grouped.all()), arguments.repeat),
    )
    print("plan of one range count:")
    moment = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"{connection.ops.explain_query_prefix()} SELECT COUNT(*) FROM tokens_authevent "
            f"WHERE kind = %s AND at >= %s AND at < %s",
            ["login_succeeded", moment(days[0]), moment(days[1])],
        )
        for row in cursor.fetchall():
            print("   ", *row)


if __name__ == "__main__":
    sys.exit(main())
