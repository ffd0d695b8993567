"""The WSGI application gunicorn serves (``config.wsgi:application``), its start-up heap frozen.

Start-up builds some 140,000 objects that live as long as the process: modules, classes, URL
patterns, translations. Python's collector walks every one of them again on each full collection:
some 60 ms once in every 3,000 to 10,000 authenticated reads (docs/benchmarks.md).
``gc.freeze()`` moves them where no collection looks, once the URLconf (which Django would
otherwise import on the first request) is loaded and start-up's own garbage collected; what
requests create is collected as before.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _freeze_start_up_heap() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # imports every view module now
    gc.collect()
    gc.freeze()


_freeze_start_up_heap()
