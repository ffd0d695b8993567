"""Mail to users through Django's e-mail framework, rendered from templates a project can override.

Each mail ``<name>`` is three templates: ``tokens/mail/<name>_subject.txt`` (one line),
``tokens/mail/<name>.txt`` (the plain text body) and ``tokens/mail/<name>.html`` (the HTML
alternative). The backend, its server and ``DEFAULT_FROM_EMAIL`` are Django's settings. The app
sends through the adapter (``tokens.adapter.DefaultAdapter.send_mail`` and ``notify``), whose
defaults are these.
"""

import logging
import smtplib
from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from tokens.conf import token_settings
from tokens.core import clock

logger = logging.getLogger(__name__)


def render(template: str, to: str, context: dict) -> EmailMultiAlternatives:
    """The mail ``template`` to ``to``, rendered with ``context``, ready to send; every mail's
    context has ``email`` (the address) and ``site_name`` (``SITE_NAME``).
    """
    context = {"email": to, "site_name": token_settings.SITE_NAME, **context}
    # A header is one line: a template's trailing newline (or a wrapped subject) must not break it.
    subject = " ".join(render_to_string(f"tokens/mail/{template}_subject.txt", context).split())
    body = render_to_string(f"tokens/mail/{template}.txt", context)
    message = EmailMultiAlternatives(subject, body, to=[to])
    message.attach_alternative(
        render_to_string(f"tokens/mail/{template}.html", context), "text/html"
    )
    return message


def deliver(message: EmailMultiAlternatives) -> None:
    """Hand a rendered mail to the backend; a failing mail server is logged, never the caller's
    error (what the user did has happened, mail or not).
    """
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("mail to %s could not be sent", ", ".join(message.to))


def send(template: str, to: str, context: dict) -> None:
    """Render the mail ``template`` with ``context`` and send it to ``to``."""
    deliver(render(template, to, context))


def notify(
    user,
    template: str,
    context: dict | None = None,
    request=None,
    *,
    send: Callable[[str, str, dict], None] = send,
) -> None:
    """Send a security notice to the user's current address; never throttled, never counted.

    The context gets ``user``, ``username``, ``when``, the site's ``host`` (from ``SITE_URL``,
    never the request's Host header) and, with a request, the client's ``ip_address`` and
    ``user_agent``. A user without an address gets nothing.
    """
    address = getattr(user, user.get_email_field_name(), "") or ""
    if not address:
        return
    base = {
        "user": user,
        "username": user.get_username(),
        "when": clock.to_datetime(clock.now()),
        "host": urlsplit(token_settings.SITE_URL).netloc,
    }
    if request is not None:
        base.update(
            ip_address=request.META.get("REMOTE_ADDR", ""),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    send(template, address, {**base, **(context or {})})
