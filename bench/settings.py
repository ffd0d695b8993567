"""The project's own settings, plus a no-auth DRF view (the floor) on a bench-only URLconf."""

from config.settings import *

ROOT_URLCONF = "bench.urls"
