"""The auth event log: what happened to accounts and sessions."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tokens.core import clock


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
        SOCIAL_LINKED = "social_linked", _("outside identity linked")
        SOCIAL_UNLINKED = "social_unlinked", _("outside identity unlinked")

    kind = models.CharField(verbose_name=_("kind"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(verbose_name=_("at"), default=clock.datetime_now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auth_events",
        verbose_name=_("user"),
    )
    username = models.CharField(
        verbose_name=_("username"),
        max_length=254,
        blank=True,
        help_text=_("As given, for failed logins."),
    )
    session_id = models.UUIDField(verbose_name=_("session id"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(verbose_name=_("IP address"), null=True, blank=True)
    user_agent = models.CharField(verbose_name=_("user agent"), max_length=512, blank=True)
    detail = models.CharField(verbose_name=_("detail"), max_length=200, blank=True)

    objects = AuthEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("auth event")
        verbose_name_plural = _("auth events")
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
