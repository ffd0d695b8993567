"""Sessions (one per login) and the auth event log.

The database is the record; whether a session is live right now is Redis's word
(see ``tokens.store``), so a token is honoured only while both agree.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SessionQuerySet(models.QuerySet):
    def live(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, refresh_expires_at__gt=at)


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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="Absolute end of the session.")
    refresh_expires_at = models.DateTimeField(help_text="Idle end: the current refresh token's expiry.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        # Granted to services (or their users) that may call the introspection endpoint (RFC 7662).
        permissions = (("introspect_token", "Can introspect tokens"),)
        indexes = (
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="tokens_session_open_idx"),
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


class AuthEvent(models.Model):
    """Append-only log of what happened to accounts and sessions."""

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
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="auth_events")
    username = models.CharField(max_length=254, blank=True, help_text="As given, for failed logins.")
    session_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-at",)

    def __str__(self):
        return f"{self.get_kind_display()} {self.username or self.user_id} at {self.at:%Y-%m-%d %H:%M:%S}"
