"""gunicorn's settings for this project (read from the working directory): the metrics directory.

prometheus-client's multiprocess mode (``config/prometheus.py``): the master empties the directory
before it starts workers, so files of an earlier run's processes neither count nor pile up, and
tells prometheus-client when a worker exits. Each server needs a directory of its own.

A worker that stops (a restart, a scale-down) first sends the mail it has queued
(``tokens.lifecycle.outbox``), within gunicorn's graceful timeout.
"""

from pathlib import Path

from config import prometheus

_directory = prometheus.multiprocess_dir(Path(__file__).resolve().parent / "var")

# Imported once the directory is in the environment (the mode is chosen at import), and here rather
# than in child_exit: that hook runs in the master's SIGCHLD handler, and an import begun inside a
# signal handler can find the import lock held by the code it interrupted (a KeyError at shutdown).
from prometheus_client import multiprocess  # noqa: E402


def on_starting(server):
    prometheus.clear(_directory)


def child_exit(server, worker):
    # Drops the exited worker's live gauges (the "live*" multiprocess modes); its counters stay
    # counted.
    multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    from tokens.lifecycle import outbox

    # The rest of the graceful timeout (30 s by default) bounds the wait; after it the master kills
    # the worker anyway.
    if not outbox.flush(timeout=max(1.0, server.cfg.graceful_timeout - 5)):
        server.log.error("worker %s exits with mail still queued", worker.pid)
