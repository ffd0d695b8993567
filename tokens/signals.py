"""Receivers: the auth event log, and revocation the moment a user is disabled or deleted."""

from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_delete, pre_save

from tokens import services
from tokens.models import AuthEvent, Session


def record_login(sender, request, user, **kwargs):
    services.record_event(AuthEvent.Kind.LOGIN_SUCCEEDED, request, user)


def record_login_failure(sender, credentials, request=None, **kwargs):
    services.record_event(AuthEvent.Kind.LOGIN_FAILED, request, None,
                          username=str(credentials.get("username", ""))[:254])


def revoke_when_disabled(sender, instance, raw=False, **kwargs):
    """A ``save()`` of an inactive user revokes its open sessions before the row is written.

    Before, not after: if Redis cannot be reached the revocation raises and the user is not
    saved either, so a user is never disabled with its sessions still live.
    """
    if raw or instance.pk is None or getattr(instance, "is_active", True):
        instance._being_disabled = False
        return
    instance._being_disabled = sender._default_manager.filter(pk=instance.pk, is_active=True).exists()
    services.revoke(Session.objects.filter(user_id=instance.pk), Session.RevokeReason.USER_DISABLED)


def record_disabling(sender, instance, created, **kwargs):
    """Log the save that turned an active user inactive (saving it again logs nothing)."""
    if getattr(instance, "_being_disabled", False):
        services.record_event(AuthEvent.Kind.USER_DISABLED, None, instance)
        instance._being_disabled = False


def revoke_when_deleted(sender, instance, **kwargs):
    """Deleting a user (``delete()`` or ``QuerySet.delete()``) revokes its sessions in the same transaction."""
    services.revoke(Session.objects.filter(user_id=instance.pk), Session.RevokeReason.USER_DELETED)


def connect_receivers():
    user_model = get_user_model()
    user_logged_in.connect(record_login, dispatch_uid="tokens.record_login")
    user_login_failed.connect(record_login_failure, dispatch_uid="tokens.record_login_failure")
    pre_save.connect(revoke_when_disabled, sender=user_model, dispatch_uid="tokens.revoke_when_disabled")
    post_save.connect(record_disabling, sender=user_model, dispatch_uid="tokens.record_disabling")
    pre_delete.connect(revoke_when_deleted, sender=user_model, dispatch_uid="tokens.revoke_when_deleted")
