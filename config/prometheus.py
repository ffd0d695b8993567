"""Where prometheus-client's multiprocess mode keeps the metrics of every process of one server.

Each process (gunicorn worker, management command) writes its counters to memory-mapped files in
this directory, and ``/metrics`` adds up all the files, so the workers of a server answer with the
same totals. The directory must be in the environment before ``prometheus_client`` is imported,
which is why the settings (every process) and ``gunicorn.conf.py`` (the master) both set it here.
"""

import os
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir(var_dir: Path) -> Path:
    """``PROMETHEUS_MULTIPROC_DIR``, by default ``<var>/prometheus``: set in the environment and
    created.
    """
    path = Path(os.environ.setdefault(VARIABLE, str(Path(var_dir) / "prometheus")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear(path: Path) -> None:
    """Remove the files of processes gone, at a server's start: their counts restart from zero."""
    for stale in Path(path).glob("*.db"):
        stale.unlink(missing_ok=True)
