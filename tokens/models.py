"""Sessions (one per login) and the auth event log.

A session's row is the durable record of everything that decides it: owner, ends, the
current refresh token id (and the one it replaced, with the end of its grace window),
the device binding, and when and why it was revoked. Redis (``tokens.store.store``) holds a
copy for the hot path that may be lost at any moment; a miss is answered from this row.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone


def owner_is_active() -> Exists | Value:
    """A boolean expression on sessions: their owner is active (a user model without ``is_active``
    always is).
    """
    user_model = get_user_model()
    if not any(field.name == "is_active" for field in user_model._meta.concrete_fields):
        return Value(True, output_field=models.BooleanField())
    return Exists(user_model._default_manager.filter(pk=OuterRef("user_id"), is_active=True))


def owner_name() -> F:
    """The owner's username (its ``USERNAME_FIELD``), for reading it alongside a session."""
    return F(f"user__{get_user_model().USERNAME_FIELD}")


@dataclass(frozen=True)
class Rotation:
    """What the rotation statement returns: enough to sign the successor pair."""

    username: str
    expires_at: datetime
    refresh_expires_at: datetime


def _as_datetime(value) -> datetime:
    """A datetime read back from RETURNING: aware from PostgreSQL, text from SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class SessionQuerySet(models.QuerySet):
    def live(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, refresh_expires_at__gt=at)

    def rotate(
        self,
        session_id,
        presented_jti: str,
        new_jti: str,
        *,
        now: datetime,
        idle_end: datetime,
        grace_end: datetime,
    ) -> Rotation | None:
        """Consume ``presented_jti`` in one conditional UPDATE; None when this call did not win.

        It wins only while the presented id is the session's current one, the session is open
        and its owner active, so it refuses a second winner and a disabled owner in the same
        statement that durably records the rotation. ``RETURNING`` hands back the username and
        the ends, so a refresh costs this one statement and no read.
        """
        connection = connections[self.db]
        moment = connection.ops.adapt_datetimefield_value
        session_id = self.model._meta.pk.get_db_prep_value(session_id, connection)
        idle, at = moment(idle_end), moment(now)
        params = [
            new_jti,
            presented_jti,
            moment(grace_end),
            at,
            idle,
            idle,
            session_id,
            presented_jti,
            at,
        ]
        with connection.cursor() as cursor:
            cursor.execute(_rotation_statement(connection), params)
            row = cursor.fetchone()
        if row is None:
            return None
        return Rotation(str(row[0]), _as_datetime(row[1]), _as_datetime(row[2]))


def _rotation_statement(connection) -> str:
    """The SQL of ``SessionQuerySet.rotate`` for this database and user model, built once.

    Written out rather than compiled by the ORM on every refresh: compiling the query cost
    more than running it. ``UPDATE ... RETURNING`` runs on PostgreSQL and SQLite 3.35+.
    """
    user_model = get_user_model()
    key = (connection.alias, connection.vendor, user_model._meta.label)
    if key not in _ROTATION_STATEMENTS:
        quote, users, sessions = connection.ops.quote_name, user_model._meta, Session._meta
        table, owner = quote(sessions.db_table), quote(column_of(sessions, "user"))
        owner_row = f"FROM {quote(users.db_table)} WHERE {quote(users.pk.column)} = {table}.{owner}"
        active = ""
        if any(field.name == "is_active" for field in users.concrete_fields):
            active = (
                f" AND EXISTS (SELECT 1 {owner_row} AND {quote(column_of(users, 'is_active'))})"
            )
        column = {
            name: quote(column_of(sessions, name))
            for name in (
                "id",
                "refresh_jti",
                "previous_jti",
                "grace_ends_at",
                "last_used_at",
                "expires_at",
                "refresh_expires_at",
                "revoked_at",
            )
        }
        username = quote(column_of(users, user_model.USERNAME_FIELD))
        _ROTATION_STATEMENTS[key] = (
            f"UPDATE {table} SET {column['refresh_jti']} = %s, {column['previous_jti']} = %s, "
            f"{column['grace_ends_at']} = %s, {column['last_used_at']} = %s, "
            f"{column['refresh_expires_at']} = CASE WHEN {column['expires_at']} < %s "
            f"THEN {column['expires_at']} ELSE %s END "
            f"WHERE {column['id']} = %s AND {column['refresh_jti']} = %s AND "
            f"{column['revoked_at']} IS NULL "
            f"AND {column['expires_at']} > %s{active} "
            f"RETURNING (SELECT {username} {owner_row}), {column['expires_at']}, "
            f"{column['refresh_expires_at']}"
        )
    return _ROTATION_STATEMENTS[key]


_ROTATION_STATEMENTS: dict[tuple, str] = {}


def column_of(meta, name: str) -> str:
    """The database column of a model's concrete field."""
    field = meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return field.column


class Session(models.Model):
    """One login: every token pair rotated from it shares its id (the ``sid`` claim)."""

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "logged out"
        LOGOUT_ALL = "logout_all", "logged out everywhere"
        USER_REVOKED = "user_revoked", "revoked by its user"
        PASSWORD_CHANGED = "password_changed", "password changed"
        REUSE_DETECTED = "reuse_detected", "refresh token reuse detected"
        ADMIN = "admin", "revoked by staff"
        USER_DISABLED = "user_disabled", "user disabled"
        RFC7009 = "rfc7009", "revoked through the revocation endpoint"
        COMMAND = "command", "revoked by a management command"
        USER_DELETED = "user_deleted", "user deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_sessions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="Absolute end of the session.")
    refresh_expires_at = models.DateTimeField(
        help_text="Idle end: the current refresh token's expiry."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    refresh_jti = models.CharField(
        max_length=64, help_text="Id of the one refresh token that may be used next."
    )
    previous_jti = models.CharField(
        max_length=64, blank=True, help_text="Id of the refresh token it replaced."
    )
    grace_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Until then the replaced token returns the same successor."
    )
    fingerprint_digest = models.CharField(
        max_length=64, blank=True, help_text="Device binding (SHA-256 hex)."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        # Granted to services (or their users) that may call the introspection endpoint (RFC 7662).
        permissions = (("introspect_token", "Can introspect tokens"),)
        indexes = (
            models.Index(fields=["user", "created_at"]),
            models.Index(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="tokens_session_open_idx",
            ),
        )

    def __str__(self):
        return f"{self.user} / {self.id}"

    @property
    def ends_at(self):
        """When the session stops being usable unless its refresh token is rotated first."""
        return min(self.expires_at, self.refresh_expires_at)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.ends_at <= timezone.now():
            return "expired"
        return "live"


class AuthEventQuerySet(models.QuerySet):
    def delete_before(self, moment: datetime, batch_size: int) -> int:
        """Delete the events before ``moment``, oldest first, one short transaction per batch;
        return how many.

        Batches keep each statement's locks and undo small, so a large backlog never blocks the
        logins and revocations that insert events meanwhile.
        """
        deleted = 0
        while batch := list(
            self.filter(at__lt=moment).order_by("at").values_list("pk", flat=True)[:batch_size]
        ):
            self.model._default_manager.filter(pk__in=batch).delete()
            deleted += len(batch)
        return deleted


class AuthEvent(models.Model):
    """Append-only log of what happened to accounts and sessions (pruned by ``manage.py
    prune_auth_events``).
    """

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", "login succeeded"
        LOGIN_FAILED = "login_failed", "login failed"
        LOGOUT = "logout", "logout"
        REVOKED = "revoked", "session revoked"
        REUSE_DETECTED = "reuse_detected", "refresh token reuse detected"
        USER_DISABLED = "user_disabled", "user disabled"
        PASSWORD_CHANGED = "password_changed", "password changed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auth_events",
    )
    username = models.CharField(
        max_length=254, blank=True, help_text="As given, for failed logins."
    )
    session_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    objects = AuthEventQuerySet.as_manager()

    class Meta:
        ordering = ("-at",)
        indexes = (
            # The security overview counts events of some kinds over a time range, grouped by hour
            # or day.
            models.Index(fields=["kind", "at"], name="tokens_authevent_kind_at_idx"),
        )

    def __str__(self):
        return (
            f"{self.get_kind_display()} {self.username or self.user_id} at "
            f"{self.at:%Y-%m-%d %H:%M:%S}"
        )


class StoreEpoch(models.Model):
    """The generation of the Redis copy: one row, bumped whenever the record changed without it.

    Every copy in Redis carries the epoch it was written in, and Redis holds the current one
    (``tokens.core.degraded``); a copy of another epoch is never trusted, so what the record alone
    saw during an outage is read from here, not from a copy that missed it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    epoch = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"epoch {self.epoch}"
