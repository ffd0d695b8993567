"""Sessions (one per login) and the auth event log.

A session's row is the durable record of everything that decides it: owner, ends, the
current refresh token id (and the one it replaced, with the end of its grace window),
the device binding, and when and why it was revoked. Redis (``tokens.store.store``) holds a
copy for the hot path that may be lost at any moment; a miss is answered from this row.
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
        ends and the session's claims, so a refresh costs this one statement and no read.
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
        return Rotation(str(row[0]), _as_datetime(row[1]), _as_datetime(row[2]), _as_claims(row[3]))

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
        f"{column['refresh_expires_at']}, {column['claims']}"
    )


def column_of(meta, name: str) -> str:
    """The database column of a model's concrete field."""
    field = meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return field.column


class Session(models.Model):
    """One login: every token pair rotated from it shares its id (the ``sid`` claim)."""

    class RevokeReason(models.TextChoices):
        # Ended by the user.
        LOGOUT = "logout", "logged out"
        LOGOUT_ALL = "logout_all", "logged out everywhere"
        USER_REVOKED = "user_revoked", "revoked by its user"  # logout-others/, sessions/<id>/
        # Ended by a change to the account.
        PASSWORD_CHANGED = "password_changed", "password changed"
        PASSWORD_RESET = "password_reset", "password reset by mail"
        USER_DISABLED = "user_disabled", "user disabled"  # or found inactive when a token is used
        USER_DELETED = "user_deleted", "user deleted"
        FACTOR_ADDED = "factor_added", "second factor added"  # the first one: as a new password
        # Ended by staff, operators and clients.
        ADMIN = "admin", "revoked by staff"  # the admin's actions, staff removing second factors
        COMMAND = "command", "revoked by a management command"
        RFC7009 = "rfc7009", "revoked through the revocation endpoint"
        # Ended by the app's own protections.
        REUSE_DETECTED = "reuse_detected", "refresh token reuse detected"
        SESSION_LIMIT = "session_limit", "the oldest, past the session limit"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_sessions"
    )
    created_at = models.DateTimeField(default=clock.datetime_now)
    last_used_at = models.DateTimeField(default=clock.datetime_now)
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
    claims = models.JSONField(
        default=dict,
        blank=True,
        help_text="Claims every token of the session carries (auth_time, amr).",
    )

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
        LOGIN_SUCCEEDED = "login_succeeded", _("login succeeded")
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGOUT = "logout", _("logout")
        REVOKED = "revoked", _("session revoked")
        REUSE_DETECTED = "reuse_detected", _("refresh token reuse detected")
        USER_DISABLED = "user_disabled", _("user disabled")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        SIGNED_UP = "signed_up", _("signed up")
        EMAIL_VERIFIED = "email_verified", _("e-mail address verified")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("password reset requested")
        PASSWORD_RESET = "password_reset", _("password reset")
        EMAIL_CHANGE_REQUESTED = "email_change_requested", _("e-mail change requested")
        EMAIL_CHANGED = "email_changed", _("e-mail address changed")
        FACTOR_ADDED = "factor_added", _("second factor added")
        FACTOR_REMOVED = "factor_removed", _("second factor removed")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("recovery codes renewed")
        MFA_SUCCEEDED = "mfa_succeeded", _("second factor accepted")
        MFA_FAILED = "mfa_failed", _("second factor refused")
        REAUTHENTICATED = "reauthenticated", _("re-authenticated")
        SESSION_LIMIT = "session_limit", _("oldest session revoked: session limit reached")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=clock.datetime_now, db_index=True)
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


class EmailVerification(models.Model):
    """An address waiting for its owner to prove it, with the mailed key (``tokens.lifecycle``).

    A ``signup`` row marks an account made by ``register/`` as unverified until its key is used
    (the row is then deleted), so users made any other way, and every user from before, are
    verified without a field on the user model. A ``change`` row holds a new address that
    replaces ``replaces`` once verified. The row's id is what a key names: deleting the row
    spends every key of it.
    """

    class Purpose(models.TextChoices):
        SIGNUP = "signup", "sign-up"
        CHANGE = "change", "e-mail change"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    email = models.EmailField(max_length=254, help_text="The address to verify.")
    replaces = models.EmailField(
        max_length=254, blank=True, help_text="For a change: the address it replaces."
    )
    created_at = models.DateTimeField(default=clock.datetime_now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["user", "purpose"], name="tokens_emailverification_one_per_purpose"
            ),
        )

    def __str__(self):
        return f"{self.get_purpose_display()} {self.email}"


class AdminSession(models.Model):
    """A session of Django's own login (the admin's) and its user, recorded when the user signs
    in, so that ending all of a user's sessions ends these too without scanning every session
    (``tokens.admin_sessions``).
    """

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_sessions"
    )
    created_at = models.DateTimeField(default=clock.datetime_now)

    def __str__(self):
        return f"admin session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M:%S}"


class PasswordResetStamp(models.Model):
    """The stamp of the newest password reset key mailed to a user: every reset key is bound to
    it, so mailing a new key kills the older ones (``tokens.lifecycle.keys``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_reset_stamp",
    )
    stamp = models.CharField(max_length=64)
    made_at = models.DateTimeField(default=clock.datetime_now)

    def __str__(self):
        return f"password reset key of {self.user_id} mailed at {self.made_at:%Y-%m-%d %H:%M:%S}"


class SecondFactorRecord(models.Model):
    """What the rows of every second factor share: when they were made, and the admin's name."""

    # The factor as the admin lists it ("TOTP of alice").
    label = "second factor"
    created_at = models.DateTimeField(default=clock.datetime_now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.label} of {getattr(self, 'user', None)}"


class TotpFactor(SecondFactorRecord):
    """A user's TOTP authenticator (RFC 6238): its secret, and a new one awaiting a first code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_factor"
    )
    secret = models.CharField(
        max_length=64, blank=True, help_text="Base32; empty until a first code confirms one."
    )
    pending_secret = models.CharField(
        max_length=64, blank=True, help_text="Base32; replaces the secret once a code confirms it."
    )
    last_step = models.BigIntegerField(
        default=0, help_text="The last time step whose code was accepted: no code counts twice."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    label = "TOTP"


class RecoveryCode(SecondFactorRecord):
    """One single-use recovery code, kept as a keyed digest (``tokens.mfa.recovery_codes``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    # The digest covers the user's id, so it is unique among all users' codes.
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    label = "recovery code"


class Passkey(SecondFactorRecord):
    """A WebAuthn credential of a user: a second factor, and a login on its own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=100)
    credential_id = models.CharField(
        max_length=1400, unique=True, help_text="The credential's id, base64url."
    )
    public_key = models.BinaryField(help_text="COSE public key.")
    sign_count = models.PositiveBigIntegerField(default=0)
    user_handle = models.CharField(
        max_length=128, help_text="The user's WebAuthn handle, base64url (random, no identity)."
    )
    transports = models.JSONField(default=list, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at",)

    def __str__(self):
        return f"{self.name} ({self.user})"


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
