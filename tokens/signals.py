"""Receivers: the auth event log, the record of admin sessions, and revocation the moment a user
is disabled or deleted.
"""

from typing import Any

from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from tokens import admin_sessions
from tokens.core.events import record_event
from tokens.core.revocation import revoke_all
from tokens.models import AuthEvent, Session
from tokens.store import local_copy
from tokens.users import find_by_login_name

# The request attribute a door sets to name its way in on the login's event ("social: google").
LOGIN_DETAIL = "login_detail"


def record_login(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    detail = getattr(request, LOGIN_DETAIL, "") if request is not None else ""
    record_event(AuthEvent.Kind.LOGIN_SUCCEEDED, request, user, detail=detail)


def record_login_failure(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    """A failed ``authenticate()``, recorded against the account the name finds (the log then
    counts the account's wrong guesses while Redis cannot, ``tokens.throttling``), with the name as
    typed.
    """
    name = credentials.get("username")
    user = find_by_login_name(name) if isinstance(name, str) and name else None
    record_event(
        AuthEvent.Kind.LOGIN_FAILED,
        request,
        None,
        user_id=user.pk if user is not None else None,
        username=str(name or "")[:254],
    )


def revoke_when_disabled(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A ``save()`` of an inactive user revokes its open sessions before the row is written.

    Before, not after: if Redis cannot be reached the revocation raises and the user is not
    saved either, so a user is never disabled with its sessions still live.
    """
    if raw or instance.pk is None or getattr(instance, "is_active", True):
        instance._being_disabled = False
        return
    instance._being_disabled = sender._default_manager.filter(
        pk=instance.pk, is_active=True
    ).exists()
    revoke_all(instance, Session.RevokeReason.USER_DISABLED)


def record_disabling(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Log the save that turned an active user inactive (saving it again logs nothing)."""
    if getattr(instance, "_being_disabled", False):
        record_event(AuthEvent.Kind.USER_DISABLED, None, instance)
        instance._being_disabled = False


def revoke_when_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Deleting a user (``delete()`` or ``QuerySet.delete()``) revokes its sessions in the same
    transaction.
    """
    revoke_all(instance, Session.RevokeReason.USER_DELETED)


def forget_saved_user(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A user saved or deleted: no process answers with its row from before."""
    if instance.pk is not None:
        local_copy.users_changed([instance.pk], kwargs.get("using"))


def connect_receivers() -> None:
    user_model = get_user_model()
    user_logged_in.connect(record_login, dispatch_uid="tokens.record_login")
    user_logged_in.connect(admin_sessions.record, dispatch_uid="tokens.record_admin_session")
    user_login_failed.connect(record_login_failure, dispatch_uid="tokens.record_login_failure")
    pre_save.connect(
        revoke_when_disabled, sender=user_model, dispatch_uid="tokens.revoke_when_disabled"
    )
    post_save.connect(record_disabling, sender=user_model, dispatch_uid="tokens.record_disabling")
    pre_delete.connect(
        revoke_when_deleted, sender=user_model, dispatch_uid="tokens.revoke_when_deleted"
    )
    post_save.connect(forget_saved_user, sender=user_model, dispatch_uid="tokens.forget_saved")
    post_delete.connect(forget_saved_user, sender=user_model, dispatch_uid="tokens.forget_deleted")
