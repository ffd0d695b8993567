import json
import os
import subprocess
import sys

from django.db import DatabaseError, transaction
from django.test import SimpleTestCase

from tokens.models import AuthEvent
from tokens.operations.logs import JSONFormatter
from tokens.tests.servers import PROJECT
from tokens.tests.support import PASSWORD, AuthAPITestCase, bearer, login_name
from tokens.users import pk_json

EVENTS = "tokens.events"


class AuthEventLogTests(AuthAPITestCase):
    """One JSON line per recorded auth event: its fields and request id, written once committed."""

    def logged(self, call) -> tuple[object, list[dict]]:
        with (
            self.assertLogs(EVENTS, "INFO") as captured,
            self.captureOnCommitCallbacks(execute=True),
        ):
            result = call()
        return result, [json.loads(JSONFormatter().format(record)) for record in captured.records]

    def test_a_failed_login_is_one_line_with_the_event_and_the_request_id(self):
        response, lines = self.logged(
            lambda: self.client.post(
                "/api/auth/login/",
                {"username": "mallory", "password": "guess"},
                format="json",
                HTTP_X_REQUEST_ID="edge-7f3a.1",
                HTTP_USER_AGENT="curl/8",
                REMOTE_ADDR="203.0.113.9",
            )
        )
        self.assertEqual(response["X-Request-ID"], "edge-7f3a.1")
        (line,) = lines
        event = AuthEvent.objects.get()
        self.assertEqual(
            {key: line[key] for key in line if key not in ("time", "message")},
            {
                "level": "INFO",
                "logger": EVENTS,
                "id": event.pk,
                "kind": "login_failed",
                "at": event.at.isoformat(),
                "user_id": None,
                "username": "mallory",
                "session_id": None,
                "ip_address": "203.0.113.9",
                "user_agent": "curl/8",
                "detail": "",
                "request_id": "edge-7f3a.1",
            },
        )

    def test_a_login_names_the_user_and_gets_a_request_id_of_its_own(self):
        response, lines = self.logged(
            lambda: self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": PASSWORD},
                format="json",
            )
        )
        (line,) = lines
        self.assertEqual(
            (line["kind"], line["user_id"], line["username"]),
            ("login_succeeded", pk_json(self.user.pk), login_name("alice")),
        )
        self.assertEqual(line["request_id"], response["X-Request-ID"])
        self.assertRegex(line["request_id"], r"^[0-9a-f]{32}$")

    def test_a_request_id_that_could_forge_structure_is_replaced(self):
        for number, given in enumerate(('a" "kind": "x', "a" * 129, "two words", "line\tbreak")):
            with self.subTest(given=given):
                # A name of its own each time: a failure at one name makes its client wait
                # (throttling).
                response, lines = self.logged(
                    lambda given=given, number=number: self.client.post(
                        "/api/auth/login/",
                        {"username": f"guesser-{number}", "password": "wrong"},
                        format="json",
                        HTTP_X_REQUEST_ID=given,
                    )
                )
                self.assertNotEqual(lines[0]["request_id"], given)
                self.assertEqual(lines[0]["request_id"], response["X-Request-ID"])

    def test_a_revocation_logs_the_session_and_its_reason(self):
        pair = self.login()
        _, lines = self.logged(
            lambda: self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))
        )
        (line,) = lines
        self.assertEqual(
            (line["kind"], line["session_id"], line["detail"]),
            ("logout", pair["session_id"], "logged out"),
        )

    def test_an_event_outside_a_request_has_no_request_id(self):
        def disable():
            self.user.is_active = False
            self.user.save()

        _, lines = self.logged(disable)
        self.assertEqual(
            [(line["kind"], line["request_id"]) for line in lines], [("user_disabled", None)]
        )

    def test_an_event_rolled_back_is_never_logged(self):
        self.login()

        def disable_then_fail():
            with transaction.atomic():
                self.user.is_active = False
                self.user.save()  # revokes the session and records both events...
                raise DatabaseError("...then the transaction fails")

        with (
            self.assertNoLogs(EVENTS, "INFO"),
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(DatabaseError),
        ):
            disable_then_fail()
        self.assertFalse(AuthEvent.objects.filter(kind="user_disabled").exists())

    def test_every_response_carries_its_request_id(self):
        self.assertRegex(self.client.get("/healthz")["X-Request-ID"], r"^[0-9a-f]{32}$")
        self.assertEqual(
            self.client.get("/healthz", HTTP_X_REQUEST_ID="probe-1")["X-Request-ID"], "probe-1"
        )

    def test_forked_workers_do_not_repeat_each_others_request_ids(self):
        # Ids come from the process's random generator, which each forked worker must reseed:
        # two gunicorn workers forked from one master would otherwise log the same ids.
        ids = []
        for _ in range(2):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child reports through the pipe
                try:
                    # A page that does not exist: no database or Redis connection shared with
                    # the parent.
                    os.write(write, self.client.get("/nothing-here/")["X-Request-ID"].encode())
                finally:
                    os._exit(0)
            os.close(write)
            ids.append(os.read(read, 64).decode())
            os.close(read)
            os.waitpid(pid, 0)
        self.assertRegex(ids[0], r"^[0-9a-f]{32}$")
        self.assertNotEqual(ids[0], ids[1])


# An unsaved event logged through the project's own logging configuration, in a fresh interpreter.
LOG_ONE = (
    "import django; django.setup(); from django.utils import timezone; "
    "from tokens.operations.logs import log_event; from tokens.models import AuthEvent; "
    "log_event(AuthEvent(kind='login_failed', at=timezone.now(), username='mallory', "
    "ip_address='192.0.2.1'), 'r-1')"
)


class LogFormatTests(SimpleTestCase):
    def log_one(self, **env_vars) -> str:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="s" * 60,
            ACCESS_SIGNING_KEY="a" * 64,
            REFRESH_SIGNING_KEY="r" * 64,
            **env_vars,
        )
        result = subprocess.run(
            [sys.executable, "-c", LOG_ONE],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stderr.strip()

    def test_json_lines_in_production(self):
        line = json.loads(self.log_one(DEBUG="0"))
        self.assertEqual(
            (line["kind"], line["username"], line["ip_address"], line["request_id"]),
            ("login_failed", "mallory", "192.0.2.1", "r-1"),
        )

    def test_readable_text_under_debug(self):
        line = self.log_one(DEBUG="1")
        self.assertIn(
            "INFO tokens.events: login_failed user=mallory session=- ip=192.0.2.1 request=r-1", line
        )
        with self.assertRaises(ValueError):
            json.loads(line)


class OneLinePerClientErrorTests(AuthAPITestCase):
    """A 4xx is one log line: the auth event's, or else Django's warning, never both."""

    def test_a_failed_login_is_logged_by_its_event_alone(self):
        with (
            self.assertLogs(EVENTS, "INFO") as events,
            self.assertNoLogs("django.request", "WARNING"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                "/api/auth/login/", {"username": "mallory", "password": "guess"}, format="json"
            )
        self.assertError(response, 401, "invalid_credentials")
        self.assertEqual(len(events.records), 1)

    def test_a_401_without_an_event_is_logged_by_django_once(self):
        with (
            self.assertLogs("django.request", "WARNING") as requests,
            self.assertNoLogs(EVENTS, "INFO"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.get("/api/auth/me/")
        self.assertError(response, 401, "not_authenticated")
        self.assertEqual(len(requests.records), 1)

    def test_with_event_lines_off_django_still_logs_the_failed_login(self):
        # AUTH_EVENT_LOG_LEVEL=WARNING: the event has no line, so the 4xx must keep Django's.
        with (
            self.assertLogs("django.request", "WARNING") as requests,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                "/api/auth/login/", {"username": "mallory", "password": "guess"}, format="json"
            )
        self.assertError(response, 401, "invalid_credentials")
        self.assertEqual(len(requests.records), 1)
