"""A real SMTP server for the tests: aiosmtpd in a thread of the test process, on a free port."""

import asyncio
import email
import email.policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.test import override_settings

from tokens.tests.servers import free_port


class _Collect:
    def __init__(self, stall: float = 0, refuse: int = 0):
        self.messages: list[EmailMessage] = []
        self.stall, self.refuse, self.attempts = stall, refuse, 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.stall:
            await asyncio.sleep(self.stall)
        if self.attempts <= self.refuse:
            return "451 Requested action aborted: local error in processing"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server that keeps what it receives; ``use(testcase)`` starts it and points Django's
    SMTP backend at it until the test ends. ``stall`` seconds pass before it answers a mail's data;
    the first ``refuse`` mails get a temporary failure (451).
    """

    def __init__(self, stall: float = 0, refuse: int = 0):
        self.handler = _Collect(stall, refuse)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def attempts(self) -> int:
        return self.handler.attempts

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def use(self, testcase, **settings) -> "MailServer":
        self.controller.start()
        testcase.addCleanup(self.controller.stop)
        overridden = override_settings(**{**self.settings(), **settings})
        overridden.enable()
        testcase.addCleanup(overridden.disable)
        return self


def text_of(message: EmailMessage) -> str:
    """The plain text body of a delivered mail."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, message
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, message
    return part.get_content()
