"""Receivers: the auth event log, and revocation the moment a user is disabled."""

from django.contrib.auth import (
    get_user_model,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_save, pre_save

from tokens import services
from tokens.models import AuthEvent, Session


def record_login(sender, request, user, **kwargs):
    services.record_event(AuthEvent.Kind.LOGIN_SUCCEEDED, request, user)


def record_login_failure(sender, credentials, request=None, **kwargs):
    services.record_event(AuthEvent.Kind.LOGIN_FAILED, request, None,
                          username=str(credentials.get("username", ""))[:254])


def record_logout(sender, request, user, **kwargs):
    services.record_event(AuthEvent.Kind.LOGOUT, request, user)


def remember_disabling(sender, instance, **kwargs):
    """Note whether this save turns an active user inactive (only disabled users cost a query)."""
    instance._being_disabled = (
        not instance.is_active
        and instance.pk is not None
        and sender._default_manager.filter(pk=instance.pk, is_active=True).exists()
    )


def revoke_when_disabled(sender, instance, created, **kwargs):
    """Any ``save()`` of an inactive user revokes its open sessions before it returns."""
    if instance.is_active or created:
        return
    services.revoke_all(instance, Session.RevokeReason.USER_DISABLED)
    if getattr(instance, "_being_disabled", False):
        services.record_event(AuthEvent.Kind.USER_DISABLED, None, instance)
        instance._being_disabled = False


def connect_receivers():
    user_model = get_user_model()
    user_logged_in.connect(record_login, dispatch_uid="tokens.record_login")
    user_login_failed.connect(record_login_failure, dispatch_uid="tokens.record_login_failure")
    user_logged_out.connect(record_logout, dispatch_uid="tokens.record_logout")
    pre_save.connect(remember_disabling, sender=user_model, dispatch_uid="tokens.remember_disabling")
    post_save.connect(revoke_when_disabled, sender=user_model, dispatch_uid="tokens.revoke_when_disabled")
