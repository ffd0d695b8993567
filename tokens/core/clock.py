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


def to_iso(epoch: float) -> str:
    """An instant as the API writes one: what DRF's JSON encoder makes of ``to_datetime(epoch)``
    (ISO 8601 in UTC, ``Z``), without a datetime and the encoder's call back into Python for
    it, for the reads every authenticated client repeats.
    """
    if isinstance(epoch, int):
        return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(epoch))
    return to_datetime(epoch).isoformat().replace("+00:00", "Z")


def datetime_now() -> datetime:
    """Return the current time as an aware UTC datetime (what the database records)."""
    return to_datetime(time())


def to_epoch(moment: datetime) -> int:
    """A datetime as whole seconds since the epoch, as tokens carry their times."""
    return int(moment.timestamp())
