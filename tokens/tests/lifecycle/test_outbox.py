"""Mail leaves after the response: a slow mail server never slows a request, a failing one is
retried and then logged, and a notice names the device, the time and the client's address."""

import re
import time
from pathlib import Path

from django.core import mail
from django.db import transaction
from django.test import RequestFactory, SimpleTestCase, override_settings

from tokens.adapter import get_adapter
from tokens.lifecycle import outbox
from tokens.lifecycle.mail import render
from tokens.tests.lifecycle_support import LifecycleTestCase, register_body, unlimited
from tokens.tests.mail_server import MailServer, text_of
from tokens.tests.support import PASSWORD, make_user, token_settings

NEW = "outbox-newcomer@example.com"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def pooled(**overrides):
    """The pool on, as in production, with short retries."""
    return token_settings(**{"MAIL_THREADS": 2, "MAIL_RETRY_DELAY": 0.05, **overrides})


@unlimited()
class AfterTheResponseTests(LifecycleTestCase):
    def register(self):
        # The callbacks run when the block ends, as they would when the request's transaction
        # commits; the test's own transaction never does.
        with self.captureOnCommitCallbacks(execute=True):
            return self.post("register/", register_body(NEW, PASSWORD))

    def test_a_stalling_mail_server_does_not_slow_the_request_and_the_mail_still_arrives(self):
        server = MailServer(stall=2).use(self)
        with pooled():
            started = time.monotonic()
            response = self.register()
            took = time.monotonic() - started
            self.assertEqual(response.status_code, 202)
            self.assertLess(took, 1.0)
            self.assertEqual(server.messages, [])  # still on its way
            self.assertTrue(outbox.flush(timeout=15))
        self.assertEqual(len(server.messages), 1)
        self.assertEqual(server.messages[0]["To"], NEW)
        self.assertIn("?verify=", text_of(server.messages[0]))

    def test_a_failing_mail_server_is_tried_again_then_the_mail_is_logged_by_kind_and_domain(self):
        server = MailServer(refuse=100).use(self)
        with pooled(MAIL_ATTEMPTS=3), self.assertLogs("tokens.lifecycle.outbox", "ERROR") as logs:
            self.assertEqual(self.register().status_code, 202)
            self.assertTrue(outbox.flush(timeout=15))
        self.assertEqual(server.attempts, 3)
        self.assertEqual(server.messages, [])
        [line] = logs.output
        self.assertIn("verify_email", line)
        self.assertIn("example.com", line)
        self.assertNotIn(NEW, line)  # the log names the domain, never the address

    def test_a_passing_failure_is_retried_and_delivered_without_an_error(self):
        server = MailServer(refuse=1).use(self)
        with pooled(), self.assertNoLogs("tokens.lifecycle.outbox", "ERROR"):
            self.assertEqual(self.register().status_code, 202)
            self.assertTrue(outbox.flush(timeout=15))
        self.assertEqual(server.attempts, 2)
        self.assertEqual(len(server.messages), 1)

    def test_a_change_that_is_rolled_back_mails_nobody(self):
        server = MailServer().use(self)
        message = render("password_changed", NEW, {"username": "x", "reset": False})
        with pooled(), self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    outbox.send(message, "password_changed")
                    raise RuntimeError("the change failed")
            except RuntimeError:
                pass
        self.assertTrue(outbox.flush(timeout=15))
        self.assertEqual(server.attempts, 0)

    def test_a_full_queue_logs_the_mail_it_cannot_take(self):
        server = MailServer(stall=1).use(self)
        message = render("password_changed", NEW, {"username": "x", "reset": False})
        with (
            pooled(MAIL_THREADS=1, MAIL_QUEUE_SIZE=1),
            self.assertLogs("tokens.lifecycle.outbox", "ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            outbox.send(message, "password_changed")
            outbox.send(message, "password_changed")
        self.assertTrue(outbox.flush(timeout=15))
        self.assertEqual(len(server.messages), 1)
        self.assertIn("password_changed", logs.output[0])


@override_settings(SITE_NAME="Example <Auth> & Co")
class NoticeContentTests(LifecycleTestCase):
    def notice(self, **headers):
        user = make_user("mallory<b>")
        request = RequestFactory().post(
            "/api/auth/password/",
            HTTP_USER_AGENT=FIREFOX,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1",
            **headers,
        )
        get_adapter().notify(user, "password_changed", {"reset": False}, request)
        [message] = mail.outbox
        return message, message.alternatives[0][0]

    def test_a_notice_names_the_site_the_device_the_time_in_utc_and_the_client_address(self):
        with override_settings(REST_FRAMEWORK={"NUM_PROXIES": 2}):
            message, html = self.notice()
        for body in (message.body, html):
            self.assertIn("Firefox on Linux", body)
            self.assertNotIn("Gecko/20100101", body)  # not the raw user agent
            self.assertIn("203.0.113.9", body)  # the client, as seen through two proxies
            self.assertRegex(body, r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
        self.assertIn("Example <Auth> & Co", message.body)
        self.assertIn("Example &lt;Auth&gt; &amp; Co", html)
        self.assertIn("mallory&lt;b&gt;", html)
        self.assertNotIn("<b>", html)

    def test_a_client_cannot_choose_its_address_without_trusted_proxies(self):
        with override_settings(REST_FRAMEWORK={"NUM_PROXIES": 0}):
            message, _html = self.notice()
        self.assertIn("10.0.0.2", message.body)
        self.assertNotIn("203.0.113.9", message.body)


class MailTemplateTests(SimpleTestCase):
    def test_every_mail_has_both_parts_and_loads_nothing_from_elsewhere(self):
        folder = Path(__file__).resolve().parents[2] / "templates" / "tokens" / "mail"
        names = sorted(
            path.name.removesuffix("_subject.txt") for path in folder.glob("*_subject.txt")
        )
        self.assertGreater(len(names), 10)
        for name in names:
            with self.subTest(name):
                message = render(name, NEW, {"username": "x", "key": "k", "link": "l"})
                self.assertTrue(message.body.strip())
                [(html, kind)] = message.alternatives
                self.assertEqual(kind, "text/html")
                # A remote image or stylesheet would tell a tracker the mail was opened.
                self.assertIsNone(re.search(r"<img|<link|\bsrc\s*=|url\(|@import", html), html)
