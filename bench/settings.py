"""The project's own settings, plus a no-auth DRF view (the floor) on a bench-only URLconf."""

from config.settings import *
from config.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"

# An empty static root of the bench's own, so WhiteNoise finds its directory (bench/run.py creates
# it).
STATIC_ROOT = BASE_DIR / "bench" / "results" / "static"
