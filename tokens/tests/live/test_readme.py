"""The README's curl walkthrough, run as pasted (bash, one block) against a live server."""

import re
import subprocess
from unittest import skipUnless

from django.contrib.auth import get_user_model

from tokens.tests.servers import PROJECT, AppServer, set_server_password
from tokens.tests.support import AuthAPITransactionTestCase, uses_accounts

README_URL = "http://localhost:8000"


def walkthrough() -> str:
    """The README's shell block that logs in (the one after ``make run``)."""
    blocks = re.findall(r"(?ms)^```sh\n(.*?)^```", (PROJECT / "README.md").read_text())
    [block] = [block for block in blocks if "/api/auth/login/" in block]
    return block


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
class ReadmeWalkthroughTests(AuthAPITransactionTestCase):
    def setUp(self):
        super().setUp()
        # The user `make run` creates (create_demo_users).
        demo = get_user_model().objects.create_user(
            **{get_user_model().USERNAME_FIELD: "demo", "email": "demo@example.com"}
            if get_user_model().USERNAME_FIELD != "email"
            else {"email": "demo@example.com"}
        )
        set_server_password(demo, "demo-password-1")
        self.server = AppServer().start()
        self.addCleanup(self.server.stop)

    def test_the_curl_examples_run_in_order_as_pasted(self):
        script = walkthrough()
        self.assertIn(README_URL, script)
        # Every variable a command uses is set by one before it.
        used = set(re.findall(r"\$(\w+)", script))
        assigned = set(re.findall(r"(?m)^(\w+)=", script))
        self.assertEqual(used - assigned, set())
        done = subprocess.run(
            [
                "bash",
                "-e",
                "-u",
                "-o",
                "pipefail",
                "-c",
                script.replace(README_URL, self.server.base_url),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertIn('"username":"demo"', lines[0].replace(" ", ""))  # me/
        self.assertIn('"session_id"', lines[1].replace(" ", ""))  # session/
        self.assertEqual(lines[2], "204")  # logout/
        self.assertIn('"code":"token_revoked"', lines[3].replace(" ", ""))
        self.assertEqual(len(lines), 4, done.stdout)
