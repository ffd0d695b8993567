"""A real SMTP server for the tests: aiosmtpd in a thread of the test process, on a free port."""

import email
import email.policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.test import override_settings

from tokens.tests.servers import free_port


class _Collect:
    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server that keeps what it receives; ``use(testcase)`` starts it and points Django's
    SMTP backend at it until the test ends.
    """

    def __init__(self):
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

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
