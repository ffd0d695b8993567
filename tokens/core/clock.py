"""The one source of "now" for tokens and sessions: a seam tests patch to move time."""

import time
from datetime import UTC, datetime


def now() -> int:
    """Return the current time in whole seconds since the epoch."""
    return int(time.time())


def to_datetime(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)
