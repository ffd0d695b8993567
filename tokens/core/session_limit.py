"""The session limit: at most ``MAX_SESSIONS_PER_USER`` live sessions per user, the oldest revoked
first.
"""

from tokens.conf import token_settings
from tokens.core.revocation import revoke
from tokens.models import Session


def enforce_session_limit(request, user, session_id: str) -> None:
    """Past ``MAX_SESSIONS_PER_USER`` live sessions, revoke the oldest but the one ``session_id``
    just opened (in the login's transaction, after its own row was written).
    """
    limit = token_settings.MAX_SESSIONS_PER_USER
    if not limit:
        return
    others = Session.objects.live().filter(user_id=user.pk).exclude(pk=session_id)
    excess = others.count() + 1 - limit
    if excess > 0:
        oldest = list(others.oldest_first().values_list("pk", flat=True)[:excess])
        revoke(Session.objects.filter(pk__in=oldest), Session.RevokeReason.SESSION_LIMIT, request)
