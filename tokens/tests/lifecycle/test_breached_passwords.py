"""Passwords known from data breaches (credential stuffing's first guesses) are refused wherever a
new password is chosen, and the check gives away no password: only five hex digits of its SHA-1
reach the range server (a real one on the loopback address, tokens.tests.range_server).
"""

import re
import time

from django.contrib.auth import get_user_model
from django.core import mail

from tokens.tests.lifecycle_support import LifecycleTestCase, register_body
from tokens.tests.range_server import BREACHED, SAFE, RangeServer, sha1_hex
from tokens.tests.servers import free_port
from tokens.tests.support import PASSWORD, bearer, login_name, token_settings

NEW = "newcomer@example.com"


class BreachedPasswordMixin:
    def setUp(self):
        super().setUp()
        self.server = RangeServer().start()
        self.addCleanup(self.server.stop)
        self.enterContext(token_settings(BREACHED_PASSWORDS_URL=self.server.url))

    def register(self, password, email=NEW):
        return self.post("register/", register_body(email, password))

    def assertNothingRegistered(self, email=NEW):
        self.assertFalse(get_user_model()._default_manager.filter(email=email).exists())
        self.assertEqual(mail.outbox, [])


class BreachedPasswordTests(BreachedPasswordMixin, LifecycleTestCase):
    def test_sign_up_with_a_breached_password_is_refused(self):
        response = self.register(BREACHED)
        self.assertEqual(response.status_code, 400)
        self.assertIn("password", response.json())
        self.assertNothingRegistered()
        self.assertEqual(self.register(SAFE).status_code, 202)

    def test_a_password_change_to_a_breached_password_is_refused(self):
        tokens = self.login()

        def change(new):
            return self.client.post(
                "/api/auth/password/",
                {"old_password": PASSWORD, "new_password": new},
                format="json",
                **bearer(tokens["access_token"]),
            )

        response = change(BREACHED)
        self.assertEqual(response.status_code, 400)
        self.assertIn("new_password", response.json())
        self.assertEqual(self.login_as(login_name("alice"), PASSWORD).status_code, 200)
        self.assertEqual(change(SAFE).status_code, 204)

    def test_a_reset_to_a_breached_password_is_refused_and_the_key_still_works(self):
        self.post("password/reset/", {"email": "alice@example.com"})
        key = self.last_key("alice@example.com", "reset")
        response = self.post("password/reset/confirm/", {"key": key, "new_password": BREACHED})
        self.assertEqual(response.status_code, 400)
        self.assertIn("new_password", response.json())
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(PASSWORD))
        response = self.post("password/reset/confirm/", {"key": key, "new_password": SAFE})
        self.assertEqual(response.status_code, 204)

    def test_only_five_hex_digits_of_the_hash_leave_the_server(self):
        self.register(BREACHED)
        self.register(SAFE)
        self.assertEqual(
            self.server.paths,
            [f"/range/{sha1_hex(BREACHED)[:5]}", f"/range/{sha1_hex(SAFE)[:5]}"],
        )
        for path in self.server.paths:
            self.assertRegex(path, r"^/range/[0-9A-F]{5}$")
        sent = repr(self.server.paths) + repr(self.server.headers)
        for password in (BREACHED, SAFE):
            self.assertNotIn(password, sent)
            self.assertNotIn(sha1_hex(password)[5:], sent)
            self.assertNotIn(sha1_hex(password).lower()[5:], sent)
        # Padded answers: their size tells nothing of the prefix.
        self.assertEqual({headers.get("Add-Padding") for headers in self.server.headers}, {"true"})

    def test_a_password_on_a_padding_line_of_count_zero_passes(self):
        # The server's padding holds SAFE's suffix with a count of 0: not a breach.
        self.assertEqual(self.register(SAFE).status_code, 202)

    def test_no_url_sends_nothing(self):
        with token_settings(BREACHED_PASSWORDS_URL=""):
            self.assertEqual(self.register(BREACHED).status_code, 202)
        self.assertEqual(self.server.paths, [])


class UnreachableServiceTests(BreachedPasswordMixin, LifecycleTestCase):
    """A range service that is down or hangs must not hold a sign-up: the password goes unjudged
    by it (Django's other validators still apply), and the log says so without the password.
    """

    def register_within(self, seconds: float):
        started = time.monotonic()
        with self.assertLogs("tokens.passwords", "WARNING") as logs:
            response = self.register(BREACHED)
        self.assertLess(time.monotonic() - started, seconds)
        self.assertEqual(response.status_code, 202)
        logged = "\n".join(logs.output)
        self.assertNotIn(BREACHED, logged)
        self.assertNotRegex(logged, re.escape(sha1_hex(BREACHED)[:5]))
        return logs

    def test_a_service_nobody_listens_for_is_skipped_and_logged(self):
        with token_settings(BREACHED_PASSWORDS_URL=f"http://127.0.0.1:{free_port()}/range/"):
            self.register_within(1.5)

    def test_a_service_that_hangs_is_skipped_and_logged_within_the_timeout(self):
        stalling = RangeServer(stall=10).start()
        self.addCleanup(stalling.stop)
        with token_settings(BREACHED_PASSWORDS_URL=stalling.url):
            self.register_within(1.9)
        self.assertEqual(len(stalling.paths), 1)

    def test_a_malformed_address_is_skipped_and_logged_without_the_prefix(self):
        with token_settings(BREACHED_PASSWORDS_URL="pwned.example/range/"):
            self.register_within(1.5)

    def test_other_validators_still_apply_while_the_service_is_down(self):
        nowhere = token_settings(BREACHED_PASSWORDS_URL=f"http://127.0.0.1:{free_port()}/range/")
        with nowhere, self.assertLogs("tokens.passwords", "WARNING"):
            response = self.register("12345678")
        self.assertEqual(response.status_code, 400)
        self.assertIn("password", response.json())
