"""The Django sessions of each user (the admin's sign-in): recorded when Django logs the user in,
ended whenever all of the user's sessions end (``tokens.core.revocation.revoke_all``), and ended
when idle or old (``AdminSessionTimeoutMiddleware``, OWASP ASVS 5.0 V7.3.1 and V7.3.2).

The record is a table, not Redis, so losing Redis forgets no session; the sessions themselves
are ended through the configured ``SESSION_ENGINE``, whatever stores them. A backend that keeps
the session in the browser (signed cookies) cannot be ended this way.
"""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.db.models import QuerySet
from django.utils.functional import SimpleLazyObject

from tokens.conf import token_settings
from tokens.core import clock
from tokens.models import AdminSession

# Keys of the Django session: when its user signed in, and when a request last came (seconds).
SIGNED_IN_AT = "_tokens_signed_in_at"
LAST_SEEN_AT = "_tokens_last_seen_at"

# Seconds between two writes of LAST_SEEN_AT: Django saves a session only when it changed, so the
# idle clock costs one write a minute at most, not one per request (and is that much coarse).
LAST_SEEN_EVERY = 60


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
    # A sign-in starts both clocks, also when Django kept the data of the session it signed in to.
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = clock.now()
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


class AdminSessionTimeoutMiddleware:
    """End a Django-authenticated session after ``ADMIN_SESSION_IDLE`` seconds without a request
    and ``ADMIN_SESSION_ABSOLUTE`` seconds after its sign-in, whatever the activity; the next
    page asks to sign in again. Goes after Django's ``AuthenticationMiddleware``.

    Checked when the request asks for its Django user (the admin, staff pages), as Django's own
    ``request.user`` is: an API request with a token that only carries the staff browser's
    session cookie along reads no session, so the token paths stay free of SQL.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Read once: each read of a setting is a lazy object's lookup.
        self.cookie_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        # Without the session cookie there is no signed-in session to end (a sign-in during this
        # request is checked from the next one on): the token-checked API pays nothing here.
        if self.cookie_name not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and hasattr(request, "session"):
            request.user = SimpleLazyObject(lambda: self.checked(request, user))
        return self.get_response(request)

    def checked(self, request, user):
        """``user`` (Django's lazy user of the session), or nobody once the session has ended."""
        if request.session.get(SESSION_KEY) is None or within_limits(request.session):
            return user
        request.user = user
        logout(request)  # flushes the session and sets request.user to AnonymousUser
        return request.user


def within_limits(session) -> bool:
    """Whether a signed-in session is neither idle nor old; notes this request (once a minute)."""
    now = clock.now()
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
    if signed_in is None or seen is None:
        # Signed in before these limits were kept: they start now.
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
        return True
    if (
        now - seen >= token_settings.ADMIN_SESSION_IDLE
        or now - signed_in >= token_settings.ADMIN_SESSION_ABSOLUTE
    ):
        return False
    if now - seen >= LAST_SEEN_EVERY:
        session[LAST_SEEN_AT] = now
    return True
