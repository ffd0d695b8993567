"""Degraded mode: the record answers alone while Redis cannot, and the copy is trusted again after.

When Redis cannot be reached (or its breaker is open), a lookup is answered from the session's
row and a write goes to the record alone. Redis then holds copies that missed those writes, and
when it answers again, even a process that never saw the outage must not trust them. The outage
epoch does that:

- the record holds the epoch (``tokens.models.StoreEpoch``), and every write made without the
  copy moves it on, in the write's own transaction;
- Redis holds the epoch under one key with a lease of ``STORE_EPOCH_LEASE`` seconds, renewed by
  every lookup (the lookup's round trip, no more); every copy carries the epoch it was written in,
  and a live copy is trusted only when it carries the epoch Redis holds. A tombstone is always
  trusted: it only ever refuses;
- when Redis holds no epoch (restarted, flushed, or the lease lapsed), the next lookup reads the
  record's epoch together with the session's row (one statement) and gives it to Redis
  (``store.publish_epoch``), whose copies of older epochs then count as misses;
- a process that wrote the record alone during an outage gives Redis the record's epoch as soon as
  its breaker closes.

A process writes the record alone only ``STORE_EPOCH_LEASE`` seconds after its breaker opened.
Redis was unreachable from that moment on, so by then the lease of the epoch it holds has lapsed:
however the outage ends, the epoch is read again from the record before any copy is trusted.
The outage and crash matrix is in docs/internals.md.
"""

import time

from django.db import transaction
from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tokens.conf import token_settings
from tokens.core.database import retry_read
from tokens.exceptions import DATABASE_FAULTS, StoreUnavailableError
from tokens.models import StoreEpoch
from tokens.operations import metrics
from tokens.store import store
from tokens.store.breaker import breaker

# Whether this process wrote the record alone since Redis last answered it.
_wrote_alone = False


def record_epoch():
    """An expression for the record's epoch (0 before the first outage), to read alongside a row."""
    return Coalesce(Subquery(StoreEpoch.objects.filter(pk=1).values("epoch")[:1]), Value(0))


def _read_record_epoch() -> int:
    return retry_read(
        lambda: StoreEpoch.objects.filter(pk=1).values_list("epoch", flat=True).first() or 0
    )


def _bump() -> None:
    """Move the record's epoch on, in the current transaction."""
    moved = {"epoch": F("epoch") + 1, "changed_at": timezone.now()}
    if StoreEpoch.objects.filter(pk=1).update(**moved):
        return
    _row, created = StoreEpoch.objects.get_or_create(pk=1, defaults={"epoch": 1})
    if not created:
        StoreEpoch.objects.filter(pk=1).update(**moved)


def writing_record_alone() -> None:
    """Before a write is committed without its copy: wait out the lease, move the epoch on.

    The wait happens once per outage and process (later writes are past it); the epoch moves with
    every such write, so each one is covered whichever process gives Redis the epoch afterwards.
    """
    global _wrote_alone
    opened_at = breaker.opened_at
    if opened_at is not None:
        wait = opened_at + token_settings.STORE_EPOCH_LEASE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    _bump()
    _wrote_alone = True
    metrics.DEGRADED_ANSWERS.labels("redis_unreachable").inc()


def learn_epoch() -> None:
    """Before a copy is written by a process that has not seen Redis's epoch yet (it just started):
    ask Redis, or, when it holds none, give it the record's. A copy written without an epoch would
    never be trusted.
    """
    if store.known_epoch() is not None:
        return
    try:
        if store.read_epoch() is not None:
            return
    except StoreUnavailableError:
        return  # the write that follows meets the same failure and goes degraded
    read_at = time.time()
    publish(_read_record_epoch(), read_at)


def publish(epoch: int, read_at: float) -> int | None:
    """Give Redis an epoch read from the record at ``read_at``; the epoch Redis holds now, or None
    when it cannot be told.
    """
    try:
        return store.publish_epoch(epoch, read_at)
    except StoreUnavailableError:
        return None


def _publish_record_epoch() -> None:
    """Read the record's epoch and give it to Redis; on failure, try again at the next close."""
    global _wrote_alone
    read_at = time.time()
    try:
        epoch = _read_record_epoch()
    except DATABASE_FAULTS:
        _wrote_alone = True
        return
    if publish(epoch, read_at) is None:
        _wrote_alone = True


def _after_outage() -> None:
    """The breaker closed: if this process wrote the record alone meanwhile, Redis learns the new
    epoch now, once those writes are committed, rather than when its lease next lapses.
    """
    global _wrote_alone
    if _wrote_alone:
        _wrote_alone = False
        transaction.on_commit(_publish_record_epoch)


breaker.on_close(_after_outage)
