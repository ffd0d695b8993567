"""Hourly tallies of rotations in Redis, for the admin's security overview: statistics, not a
record (a refresh writes one SQL statement, and an event row per refresh would double it).

A rotation counts itself in the round trip of its copy's write (``tokens.store.copies.write``).
"""

from tokens.store.connection import redis_client, unavailable

# Seconds an hourly refresh tally is kept: the overview's 30 days, and a day to spare.
TALLY_TTL = 31 * 86400


def tallies(names: list[str]) -> list[int]:
    """The values of some tallies, in one round trip; 0 for those never counted or expired."""
    with unavailable():
        return [int(value or 0) for value in redis_client().mget(names)]
