"""``SITE_NAME`` is the project's name everywhere a person reads one: the pages' titles and
headers, the admin's, and every mail."""

from pathlib import Path

from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils.html import escape

from tokens.conf import DEFAULTS, token_settings
from tokens.lifecycle import mail as mails
from tokens.tests.lifecycle_support import NEW_PASSWORD, LifecycleTestCase, register_body, unlimited
from tokens.tests.support import PASSWORD, bearer

MAIL_TEMPLATES = Path(mails.__file__).resolve().parents[1] / "templates" / "tokens" / "mail"
# A name with characters HTML escapes: each page and mail must still show it, escaped once.
NAME = "Acme & Sons"


@unlimited()
@override_settings(SITE_NAME=NAME)
class SiteNameTests(LifecycleTestCase):
    def test_the_account_page_title_and_header(self):
        response = self.client.get("/")
        self.assertContains(response, f"<title>Your account · {escape(NAME)}</title>", html=False)
        self.assertContains(response, f">{escape(NAME)}</a>")

    def test_the_browsable_api_title_and_header(self):
        response = self.client.get("/api/auth/", HTTP_ACCEPT="text/html")
        self.assertContains(response, f"{escape(NAME)}</title>")
        self.assertContains(response, f">{escape(NAME)}</a>")

    def test_the_admin_login_page(self):
        response = self.client.get("/admin/login/")
        self.assertContains(response, f"{escape(NAME)} admin</title>")
        self.assertContains(response, f"{escape(NAME)} administration")

    def test_the_mails_a_visitor_can_cause(self):
        with self.captureOnCommitCallbacks(execute=True):
            address = "newcomer@example.com"
            self.post("register/", register_body(address, PASSWORD))  # verify_email
            self.post("password/reset/", {"email": self.user.email})  # password_reset
            self.post("password/reset/", {"email": "nobody@example.com"})  # unknown_account
            pair = self.login()
            self.client.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                format="json",
                **bearer(pair["access_token"]),
            )  # password_changed
        kinds = {message.subject for message in mail.outbox}
        self.assertEqual(len(kinds), 4, kinds)
        for message in mail.outbox:
            with self.subTest(subject=message.subject):
                self.assertIn(NAME, message.body)
                html = message.alternatives[0][0]
                self.assertIn(f"· {escape(NAME)}</title>", html)
                self.assertIn(f"by {escape(NAME)}.", html)

    def test_every_mail_template_names_it(self):
        names = sorted(
            path.name[: -len("_subject.txt")] for path in MAIL_TEMPLATES.glob("*_subject.txt")
        )
        self.assertGreaterEqual(len(names), 12)
        for name in names:
            with self.subTest(mail=name):
                message = mails.render(name, "alice@example.com", {"username": "alice"})
                self.assertIn(NAME, message.body)
                self.assertIn(escape(NAME), message.alternatives[0][0])


class DefaultSiteNameTests(LifecycleTestCase):
    def test_the_project_setting_by_default(self):
        self.assertEqual(token_settings.SITE_NAME, settings.SITE_NAME)
        self.assertContains(self.client.get("/"), f"· {escape(settings.SITE_NAME)}</title>")

    def test_the_tokens_setting_answers_where_django_has_none(self):
        # A project that includes the app without the Django setting names itself in TOKENS.
        with override_settings(TOKENS={**settings.TOKENS, "SITE_NAME": "Beta"}):
            del settings.SITE_NAME
            token_settings.reload()
            self.assertEqual(token_settings.SITE_NAME, "Beta")
            self.assertIn("Beta", mails.render("welcome", "a@example.com", {}).body)
        self.assertEqual(token_settings.SITE_NAME, settings.SITE_NAME)
        self.assertEqual(DEFAULTS["SITE_NAME"], "Dual-token JWT authentication")
