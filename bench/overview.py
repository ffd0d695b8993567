"""The admin's security overview over a million auth events: ``python -m bench.overview``.

Builds a scratch database with the project's migrations and production settings (DEBUG off,
``bench.settings``):
SQLite in ``bench/results/overview.sqlite3`` (WAL, as the project configures it), or with
``--postgres`` the PostgreSQL database ``bench_overview`` on 127.0.0.1:5432 (dropped and created
again). Inserts ``--events`` auth events (default 1,000,000) spread evenly over the last 30 days,
in the mix of a busy service under a password-guessing campaign, runs ANALYZE, then times
``tokens.overview.figures()`` (the page's five queries and one Redis read) and the whole page
(``GET /admin/tokens/authevent/overview/`` as a superuser), and prints the medians of
``--repeat`` runs, the same grouping done with Django's stock ``TruncDay`` for comparison, and the
database's plan of the per-day query. Redis is the embedded one, database 3, flushed first.
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
MIX = (("login_succeeded", 0.60), ("login_failed", 0.22), ("logout", 0.10), ("revoked", 0.06),
       ("reuse_detected", 0.005), ("password_changed", 0.01), ("user_disabled", 0.005))
ADDRESSES, USERNAMES, BATCH = 5000, 20000, 10_000


def configure(postgres: bool) -> None:
    """The production environment, pointed at a scratch database; before Django is set up."""
    RESULTS.mkdir(exist_ok=True)
    if postgres:
        import psycopg

        with psycopg.connect(POSTGRES.format("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
        url = POSTGRES.format(DATABASE)
    else:
        path = RESULTS / "overview.sqlite3"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    from config import embedded_redis

    socket = embedded_redis.ensure_running(Path(__file__).resolve().parents[1] / "var")
    os.environ.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(48), ACCESS_SIGNING_KEY=secrets.token_urlsafe(48),
        REFRESH_SIGNING_KEY=secrets.token_urlsafe(48), DATABASE_URL=url, REDIS_URL=f"unix://{socket}?db=3",
        ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="bench.settings", AUTH_EVENT_LOG_LEVEL="WARNING",
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
            address = (rng.choice(loud) if failed and rng.random() < 0.5
                       else f"10.{rng.randrange(ADDRESSES) // 250}.{rng.randrange(250)}.{rng.randrange(1, 250)}")
            rows.append(AuthEvent(kind=kind, at=now - timedelta(seconds=rng.uniform(0, span)),
                                  username=f"user{int(rng.paretovariate(1.2)) % USERNAMES}",
                                  ip_address=address, user_agent="bench-overview", detail=""))
        with transaction.atomic():
            AuthEvent.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def report(name: str, times: list[float]) -> None:
    print(f"{name:<48} median {statistics.median(times) * 1000:8.1f} ms   "
          f"runs {' / '.join(f'{t * 1000:.0f}' for t in times)} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    configure(arguments.postgres)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDay
    from django.test import Client
    from django_redis import get_redis_connection

    from tokens import overview
    from tokens.models import AuthEvent

    call_command("migrate", verbosity=0)
    # DEBUG off serves the admin's CSS from the manifest that collectstatic writes (bench/results/static).
    call_command("collectstatic", interactive=False, verbosity=0)
    get_redis_connection("default").flushdb()
    seconds = populate(arguments.events)
    print(f"{connection.vendor}: {AuthEvent.objects.count():,} auth events inserted in {seconds:.0f} s")

    admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.com", secrets.token_hex(16))
    client = Client()
    client.force_login(admin)

    def page():
        response = client.get("/admin/tokens/authevent/overview/", secure=True)
        assert response.status_code == 200, response.status_code

    overview.figures()  # connections open, templates and statements warm
    report("figures(): 5 queries and 1 Redis read", timed(overview.figures, arguments.repeat))
    report("the whole page, rendered", timed(page, arguments.repeat))
    since = overview.figures().daily[0].points[0][0]
    report("per-day counts, the page's DayOf", timed(lambda: overview._counts(overview.DayOf, since), arguments.repeat))
    report("per-day counts, Django's stock TruncDay", timed(lambda: overview._counts(TruncDay, since),
                                                            arguments.repeat))
    rows = (AuthEvent.objects.filter(kind__in=overview._KINDS, at__gte=since)
            .annotate(bucket=overview.DayOf("at")).values("kind", "bucket"))
    print("plan of the per-day query:")
    print(rows.annotate(n=Count("pk")).order_by().explain())


if __name__ == "__main__":
    sys.exit(main())
