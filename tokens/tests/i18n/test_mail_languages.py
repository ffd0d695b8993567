"""Mail is written in the language of the request that caused it, even though it leaves from the
outbox's threads after the response; outside a request it is written in ``LANGUAGE_CODE``.

Each expected sentence is the catalogue's, read through gettext under the language, and must
differ from the English one; a Chinese mail holds no English sentence but the values it shows.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

from django.core import mail
from django.test import SimpleTestCase, override_settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from tokens.browser.device_names import device_name, readable_device
from tokens.lifecycle import outbox
from tokens.lifecycle.mail import render
from tokens.tests.lifecycle_support import LifecycleTestCase, mails_to, unlimited
from tokens.tests.mail_server import MailServer, html_of, text_of
from tokens.tests.support import PASSWORD, login_name, token_settings

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
ALICE = "alice@example.com"
RECIPIENT = "li@example.com"
MAIL_FOLDER = Path(__file__).resolve().parents[2] / "templates" / "tokens" / "mail"

# Each mail's subject, as its template writes it (a new mail must be added here).
SUBJECTS = {
    "account_exists": "You already have an account",
    "confirm_email_change": "Confirm your new e-mail address",
    "email_changed": "Your e-mail address was changed",
    "factor_added": "A second factor was added to your account",
    "factor_removed": "A second factor was removed from your account",
    "new_device": "A new sign-in to your account",
    "password_changed": "Your password was changed",
    "password_reset": "Reset your password",
    "recovery_codes_renewed": "Your recovery codes were renewed",
    "social_linked": "A sign-in with %(provider)s was linked to your account",
    "unknown_account": "No account uses this address",
    "verify_email": "Confirm your e-mail address",
    "welcome": "Welcome",
}
# What a mail shows but does not write: its context's values, which no catalogue translates.
CONTEXT = {
    "username": "li",
    "link": "https://app.test/?verify=k",
    "lifetime_minutes": 30,
    "lifetime_hours": 24,
    "when": datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
    "ip_address": "203.0.113.9",
    "device": "Firefox on Linux",
    "provider": "GitHub",
    "new_email": "li-new@example.com",
    "reset": False,
}
# Two English words in a row: a sentence left untranslated.
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,.:;]+[A-Za-z]{2,}")


def in_language(language: str, message: str, **values) -> str:
    with translation.override(language):
        return translation.gettext(message) % values if values else translation.gettext(message)


def mail_names() -> list[str]:
    return sorted(
        path.name.removesuffix("_subject.txt") for path in MAIL_FOLDER.glob("*_subject.txt")
    )


def without_values(text: str, context: dict) -> str:
    """``text`` less what the context put in it (and the site's name), tags and entities."""
    text = re.sub(r"<[^>]+>|&[a-z]+;|&#\d+;", " ", text)
    values = (*map(str, context.values()), RECIPIENT, "Example", "UTC", "TOTP")
    # The longest first: the address before the username it starts with.
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


@override_settings(SITE_NAME="Example")
class MailLanguageTests(SimpleTestCase):
    def rendered(self, name: str, language: str | None):
        context = {**CONTEXT}
        with translation.override(language):
            # What the Python side puts in (a factor's name, what was asked) follows the language
            # too; it is the caller's gettext.
            context["factor"] = translation.gettext("an authenticator app (TOTP)")
            context["action"] = translation.gettext("a password reset")
            return render(name, RECIPIENT, context), context

    def test_every_mail_kind_is_listed(self):
        self.assertEqual(mail_names(), sorted(SUBJECTS))

    def test_each_mail_in_chinese_has_a_chinese_subject_text_and_html(self):
        hello = in_language("zh-hans", "Hello %(username)s,", username="li")
        self.assertNotEqual(hello, "Hello li,")
        for name in mail_names():
            with self.subTest(name):
                message, context = self.rendered(name, "zh-hans")
                subject = in_language("zh-hans", SUBJECTS[name], provider="GitHub")
                self.assertNotEqual(subject, in_language("en", SUBJECTS[name], provider="GitHub"))
                self.assertEqual(message.subject, subject)
                [(html, _kind)] = message.alternatives
                self.assertIn('<html lang="zh-hans">', html)
                self.assertEqual(message.extra_headers["Content-Language"], "zh-hans")
                for part in (message.body, html):
                    self.assertTrue(hello in part or in_language("zh-hans", "Hello,") in part, part)
                    self.assertIsNone(ENGLISH_WORDS.search(without_values(part, context)), part)

    def test_each_mail_is_english_by_default(self):
        for name in mail_names():
            with self.subTest(name):
                message, _context = self.rendered(name, "en")
                self.assertEqual(message.subject, SUBJECTS[name] % {"provider": "GitHub"})
                self.assertIn('<html lang="en">', message.alternatives[0][0])
                self.assertEqual(message.extra_headers["Content-Language"], "en")

    def test_the_plain_text_keeps_its_paragraphs_and_the_subject_is_one_line(self):
        message, _context = self.rendered("password_reset", "zh-hans")
        paragraphs = message.body.strip().split("\n\n")
        self.assertEqual(
            paragraphs[0], in_language("zh-hans", "Hello %(username)s,", username="li")
        )
        self.assertIn("\n" + CONTEXT["link"] + "\n", message.body)
        self.assertTrue(message.body.rstrip().endswith("-- \nExample"), message.body)
        self.assertNotIn("\n", message.subject)

    def test_dates_in_a_chinese_mail_stay_utc(self):
        message, _context = self.rendered("new_device", "zh-hans")
        when = in_language("zh-hans", "When: %(when)s UTC", when="2026-03-04 05:06")
        self.assertIn(when, message.body)
        self.assertIn("2026-03-04 05:06 UTC", message.alternatives[0][0])

    def test_a_notice_names_the_device_in_chinese_while_the_api_keeps_english(self):
        firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        chinese = in_language(
            "zh-hans", "%(client)s on %(system)s", client="Firefox", system="Linux"
        )
        self.assertNotEqual(chinese, "Firefox on Linux")
        with translation.override("zh-hans"):
            self.assertEqual(readable_device(firefox), chinese)
            self.assertEqual(device_name(firefox), "Firefox on Linux")
            self.assertEqual(readable_device(""), translation.gettext("Unknown device"))
        self.assertEqual(readable_device(firefox), "Firefox on Linux")

    @override_settings(LANGUAGE_CODE="zh-hans")
    def test_outside_a_request_a_mail_is_written_in_language_code(self):
        # A management command runs with translations off (no language at all).
        with translation.override(None):
            message = render("welcome", RECIPIENT, {"username": "li"})
        self.assertEqual(message.subject, in_language("zh-hans", "Welcome"))
        self.assertEqual(message.extra_headers["Content-Language"], "zh-hans")


def pooled():
    """The outbox's threads on, as in production."""
    return token_settings(MAIL_THREADS=2, MAIL_RETRY_DELAY=0.05)


@unlimited()
class MailFromTheOutboxTests(LifecycleTestCase):
    def test_a_reset_asked_for_in_chinese_arrives_in_chinese_from_the_outbox(self):
        server = MailServer().use(self)
        with pooled(), self.captureOnCommitCallbacks(execute=True):
            response = self.post("password/reset/", {"email": ALICE}, **CHINESE)
        self.assertEqual(response.status_code, 202, response.content)
        self.assertTrue(outbox.flush(timeout=15))
        [message] = server.messages
        self.assertEqual(message["Subject"], in_language("zh-hans", "Reset your password"))
        self.assertEqual(message["Content-Language"], "zh-hans")
        choose = in_language("zh-hans", "To choose a new password, open this link:")
        self.assertIn(choose, text_of(message))
        self.assertIn(in_language("zh-hans", "Choose a new password"), html_of(message))

    def test_the_same_reset_asked_for_without_a_language_arrives_in_english(self):
        server = MailServer().use(self)
        with pooled(), self.captureOnCommitCallbacks(execute=True):
            self.post("password/reset/", {"email": ALICE})
        self.assertTrue(outbox.flush(timeout=15))
        [message] = server.messages
        self.assertEqual(message["Subject"], "Reset your password")

    def test_the_language_cookie_chooses_the_language_too(self):
        self.client.cookies["django_language"] = "zh-hans"
        self.post("password/reset/", {"email": ALICE})
        [message] = mails_to(ALICE)
        self.assertEqual(message.subject, in_language("zh-hans", "Reset your password"))

    def test_a_new_device_notice_follows_the_language_of_the_login(self):
        self.login()  # the account's first login mails nobody
        mail.outbox.clear()
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
            **CHINESE,
        )
        self.assertEqual(response.status_code, 200, response.content)
        [message] = mails_to(ALICE)
        self.assertEqual(message.subject, in_language("zh-hans", "A new sign-in to your account"))
        self.assertIn(
            in_language(
                "zh-hans",
                "your account was signed in to from a browser it has not been used from before:",
            ),
            message.body,
        )

    def test_the_worker_writes_what_is_left_to_translate_in_the_language_it_was_queued_in(self):
        # A project's adapter may hand over a lazy subject: the worker thread evaluates it when it
        # builds the message, and has no language of its own.
        server = MailServer().use(self)
        with translation.override("zh-hans"):
            message = render("welcome", ALICE, {"username": "alice"})
            message.subject = gettext_lazy("Reset your password")
            with pooled(), self.captureOnCommitCallbacks(execute=True):
                outbox.send(message, "welcome")
        self.assertTrue(outbox.flush(timeout=15))
        [delivered] = server.messages
        self.assertEqual(delivered["Subject"], in_language("zh-hans", "Reset your password"))
