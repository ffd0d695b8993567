"""``config.wsgi``: the application gunicorn serves starts with its start-up heap frozen."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from tokens.tests.servers import database_url

PROJECT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, sys
import config.wsgi
print(gc.get_freeze_count(), "tokens.views" in sys.modules, "tokens.lifecycle.views" in sys.modules)
"""


class WsgiApplicationTests(SimpleTestCase):
    def test_the_start_up_heap_is_frozen_with_every_view_imported(self):
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        }
        environment.pop("PYTEST_VERSION", None)
        environment.pop("DJANGO_SETTINGS_MODULE", None)
        probe = subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        frozen, views, lifecycle_views = probe.stdout.split()
        # What start-up builds (modules, classes, URL patterns) is out of every collection's way;
        # the views, which Django would import on the first request, are among it.
        self.assertGreater(int(frozen), 50_000)
        self.assertEqual((views, lifecycle_views), ("True", "True"))
