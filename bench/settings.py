"""The project's own settings, plus a no-auth DRF view (the floor) on a bench-only URLconf."""

import os

from config.settings import *
from config.settings import BASE_DIR, DATABASES

ROOT_URLCONF = "bench.urls"

# An empty static root of the bench's own, so WhiteNoise finds its directory (bench/run.py creates
# it).
STATIC_ROOT = BASE_DIR / "bench" / "results" / "static"

# ``python -m bench.connections`` only: Django's own psycopg pool instead of persistent connections
# (one of the ways of surviving a dead database connection it compares).
if os.environ.get("BENCH_DATABASE_POOL") == "1":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 4}
