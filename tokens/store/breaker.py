"""The token store's circuit breaker: after Redis fails, this process stops asking it for a while.

A hung Redis costs every command its socket timeout; a sync worker paying it on each request
serves two requests a second. So one failure (a refused connection, a timeout) opens the breaker:
for ``STORE_RETRY_INTERVAL`` seconds every store call fails at once and the caller answers from the
database (degraded mode), then one call tries Redis again, and its success closes the breaker.
One failure is enough to open it, since it has already cost a timeout.

A few lines here rather than pybreaker: the services need the moment Redis stopped answering
(``tokens.core.degraded`` waits out the outage epoch's lease from that moment, which pybreaker
does not keep), one trial at a time whose caller fails like the others, and the log lines and
metrics of entering and leaving degraded mode; pybreaker's failure thresholds and shared state
storages would go unused. The state is per process, as each process has its own
connections to Redis.
"""

import logging
import threading
import time
from collections.abc import Callable

from tokens.conf import token_settings
from tokens.operations import metrics

log = logging.getLogger("tokens.store")


class Breaker:
    """Closed (Redis is asked) or open since ``opened_at`` (Redis is asked once per interval)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # time.monotonic() when the call that opened it began (Redis did not answer from then
        # on); None while closed.
        self.opened_at: float | None = None
        # When Redis last failed or was last tried while open; the interval counts from there
        # (read when used, so a changed setting applies at once).
        self._last_try = 0.0
        self._on_close: list[Callable[[], None]] = []

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def allows(self) -> bool:
        """Whether to ask Redis now: always while closed, once per interval while open."""
        if self.opened_at is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._last_try + token_settings.STORE_RETRY_INTERVAL:
                return False
            # This call is the trial; the others go on answering from the database meanwhile.
            self._last_try = now
            return True

    def failed(self, cause: str, began: float) -> None:
        """Redis could not be reached by a call that began at ``began`` (``time.monotonic()``):
        open, or stay open for another interval.
        """
        with self._lock:
            self._last_try = time.monotonic()
            entered = self.opened_at is None
            if entered:
                self.opened_at = began
        if entered:
            metrics.DEGRADED.set(1)
            metrics.DEGRADED_ENTRIES.inc()
            log.warning(
                "store_degraded cause=%s: Redis cannot be reached; serving from the database",
                cause,
                extra={"fields": {"event": "store_degraded", "cause": cause}},
            )

    def succeeded(self) -> None:
        """Redis answered: close, and tell the listeners if it was open."""
        if self.opened_at is None:
            return
        with self._lock:
            if self.opened_at is None:
                return
            seconds = time.monotonic() - self.opened_at
            self.opened_at = None
        metrics.DEGRADED.set(0)
        log.warning(
            "store_recovered after %.1f s: Redis answers again",
            seconds,
            extra={"fields": {"event": "store_recovered", "degraded_seconds": round(seconds, 3)}},
        )
        for listener in self._on_close:
            listener()

    def on_close(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` each time the breaker closes after an outage."""
        if listener not in self._on_close:
            self._on_close.append(listener)

    def reset(self) -> None:
        """Closed, as at start (tests start each case with a Redis that answers)."""
        with self._lock:
            self.opened_at = None
            self._last_try = 0.0
        metrics.DEGRADED.set(0)


breaker = Breaker()
