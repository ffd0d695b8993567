"""Sessions (one per login): the row, and the statements that read and rotate it.

A session's row is the durable record of everything that decides it: owner, ends, the
current refresh token id (and the one it replaced, with the end of its grace window),
the token binding, and when and why it was revoked; and the outside identity provider it began
at, if a social login opened it. Redis (``tokens.store.copies``) holds a copy for the hot path
that may be lost at any moment; a miss is answered from this row.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tokens.core import clock
from tokens.core.statements import built_once
from tokens.models.outage_epoch import StoreEpoch


def owner_name() -> F:
    """The owner's username (its ``USERNAME_FIELD``), for reading it alongside a session."""
    return F(f"user__{get_user_model().USERNAME_FIELD}")


@dataclass(frozen=True)
class Rotation:
    """What the rotation statement returns: enough to sign the successor pair."""

    username: str
    expires_at: datetime
    refresh_expires_at: datetime
    claims: dict
    # The outside identity provider the session began at; "" for any other login.
    provider: str = ""


def _as_claims(value) -> dict:
    """The claims column read back from RETURNING: text (SQLite, Django's psycopg) or parsed."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _as_datetime(value) -> datetime:
    """A datetime read back from RETURNING: aware from PostgreSQL, text from SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def live_until(expires_at, refresh_expires_at):
    """When a session stops being usable, revoked or not: its absolute end or its idle end (the
    current refresh token's expiry), whichever comes first. Epoch seconds or datetimes alike.

    The one definition of a live session: not revoked, and ``at < live_until(...)``;
    ``SessionQuerySet.live`` is the same in SQL.
    """
    return min(expires_at, refresh_expires_at)


class SessionQuerySet(models.QuerySet):
    def live(self, at: datetime | None = None) -> "SessionQuerySet":
        """The sessions live at ``at`` (now): not revoked, before both ends (``live_until``)."""
        at = at or clock.datetime_now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, refresh_expires_at__gt=at)

    def oldest_first(self) -> "SessionQuerySet":
        return self.order_by("created_at", "pk")

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
        statement that durably records the rotation. ``RETURNING`` hands back the username, the
        ends, the session's claims and its provider, so a refresh costs this one statement and no
        read.
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
            cursor.execute(built_once("rotation", connection, _rotation_statement), params)
            row = cursor.fetchone()
        if row is None:
            return None
        return Rotation(
            str(row[0]),
            _as_datetime(row[1]),
            _as_datetime(row[2]),
            _as_claims(row[3]),
            row[4] or "",
        )

    def record(self, session_id, user_id) -> dict | None:
        """The session's row with its owner's name and activity and the outage epoch, or None:
        the one read that answers for Redis (a miss, degraded mode, an odd refresh).

        Written out, as the rotation is: while Redis is away every request pays this read, and
        compiling the ORM's query cost more than running it.
        """
        connection = connections[self.db]
        users = get_user_model()._meta.pk
        params = [
            self.model._meta.pk.get_db_prep_value(session_id, connection),
            users.get_db_prep_value(user_id, connection),
        ]
        with connection.cursor() as cursor:
            cursor.execute(built_once("session record", connection, _record_statement), params)
            row = cursor.fetchone()
        if row is None:
            return None
        record = dict(zip(_RECORD_FIELDS, row, strict=True))
        for name in ("expires_at", "refresh_expires_at", "grace_ends_at", "revoked_at"):
            if record[name] is not None:
                record[name] = _as_datetime(record[name])
        record["owner_active"] = bool(record["owner_active"])
        record["claims"] = _as_claims(record["claims"])
        record["provider"] = record["provider"] or ""
        record["user_id"] = users.to_python(record["user_id"])
        return record


# What ``SessionQuerySet.record`` returns, in the order its statement selects it.
_RECORD_FIELDS = (
    "user_id",
    "owner_name",
    "owner_active",
    "expires_at",
    "refresh_expires_at",
    "refresh_jti",
    "previous_jti",
    "grace_ends_at",
    "fingerprint_digest",
    "revoked_at",
    "revoked_reason",
    "claims",
    "provider",
    "store_epoch",
)


def _record_statement(connection) -> str:
    """The SQL of ``SessionQuerySet.record`` for this database and user model."""
    user_model = get_user_model()
    quote, users, sessions = connection.ops.quote_name, user_model._meta, Session._meta
    table, user_table = quote(sessions.db_table), quote(users.db_table)
    owner = f"{table}.{quote(column_of(sessions, 'user'))}"
    username = f"{user_table}.{quote(column_of(users, user_model.USERNAME_FIELD))}"
    active = "1 = 1"
    if any(field.name == "is_active" for field in users.concrete_fields):
        active = f"{user_table}.{quote(column_of(users, 'is_active'))}"
    own = ", ".join(f"{table}.{quote(column_of(sessions, name))}" for name in _RECORD_FIELDS[3:-1])
    epochs = quote(StoreEpoch._meta.db_table)
    epoch = f"SELECT {quote('epoch')} FROM {epochs} WHERE {quote('id')} = 1"
    joined = f"{user_table}.{quote(users.pk.column)} = {owner}"
    return (
        f"SELECT {owner}, {username}, CASE WHEN {active} THEN 1 ELSE 0 END, {own}, "
        f"COALESCE(({epoch}), 0) "
        f"FROM {table} INNER JOIN {user_table} ON {joined} "
        f"WHERE {table}.{quote(column_of(sessions, 'id'))} = %s AND {owner} = %s"
    )


def _rotation_statement(connection) -> str:
    """The SQL of ``SessionQuerySet.rotate`` for this database and user model.

    Written out rather than compiled by the ORM on every refresh: compiling the query cost
    more than running it. ``UPDATE ... RETURNING`` runs on PostgreSQL and SQLite 3.35+.
    """
    user_model = get_user_model()
    quote, users, sessions = connection.ops.quote_name, user_model._meta, Session._meta
    table, owner = quote(sessions.db_table), quote(column_of(sessions, "user"))
    owner_row = f"FROM {quote(users.db_table)} WHERE {quote(users.pk.column)} = {table}.{owner}"
    active = ""
    if any(field.name == "is_active" for field in users.concrete_fields):
        active = f" AND EXISTS (SELECT 1 {owner_row} AND {quote(column_of(users, 'is_active'))})"
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
            "claims",
            "provider",
        )
    }
    username = quote(column_of(users, user_model.USERNAME_FIELD))
    return (
        f"UPDATE {table} SET {column['refresh_jti']} = %s, {column['previous_jti']} = %s, "
        f"{column['grace_ends_at']} = %s, {column['last_used_at']} = %s, "
        f"{column['refresh_expires_at']} = CASE WHEN {column['expires_at']} < %s "
        f"THEN {column['expires_at']} ELSE %s END "
        f"WHERE {column['id']} = %s AND {column['refresh_jti']} = %s AND "
        f"{column['revoked_at']} IS NULL "
        f"AND {column['expires_at']} > %s{active} "
        f"RETURNING (SELECT {username} {owner_row}), {column['expires_at']}, "
        f"{column['refresh_expires_at']}, {column['claims']}, {column['provider']}"
    )


# The API contract's ``reason`` for a session revoked by some other hand than its own kind.
REVOKED = "revoked"
# The API contract's ``reason`` for a session whose absolute lifetime ended before the token did.
EXPIRED = "expired"


def api_reason(reason: str) -> str:
    """The ``reason`` of ``token_revoked`` for a recorded revocation reason; ``revoked`` for one
    this release does not know (a blank one left by an older release, a tombstone's unknown
    value), so a refusal always names one of the contract's reasons.
    """
    return _API_REASONS.get(reason, REVOKED)


def column_of(meta, name: str) -> str:
    """The database column of a model's concrete field."""
    field = meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return field.column


class Session(models.Model):
    """One login: every token pair rotated from it shares its id (the ``sid`` claim)."""

    class RevokeReason(models.TextChoices):
        # Ended by the user.
        LOGOUT = "logout", _("logged out")
        LOGOUT_ALL = "logout_all", _("logged out everywhere")
        USER_REVOKED = "user_revoked", _("revoked by its user")  # logout-others/, sessions/<id>/
        # Ended by a change to the account.
        PASSWORD_CHANGED = "password_changed", _("password changed")
        PASSWORD_RESET = "password_reset", _("password reset by mail")
        USER_DISABLED = (
            "user_disabled",
            _("user disabled"),
        )  # or found inactive when a token is used
        USER_DELETED = "user_deleted", _("user deleted")
        FACTOR_ADDED = "factor_added", _("second factor added")  # the first one: as a new password
        FACTORS_REMOVED = "factors_removed", _("second factors removed by staff")
        # Ended by staff, operators and clients.
        ADMIN = "admin", _("revoked by staff")  # the admin's session and user actions
        COMMAND = "command", _("revoked by a management command")
        RFC7009 = "rfc7009", _("revoked through the revocation endpoint")
        # Ended by the app's own protections.
        REUSE_DETECTED = "reuse_detected", _("refresh token reuse detected")
        SESSION_LIMIT = "session_limit", _("the oldest, past the session limit")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="token_sessions",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=clock.datetime_now)
    last_used_at = models.DateTimeField(verbose_name=_("last used at"), default=clock.datetime_now)
    expires_at = models.DateTimeField(
        verbose_name=_("expires at"), help_text=_("Absolute end of the session.")
    )
    refresh_expires_at = models.DateTimeField(
        verbose_name=_("refresh expires at"),
        help_text=_("Idle end: the current refresh token's expiry."),
    )
    ip_address = models.GenericIPAddressField(verbose_name=_("IP address"), null=True, blank=True)
    user_agent = models.CharField(verbose_name=_("user agent"), max_length=512, blank=True)
    refresh_jti = models.CharField(
        verbose_name=_("refresh token id"),
        max_length=64,
        help_text=_("Id of the one refresh token that may be used next."),
    )
    previous_jti = models.CharField(
        verbose_name=_("previous refresh token id"),
        max_length=64,
        blank=True,
        help_text=_("Id of the refresh token it replaced."),
    )
    grace_ends_at = models.DateTimeField(
        verbose_name=_("grace ends at"),
        null=True,
        blank=True,
        help_text=_("Until then the replaced token returns the same successor."),
    )
    fingerprint_digest = models.CharField(
        verbose_name=_("fingerprint digest"),
        max_length=64,
        blank=True,
        help_text=_("Token binding: the SHA-256 hex of the fingerprint cookie."),
    )
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        verbose_name=_("revoked reason"), max_length=32, choices=RevokeReason.choices, blank=True
    )
    claims = models.JSONField(
        verbose_name=_("claims"),
        default=dict,
        blank=True,
        help_text=_("Claims every token of the session carries (auth_time, amr)."),
    )
    # NULL, not "", for every other login: a nullable column is added without rewriting the table
    # (SQLite rebuilds it for a NOT NULL one), so an upgrade leaves every session as it was.
    provider = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        help_text=_(
            "The outside identity provider the session began at (its id in SOCIAL_PROVIDERS); "
            "empty for any other login."
        ),
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
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
    def usable_until(self) -> datetime:
        """When the session stops being usable unless its refresh token is rotated first."""
        return live_until(self.expires_at, self.refresh_expires_at)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.usable_until <= clock.datetime_now():
            return "expired"
        return "live"


# Each recorded reason whose name in the API contract is its own; the ways staff, operators and
# clients end a session (admin, command, RFC 7009, the user's other sessions) read ``revoked``.
_API_REASONS: dict[str, str] = {
    str(reason): str(reason)
    for reason in (
        Session.RevokeReason.LOGOUT,
        Session.RevokeReason.LOGOUT_ALL,
        Session.RevokeReason.PASSWORD_CHANGED,
        Session.RevokeReason.PASSWORD_RESET,
        Session.RevokeReason.USER_DISABLED,
        Session.RevokeReason.FACTOR_ADDED,
        Session.RevokeReason.FACTORS_REMOVED,
        Session.RevokeReason.REUSE_DETECTED,
        Session.RevokeReason.SESSION_LIMIT,
    )
}
