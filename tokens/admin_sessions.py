"""The Django sessions of each user (the admin's sign-in): recorded when Django logs the user in,
ended whenever all of the user's sessions end (``tokens.core.revocation.revoke_all``).

The record is a table, not Redis, so losing Redis forgets no session; the sessions themselves
are ended through the configured ``SESSION_ENGINE``, whatever stores them. A backend that keeps
the session in the browser (signed cookies) cannot be ended this way.
"""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import QuerySet

from tokens.models import AdminSession


def session_store(session_key: str | None = None):
    """A session of the configured engine, read when used (tests may change the engine)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def record(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """On ``user_logged_in``: remember the session Django just signed ``user`` in to.

    Only a session that Django's ``login()`` filled for this very user counts: a token login
    sends the same signal with whatever session the browser had, perhaps another user's.
    """
    session = getattr(request, "session", None)
    if session is None or session.session_key is None:
        return
    if session.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return
    AdminSession.objects.update_or_create(
        session_key=session.session_key, defaults={"user_id": user.pk}
    )
    # Keep the record small: forget this user's sessions that ended on their own.
    store = session_store()
    gone = [
        key
        for key in AdminSession.objects.filter(user_id=user.pk)
        .exclude(session_key=session.session_key)
        .values_list("session_key", flat=True)
        if not store.exists(key)
    ]
    AdminSession.objects.filter(session_key__in=gone).delete()


def end_all(users) -> int:
    """End every recorded Django session of ``users`` (a user, or a queryset of users). Returns
    how many were recorded.
    """
    if isinstance(users, QuerySet):
        rows = AdminSession.objects.filter(user__in=users.values("pk"))
    else:
        rows = AdminSession.objects.filter(user_id=users.pk)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        session_store(key).delete()
    AdminSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
