"""The one source of "now" for tokens, sessions, events and rate limits: the seam tests move time
through (they replace ``time``; everything else here reads it).
"""

import time as _time
from datetime import UTC, datetime


def time() -> float:
    """Return the current time in seconds since the epoch, with its fraction."""
    return _time.time()


def now() -> int:
    """Return the current time in whole seconds since the epoch (what JWT claims hold)."""
    return int(time())


def to_datetime(epoch: float) -> datetime:
    """An aware UTC datetime of seconds since the epoch."""
    return datetime.fromtimestamp(epoch, tz=UTC)


def datetime_now() -> datetime:
    """Return the current time as an aware UTC datetime (what the database records)."""
    return to_datetime(time())


def to_epoch(moment: datetime) -> int:
    """A datetime as whole seconds since the epoch, as tokens carry their times."""
    return int(moment.timestamp())
