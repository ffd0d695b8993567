"""The database settings of the stock projects the project is measured against (the anchor, the
peer, allauth): one definition, so the sides differ only in their library.
"""

from pathlib import Path

import dj_database_url

RESULTS = Path(__file__).resolve().parent / "results"


def stock_databases(name: str) -> dict:
    """``DATABASES`` for a side: ``DATABASE_URL``, or SQLite at ``results/<name>.sqlite3``.

    The project's connection reuse (config/settings.py), with Django's health check on: a stock
    project's libraries and the ORM have no retry of a read whose connection died, so the check (a
    SELECT 1 before each request's first query) is what spares it a 500 after a database restart.
    The project has the retry and runs without the check.
    """
    default = dj_database_url.config(
        default=f"sqlite:///{RESULTS / f'{name}.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
    if default["ENGINE"] == "django.db.backends.sqlite3":
        # Production SQLite: WAL (readers never wait for the writer), writes take the lock up front.
        default["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return {"default": default}
