"""Auth events as log lines, one per event: JSON for a log pipeline, or readable text.

``log_event`` writes each recorded ``AuthEvent`` to the ``tokens.events`` logger with its fields
and the request id, so a log pipeline gets every event without reading the database. The
settings give that logger ``JSONFormatter``, or a plain text format under ``DEBUG``.

A 4xx is logged once: Django's ``django.request`` logger warns of every 4xx ("Unauthorized:
/api/auth/login/"), which for a failed login repeats the auth event's own line. ``OncePerRequest``
(a filter the settings put on ``django.request``) drops that warning when the request's event was
logged already; a 4xx without an event (no credentials, a bad field) keeps Django's line.
"""

import json
import logging
from datetime import UTC, datetime

EVENTS = logging.getLogger("tokens.events")

# Set on a request whose auth event has a log line.
LOGGED = "_tokens_event_logged"


def mark_logged(request) -> None:
    """Note that ``request`` (a DRF or Django request) has its line in the event log."""
    if EVENTS.isEnabledFor(logging.INFO):
        setattr(getattr(request, "_request", request), LOGGED, True)


class OncePerRequest(logging.Filter):
    """Drop ``django.request``'s warning of a 4xx whose request an auth event logged already."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None) or 0
        request = getattr(record, "request", None)
        return not (400 <= status < 500 and getattr(request, LOGGED, False))


def log_event(event, request_id: str | None) -> None:
    """One line for one recorded auth event."""
    fields = {
        "id": event.pk,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "session_id": str(event.session_id) if event.session_id else None,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "detail": event.detail,
        "request_id": request_id,
    }
    who = event.username or event.user_id or "-"
    detail = f" ({event.detail})" if event.detail else ""
    EVENTS.info(
        "%s user=%s session=%s ip=%s request=%s%s",
        event.kind,
        who,
        fields["session_id"] or "-",
        event.ip_address or "-",
        request_id or "-",
        detail,
        extra={"auth_event": fields},
    )


class JSONFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, and an event's fields."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "auth_event", {}),
            # Other structured lines: the token store entering and leaving degraded mode.
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # default=str: a UUID primary key, say, is written as its text.
        return json.dumps(line, default=str)
