"""The outage epoch as the record holds it (``tokens.core.degraded``)."""

from django.db import models

from tokens.core import clock


class StoreEpoch(models.Model):
    """The generation of the Redis copy: one row, bumped whenever the record changed without it.

    Every copy in Redis carries the epoch it was written in, and Redis holds the current one
    (``tokens.core.degraded``); a copy of another epoch is never trusted, so what the record alone
    saw during an outage is read from here, not from a copy that missed it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    epoch = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=clock.datetime_now)

    def __str__(self):
        return f"epoch {self.epoch}"
