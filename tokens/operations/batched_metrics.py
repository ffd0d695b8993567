"""The metrics every authenticated request moves (and the invalidations every write to a session
brings every process), counted in process memory and added to prometheus-client's own values
within a second.

In multiprocess mode (every server of this project: ``config/prometheus.py``), each ``inc()`` and
``observe()`` of prometheus-client takes a lock, asks the kernel for the process id (to notice a
fork) and writes a memory-mapped file. On ``session/`` its four updates were about 2 % of the
request's instructions and all of its system calls (docs/benchmarks.md). Counted here, each costs
one lock and one dictionary update. What is counted is added to the metrics by a thread of this
process every ``FOLD_EVERY`` seconds, by ``/metrics`` before it answers (a scrape of the process
that serves it is exact) and at the process's exit. Another worker's counts reach a scrape at
most ``FOLD_EVERY`` late, a small part of any scrape interval.
"""

import atexit
import bisect
import os
import threading
import time
from typing import Any

from prometheus_client import Counter, Histogram

FOLD_EVERY = 1.0

_lock = threading.Lock()
# What is counted and not added yet: a counter (a labelled child, or one without labels) to its
# count; a histogram to its sum and its count per bucket.
_counts: dict[Counter, int] = {}
_observed: dict[Histogram, list[Any]] = {}
# The process whose folding thread runs (None: none started); os.getpid() is a system call, so
# the current process's id is kept up to date at each fork instead.
_folding_in: int | None = None
_pid = os.getpid()


def _forked() -> None:
    global _pid, _lock, _counts, _observed
    _pid = os.getpid()
    # The parent's lock may have been held by a thread that does not exist here, and its counts
    # are the parent's to add.
    _lock = threading.Lock()
    _counts, _observed = {}, {}


os.register_at_fork(after_in_child=_forked)


def count(counter: Counter) -> None:
    """``counter.inc()``, added within ``FOLD_EVERY`` seconds."""
    with _lock:
        _counts[counter] = _counts.get(counter, 0) + 1
    if _folding_in != _pid:
        _start_folding()


def observe(histogram: Histogram, amount: float) -> None:
    """``histogram.observe(amount)``, added within ``FOLD_EVERY`` seconds."""
    # prometheus-client's own bucket: the first whose upper bound is at least ``amount``.
    bucket = bisect.bisect_left(histogram._upper_bounds, amount)
    with _lock:
        pending = _observed.get(histogram)
        if pending is None:
            pending = _observed[histogram] = [0.0] + [0] * len(histogram._upper_bounds)
        pending[0] += amount
        pending[1 + bucket] += 1
    if _folding_in != _pid:
        _start_folding()


def fold() -> None:
    """Add everything counted so far to the metrics."""
    global _counts, _observed
    with _lock:
        counts, observed = _counts, _observed
        _counts, _observed = {}, {}
    for counter, amount in counts.items():
        counter.inc(amount)
    for histogram, (total, *buckets) in observed.items():
        # What observe() does once per observation, once per bucket here (its values, which
        # prometheus-client keeps per bucket, not cumulatively).
        histogram._sum.inc(total)
        for value, amount in zip(histogram._buckets, buckets, strict=True):
            if amount:
                value.inc(amount)


def _start_folding() -> None:
    global _folding_in
    with _lock:
        if _folding_in == _pid:
            return
        _folding_in = _pid
    threading.Thread(target=_fold_forever, name="metrics-fold", daemon=True).start()


def _fold_forever() -> None:
    while True:
        time.sleep(FOLD_EVERY)
        fold()


atexit.register(fold)
