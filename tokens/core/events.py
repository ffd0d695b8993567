"""The auth event log: one row per event, and its log line once the row is committed."""

from django.db import transaction

from tokens.core import client
from tokens.models import AuthEvent
from tokens.operations import logs, request_ids


def record_event(kind: str, request=None, user=None, **fields) -> AuthEvent:
    """Add an event to the log table, and write its log line once it is committed."""
    if request is not None:
        fields.setdefault("ip_address", client.address(request))
        fields.setdefault("user_agent", client.user_agent(request))
    if user is not None:
        fields.setdefault("username", user.get_username())
        fields.setdefault("user_id", user.pk)
    event = AuthEvent.objects.create(kind=kind, **fields)
    request_id = request_ids.current()
    # On commit: an event whose transaction rolls back (Redis failed mid-revocation) never happened.
    transaction.on_commit(lambda: logs.log_event(event, request_id))
    if request is not None:
        logs.mark_logged(request)
    return event
