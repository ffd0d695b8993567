"""Attacks on the accounts' edges, each answered as the hardening contract says: hostile text in
any field, an admin session outliving a logout-all, links built from a forged Host header, an
old reset key used after a newer one was asked for, and +tag variants of one address.
"""

import json

from django.core import mail
from django.test import Client, RequestFactory, override_settings

from tokens.core.issuing import login
from tokens.tests.lifecycle_support import NEW_PASSWORD, LifecycleTestCase, unlimited
from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    make_user,
    rate_limits,
    token_settings,
    without_rate_limits,
)

# Text no endpoint may answer with a 5xx: a lone surrogate (as a JSON escape), NUL, a huge string.
HOSTILE_TEXT = ("\ud800", "a\udfffb", "\x00", "x\x00y", "x" * 100000)


@without_rate_limits()
@token_settings(LOGIN_FAILURE_DELAY=0)
class HostileTextTests(AuthAPITestCase):
    """Every string field of every endpoint the OpenAPI document lists, alone and all at once."""

    def setUp(self):
        super().setUp()
        self.client = Client(raise_request_exception=False)

    def string_fields(self) -> dict[tuple[str, str], list[str]]:
        """``{(path, method): [string field, ...]}`` of every operation that takes a JSON body."""
        document = self.client.get(
            "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
        ).json()
        components = document["components"]["schemas"]
        found = {}
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                if schema is None:
                    continue
                if "$ref" in schema:
                    schema = components[schema["$ref"].rsplit("/", 1)[1]]
                fields = [
                    name
                    for name, spec in schema.get("properties", {}).items()
                    if spec.get("type", "string") == "string"
                ]
                path = path.replace("{session_id}", "00000000-0000-0000-0000-000000000001")
                found[(path.replace("{passkey_id}", "1"), method.upper())] = fields
        return found

    def assertRefused(self, response, label: str):
        self.assertGreaterEqual(response.status_code, 400, label)
        self.assertLess(response.status_code, 500, f"{label}: {response.content[:200]!r}")
        body = response.json()
        if not isinstance(body.get("code"), str):
            self.assertEqual(response.status_code, 400, label)
            self.assertTrue(all(isinstance(value, list | dict) for value in body.values()), label)

    def test_the_login_name_as_a_lone_surrogate_is_refused(self):
        response = self.client.post(
            "/api/auth/login/",
            '{"username": "\\ud800", "password": "x"}',
            content_type="application/json",
        )
        self.assertError(response, 400, "parse_error")

    def test_hostile_text_in_every_string_field_of_every_endpoint(self):
        operations = self.string_fields()
        self.assertIn(("/api/auth/login/", "POST"), operations)
        for (path, method), fields in operations.items():
            for value in HOSTILE_TEXT:
                bodies = [{field: value} for field in fields] + [dict.fromkeys(fields, value)]
                for body in bodies:
                    label = f"{method} {path} {sorted(body)} {value[:8]!r}"
                    with self.subTest(label):
                        token = login(RequestFactory().post("/"), self.user).access_token
                        response = self.client.generic(
                            method,
                            path,
                            json.dumps(body),
                            content_type="application/json",
                            **bearer(token),
                        )
                        self.assertLess(
                            response.status_code, 500, f"{label}: {response.content[:200]!r}"
                        )
                        if "\ud800" in value or "\udfff" in value:
                            self.assertRefused(response, label)


class AdminSessionTests(AuthAPITestCase):
    """A Django admin session of the user ends with every way all of the user's sessions end."""

    def setUp(self):
        super().setUp()
        # Staff who may see the admin's index: a superuser where the model has the field.
        fields = [f for f in ("is_staff", "is_superuser") if hasattr(self.user, f)]
        for field in fields:
            setattr(self.user, field, True)
        self.user.save(update_fields=fields)
        self.admin = Client()
        self.admin.force_login(self.user)
        self.assertEqual(self.admin.get("/admin/").status_code, 200)

    def assertSignedOut(self):
        response = self.admin.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"), response["Location"])

    def test_logout_all_ends_the_admin_session(self):
        token = self.login()["access_token"]
        response = self.client.post("/api/auth/logout-all/", **bearer(token))
        self.assertEqual(response.status_code, 204)
        self.assertSignedOut()

    def test_disabling_the_user_ends_the_admin_session(self):
        self.user.is_active = False
        self.user.save()
        self.user.is_active = True
        self.user.save()
        self.assertSignedOut()

    def test_another_users_admin_session_is_left_alone(self):
        other = make_user("bob", is_staff=True, is_superuser=True)
        bob = Client()
        bob.force_login(other)
        token = self.login()["access_token"]
        self.client.post("/api/auth/logout-all/", **bearer(token))
        self.assertEqual(bob.get("/admin/").status_code, 200)


@override_settings(ALLOWED_HOSTS=["localhost", "testserver", "evil.example"])
@token_settings(SITE_URL="https://accounts.example.org")
class MailLinkTests(LifecycleTestCase):
    """Links in mail come from SITE_URL, never from the request's Host header."""

    def test_a_forged_host_does_not_reach_the_reset_link(self):
        response = self.post(
            "password/reset/", {"email": "alice@example.com"}, HTTP_HOST="evil.example:8666"
        )
        self.assertEqual(response.status_code, 202)
        [message] = mail.outbox
        self.assertIn("https://accounts.example.org/?reset=", message.body)
        self.assertNotIn("evil.example", message.body)

    @token_settings(
        SITE_URL="https://accounts.example.org", PASSWORD_RESET_URL="https://app.test/r/{key}"
    )
    def test_an_absolute_link_template_stays_as_it_is(self):
        self.post("password/reset/", {"email": "alice@example.com"}, HTTP_HOST="evil.example")
        [message] = mail.outbox
        self.assertIn("https://app.test/r/", message.body)
        self.assertNotIn("evil.example", message.body)


@unlimited()
class NewestResetKeyTests(LifecycleTestCase):
    """Asking for a reset again kills the keys mailed before."""

    def test_an_older_reset_key_dies_when_a_newer_one_is_asked_for(self):
        self.post("password/reset/", {"email": "alice@example.com"})
        first = self.last_key("alice@example.com", "reset")
        self.post("password/reset/", {"email": "alice@example.com"})
        second = self.last_key("alice@example.com", "reset")
        self.assertNotEqual(first, second)
        self.assertError(self.post("password/reset/check/", {"key": first}), 400, "invalid_key")
        self.assertError(
            self.post("password/reset/confirm/", {"key": first, "new_password": NEW_PASSWORD}),
            400,
            "invalid_key",
        )
        check = self.post("password/reset/check/", {"key": second})
        self.assertEqual((check.status_code, check.json()), (200, {"valid": True}))
        # Checking uses nothing up: the key still sets the password.
        response = self.post(
            "password/reset/confirm/", {"key": second, "new_password": NEW_PASSWORD}
        )
        self.assertEqual(response.status_code, 204)
        self.assertError(self.post("password/reset/check/", {"key": second}), 400, "invalid_key")


@rate_limits(mail_ip=None, mail_address="3/hour")
class CanonicalAddressLimitTests(LifecycleTestCase):
    """Case and +tags do not multiply the mails one mailbox can be sent."""

    def test_tag_and_case_variants_share_one_limit(self):
        make_user("carol", email="carol@example.com")
        variants = [
            f"carol+{number}@example.com" if number % 2 else f"Carol+{number}@EXAMPLE.com"
            for number in range(9)
        ]
        for address in [*variants, "CAROL@example.com"]:
            self.assertEqual(self.post("password/reset/", {"email": address}).status_code, 202)
        self.assertLessEqual(len(mail.outbox), 3)
