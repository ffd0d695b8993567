"""Database faults: an idempotent read that lost its connection is tried once more on a new one."""

from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

from tokens.exceptions import DATABASE_FAULTS

T = TypeVar("T")


def retry_read(read: Callable[[], T], using: str = DEFAULT_DB_ALIAS) -> T:
    """``read()``, again on a fresh connection if the first one died under it (a backend
    terminated, a server restarted); Django's health check only catches a connection dead
    before the request, not one that dies during it.

    Inside a transaction the read is not retried: the transaction died with its connection, and
    the caller answers 503 ``service_unavailable`` instead.
    """
    try:
        return read()
    except DATABASE_FAULTS:
        connection = connections[using]
        if connection.in_atomic_block:
            raise
        connection.close()
        return read()
