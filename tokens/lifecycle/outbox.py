"""Mail leaves after the response: a small pool of threads hands rendered mails to the backend.

A request renders its mail (templates, translations and the user's data are at hand there) and
queues it once its transaction commits (``transaction.on_commit``), so a slow or unreachable mail
server never slows the answer, and a rolled-back change mails nobody. A worker tries a mail
``MAIL_ATTEMPTS`` times, waiting ``MAIL_RETRY_DELAY`` seconds and then twice as long each time;
a mail that still fails, or that finds the queue full (``MAIL_QUEUE_SIZE`` waiting), is logged
with its kind and the recipient's domain (never the address), never lost silently.

The pool is per process (a forked worker makes its own) and its threads are joined when the
process exits, so mail queued before a clean shutdown still goes. ``MAIL_THREADS = 0`` sends in
the caller's thread at once (the test runners' choice: ``mail.outbox`` is filled when the request
returns); ``flush()`` waits for the queue to drain.

A worker sends in the language that was active when the mail was queued, the request's: a worker
thread has none of its own, and what a message still holds to translate (a lazy subject from a
project's adapter) is written when the worker builds it.
"""

import logging
import os
import smtplib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import translation

from tokens.conf import token_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] = (0, 0)
_pending: set[Future] = set()


def domain_of(address: str) -> str:
    """The part of an address a log may name: its domain."""
    return address.rpartition("@")[2] or "?"


def mail_language() -> str:
    """The language a mail is written in: the one active now (the request's), else
    ``LANGUAGE_CODE`` (outside a request, or a command that turned translations off).
    """
    return translation.get_language() or settings.LANGUAGE_CODE


def deliver(message: EmailMultiAlternatives, kind: str) -> bool:
    """Send ``message`` now, trying again on a failing server; return whether it went. The last
    failure is logged with the mail's kind and the recipients' domains.
    """
    attempts = max(1, int(token_settings.MAIL_ATTEMPTS))
    delay = float(token_settings.MAIL_RETRY_DELAY)
    for attempt in range(1, attempts + 1):
        try:
            message.send()
            return True
        except (smtplib.SMTPException, OSError) as error:
            if attempt == attempts:
                logger.error(
                    "mail %s to %s not sent after %d attempts: %s",
                    kind,
                    ", ".join(domain_of(to) for to in message.to),
                    attempts,
                    f"{type(error).__name__}: {error}",
                    extra={"mail_kind": kind},
                )
                return False
            time.sleep(delay * 2 ** (attempt - 1))
    return False  # pragma: no cover - the loop returns


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_key
    # A forked worker inherits the parent's pool object but none of its threads; a changed
    # MAIL_THREADS gets a pool of its size (the old one finishes what it has).
    key = (os.getpid(), int(token_settings.MAIL_THREADS))
    if _pool is None or _pool_key != key:
        if _pool is not None and _pool_key[0] == key[0]:
            _pool.shutdown(wait=False)
        else:
            _pending.clear()
        _pool = ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="mail")
        _pool_key = key
    return _pool


def _deliver_in(language: str, message: EmailMultiAlternatives, kind: str) -> bool:
    with translation.override(language):
        return deliver(message, kind)


def _queue(message: EmailMultiAlternatives, kind: str, language: str) -> None:
    with _lock:
        if len(_pending) >= int(token_settings.MAIL_QUEUE_SIZE):
            logger.error(
                "mail %s to %s not sent: %d mails are waiting already",
                kind,
                ", ".join(domain_of(to) for to in message.to),
                len(_pending),
                extra={"mail_kind": kind},
            )
            return
        future = _executor().submit(_deliver_in, language, message, kind)
        _pending.add(future)
    future.add_done_callback(_done)


def _done(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def send(message: EmailMultiAlternatives, kind: str) -> None:
    """Send ``message`` after the current transaction commits, from the pool (at once, in this
    thread, with ``MAIL_THREADS = 0``).
    """
    if int(token_settings.MAIL_THREADS) <= 0:
        deliver(message, kind)
        return
    language = mail_language()
    transaction.on_commit(lambda: _queue(message, kind, language), robust=True)


def flush(timeout: float | None = None) -> bool:
    """Wait until every queued mail has been sent or given up; return whether the queue drained
    within ``timeout`` seconds.
    """
    with _lock:
        waiting = list(_pending)
    if not waiting:
        return True
    return not wait(waiting, timeout=timeout).not_done
