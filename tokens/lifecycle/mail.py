"""Mail to users through Django's e-mail framework, rendered from templates a project can override.

Each mail ``<name>`` is three templates: ``tokens/mail/<name>_subject.txt`` (one line),
``tokens/mail/<name>.txt`` (the plain text body) and ``tokens/mail/<name>.html`` (the HTML
alternative). The backend, its server and ``DEFAULT_FROM_EMAIL`` are Django's settings. The app
sends through the adapter (``tokens.adapter.DefaultAdapter.send_mail`` and ``notify``), whose
defaults are these. A mail is rendered in the caller's thread and sent after the response
(``tokens.lifecycle.outbox``).

A mail is written in the language of the request that caused it (``LocaleMiddleware`` picks it
from the language cookie or ``Accept-Language``), and in ``LANGUAGE_CODE`` outside a request (a
management command, a thread of its own); its dates stay in UTC.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from tokens.browser.device_names import readable_device
from tokens.conf import token_settings
from tokens.core import clock
from tokens.lifecycle import outbox


def render(template: str, to: str, context: dict) -> EmailMultiAlternatives:
    """The mail ``template`` to ``to``, rendered with ``context`` in ``outbox.mail_language()``
    and saying so (``Content-Language``), ready to send; every mail's context has ``email`` (the
    address) and ``site_name`` (``SITE_NAME``).
    """
    context = {"email": to, "site_name": token_settings.SITE_NAME, **context}
    written_in = outbox.mail_language()
    with translation.override(written_in):
        # A header is one line: a template's trailing newline (or a wrapped subject) must not
        # break it.
        subject = " ".join(render_to_string(f"tokens/mail/{template}_subject.txt", context).split())
        body = render_to_string(f"tokens/mail/{template}.txt", context)
        html = render_to_string(f"tokens/mail/{template}.html", context)
    message = EmailMultiAlternatives(
        subject, body, to=[to], headers={"Content-Language": written_in}
    )
    message.attach_alternative(html, "text/html")
    return message


def deliver(message: EmailMultiAlternatives, kind: str = "mail") -> None:
    """Hand a rendered mail to the outbox, which sends it after the response; a failing mail
    server is retried and logged there, never the caller's error (what the user did has happened,
    mail or not).
    """
    outbox.send(message, kind)


def send(template: str, to: str, context: dict) -> None:
    """Render the mail ``template`` with ``context`` and send it to ``to``."""
    deliver(render(template, to, context), template)


def notify(
    user,
    template: str,
    context: dict | None = None,
    request=None,
    *,
    send: Callable[[str, str, dict], None] = send,
    client_address: Callable[[object], str | None] | None = None,
) -> None:
    """Send a security notice to the user's current address; never throttled, never counted.

    The context gets ``user``, ``username``, ``when``, the site's ``host`` (from ``SITE_URL``,
    never the request's Host header) and, with a request, what ``request_context`` gives. A user
    without an address gets nothing.
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
        base.update(request_context(request, client_address))
    send(template, address, {**base, **(context or {})})


def request_context(request, client_address: Callable[[object], str | None] | None = None) -> dict:
    """What a mail says about the request that caused it: ``ip_address`` (the client's address as
    ``client_address`` computes it behind proxies; ``REMOTE_ADDR`` without it), ``device`` (e.g.
    "Firefox on Linux") and the raw ``user_agent``.
    """
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    address = client_address(request) if client_address else request.META.get("REMOTE_ADDR")
    return {
        "ip_address": address or "",
        "device": readable_device(user_agent) if user_agent else "",
        "user_agent": user_agent,
    }
