"""The account lifecycle with real SMTP delivery (aiosmtpd in a thread) instead of locmem."""

import re
from urllib.parse import unquote

from django.core import mail
from django.test import override_settings

from tokens.tests.lifecycle_support import LifecycleTestCase, register_body, unlimited
from tokens.tests.mail_server import MailServer, html_of, text_of
from tokens.tests.support import PASSWORD, token_settings

NEW = "smtp-newcomer@example.com"


@unlimited()
class SMTPDeliveryTests(LifecycleTestCase):
    def setUp(self):
        super().setUp()
        self.server = MailServer().use(self, DEFAULT_FROM_EMAIL="accounts@example.com")

    def test_sign_up_with_the_key_of_a_delivered_mail_then_log_in(self):
        response = self.post("register/", register_body(NEW, PASSWORD))
        self.assertEqual(response.status_code, 202)
        self.assertEqual(mail.outbox, [])  # through the socket, not the test outbox
        self.assertEqual(len(self.server.messages), 1)
        delivered = self.server.messages[0]
        self.assertEqual(delivered["To"], NEW)
        self.assertEqual(delivered["From"], "accounts@example.com")
        keys = {
            re.search(r"\?verify=([^\s\"&<]+)", body).group(1)
            for body in (
                text_of(delivered),
                html_of(delivered),
            )
        }
        self.assertEqual(len(keys), 1)
        self.assertError(self.login_as(NEW, PASSWORD), 403, "email_unverified")
        response = self.post("email/verify/", {"key": unquote(keys.pop())})
        self.assertEqual(response.json(), {"email": NEW, "verified": True})
        response = self.login_as(NEW, PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["user"]["email"], NEW)


@unlimited()
class MailServerDownTests(LifecycleTestCase):
    def test_a_mail_server_that_refuses_is_logged_not_a_server_error(self):
        nobody = MailServer()  # never started: nothing listens on its port
        with (
            override_settings(**nobody.settings()),
            token_settings(MAIL_RETRY_DELAY=0),
            self.assertLogs("tokens.lifecycle.outbox", "ERROR"),
        ):
            response = self.post("register/", register_body(NEW, PASSWORD))
        self.assertEqual(response.status_code, 202)
        self.assertError(self.login_as(NEW, PASSWORD), 403, "email_unverified")
