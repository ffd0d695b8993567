"""Login throttling against the app under gunicorn, from several loopback addresses."""

import http.cookies

from tokens.browser import device_cookies
from tokens.models import AuthEvent
from tokens.tests.api.test_throttling import ThrottleAssertions
from tokens.tests.servers import AppServer, set_server_password
from tokens.tests.support import (
    PASSWORD,
    AuthAPITransactionTestCase,
    login_name,
)


class GuessingAgainstARealServerTests(ThrottleAssertions, AuthAPITransactionTestCase):
    """Guesses from four loopback addresses at a gunicorn server, while the owner logs in from a
    fifth.
    """

    def setUp(self):
        super().setUp()
        set_server_password(self.user, PASSWORD)
        # Three failures from clients without the device cookie close the name to them for an hour.
        self.server = AppServer(THROTTLE_LOGIN_USERNAME="3/hour").start()
        self.addCleanup(self.server.stop)

    def login_from(self, source, password, device=None):
        headers = {"Cookie": f"{device_cookies.name()}={device}"} if device else {}
        return self.server.send(
            "POST",
            "/api/auth/login/",
            {"username": login_name("alice"), "password": password},
            source=source,
            headers=headers,
        )

    def test_the_owner_with_its_device_cookie_logs_in_while_guesses_are_throttled(self):
        status, headers, _ = self.login_from("127.0.0.9", PASSWORD)
        self.assertEqual(status, 200)
        cookies = http.cookies.SimpleCookie()
        for header in headers.get_all("Set-Cookie"):
            cookies.load(header)
        device = cookies[device_cookies.name()].value

        answers = [
            self.login_from(f"127.0.0.{5 + number % 4}", f"guess-{number}") for number in range(60)
        ]
        statuses = [status for status, _, _ in answers]
        self.assertEqual(statuses, [401] * 3 + [429] * 57)
        for _status, headers, body in answers[3:]:
            self.assertEqual(body["code"], "throttled")
            self.assertGreater(int(headers["Retry-After"]), 0)

        status, headers, body = self.login_from("127.0.0.9", PASSWORD)
        self.assertEqual((status, body["code"]), (429, "throttled"))
        self.assertGreater(int(headers["Retry-After"]), 3000)

        status, _, body = self.login_from("127.0.0.9", PASSWORD, device=device)
        self.assertEqual(status, 200)
        self.assertEqual(body["user"]["username"], login_name("alice"))

        # The server saw each guess's real source address.
        failed = AuthEvent.objects.filter(kind="login_failed").values_list("ip_address", flat=True)
        self.assertEqual(sorted(failed), ["127.0.0.5", "127.0.0.6", "127.0.0.7"])
        succeeded = AuthEvent.objects.filter(kind="login_succeeded").values_list(
            "ip_address", flat=True
        )
        self.assertEqual(set(succeeded), {"127.0.0.9"})
