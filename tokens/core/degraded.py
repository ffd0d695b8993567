"""Degraded mode: the record answers alone while Redis cannot, and the copy is trusted again after.

When Redis cannot be reached (or its breaker is open), a lookup is answered from the session's
row and a write goes to the record alone. Redis then holds copies that missed those writes, and
when it answers again, even a process that never saw the outage must not trust them. The outage
epoch does that:

- the record holds the epoch (``tokens.models.StoreEpoch``), and every write made without the
  copy moves it on, in the write's own transaction;
- Redis holds the epoch under one key with a lease of ``STORE_EPOCH_LEASE`` seconds, renewed by
  lookups (in the lookup's round trip, each process at most every half lease); every copy carries
  the epoch it was written in, and a live copy is trusted only when it carries the epoch Redis
  holds. A tombstone is always trusted: it only ever refuses;
- when Redis holds no epoch (restarted, flushed, or the lease lapsed), the next lookup reads the
  record's epoch together with the session's row (one statement) and gives it to Redis
  (``tokens.store.epoch.publish_epoch``), whose copies of older epochs then count as misses;
- a process that wrote the record alone during an outage gives Redis the record's epoch as soon as
  its breaker closes.

A process writes the record alone only ``STORE_EPOCH_LEASE`` seconds after it saw Redis fail,
and only if Redis still fails when asked once more: the lease of the epoch Redis held has lapsed
by then, so however the outage ends, the epoch is read again from the record before any copy is
trusted. The argument, its limits and the outage and crash matrix are in docs/internals.md.
"""

import threading
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tokens.conf import token_settings
from tokens.core.database import retry_read
from tokens.exceptions import DATABASE_FAULTS, StoreUnavailableError
from tokens.models import StoreEpoch
from tokens.operations import metrics
from tokens.store import epoch as store_epoch
from tokens.store import local_copy
from tokens.store.breaker import breaker

# Whether this process wrote the record alone since Redis last answered it.
_wrote_alone = False
# Per thread: how many writes went to the record alone, for callers that say what was saved.
_counted = threading.local()


def writes_alone() -> int:
    """How many writes this thread has made to the record alone (compare before and after)."""
    return getattr(_counted, "writes", 0)


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


def _wait_out_lease() -> bool:
    """Sleep until a lease has passed since this process saw Redis fail; whether it slept."""
    opened_at = breaker.opened_at
    if opened_at is None:
        return False
    wait = opened_at + token_settings.STORE_EPOCH_LEASE - time.monotonic()
    if wait <= 0:
        return False
    time.sleep(wait)
    return True


def ask_again() -> bool:
    """After a write's copy failed: wait out the lease, and say whether to ask Redis once more.

    Only the first such write of an outage waits, and then asks again: Redis may be back by
    now (a short outage), and then nothing needs writing alone.
    """
    if _wait_out_lease():
        breaker.retry_now()
        return True
    return False


def writing_record_alone() -> None:
    """Before a write is committed without its copy: wait out the lease, move the epoch on.

    The wait happens once per outage and process (later writes are past it); the epoch moves with
    every such write, so each one is covered whichever process gives Redis the epoch afterwards.
    """
    global _wrote_alone
    _wait_out_lease()
    _bump()
    # Redis will not tell the other processes of this write; this one forgets at once.
    local_copy.clear()
    _wrote_alone = True
    _counted.writes = writes_alone() + 1
    metrics.DEGRADED_ANSWERS.labels("redis_unreachable").inc()


def learn_epoch() -> None:
    """Before a copy is written by a process that has not seen Redis's epoch yet (it just started):
    ask Redis, or, when it holds none, give it the record's. A copy written without an epoch would
    never be trusted.
    """
    if store_epoch.known_epoch() is not None:
        return
    asked_at = time.time()
    try:
        if store_epoch.read_epoch() is not None:
            return
    except StoreUnavailableError:
        return  # the write that follows meets the same failure and goes degraded
    publish(_read_record_epoch(), asked_at)


def publish(epoch: int, asked_at: float) -> int | None:
    """Give Redis an epoch read from the record after Redis was asked at ``asked_at``; the epoch
    Redis holds now, or None when it cannot be told.
    """
    try:
        return store_epoch.publish_epoch(epoch, asked_at)
    except StoreUnavailableError:
        return None


def _publish_record_epoch() -> None:
    """Read the record's epoch and give it to Redis; on failure, try again at the next close."""
    global _wrote_alone
    asked_at = time.time()  # Redis has just answered (the breaker closed)
    try:
        epoch = _read_record_epoch()
    except DATABASE_FAULTS:
        _wrote_alone = True
        return
    if publish(epoch, asked_at) is None:
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
