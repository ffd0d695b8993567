"""Nothing a client sends produces a 5xx: every route, every method, malformed bodies.

On the API's routes (under /api/) every 4xx also carries the contract's error body,
``{"detail", "code"}``, or DRF's field errors for a 400.
"""

import json
import re
import uuid
from typing import ClassVar

import pyotp
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, resolve

from tokens.core.issuing import login
from tokens.mfa.models import Passkey
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    login_name,
    token_settings,
    without_rate_limits,
)

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE")
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A valid-looking value for each kind of path parameter.
SAMPLE_VALUES = {"uuid": str(uuid.UUID(int=1)), "int": "1", "path": "1", "slug": "1", "str": "1"}


def sample_path(route: str) -> str:
    """A path that ``route`` (a URL pattern's route or regex, prefixes joined) matches."""
    # Regex groups: the first of a list of literal alternatives, else a value that fits most.
    path = re.sub(
        r"\(\?P<\w+>([^)]*)\)",
        lambda match: (
            match.group(1).split("|")[0] if re.fullmatch(r"[\w|-]+", match.group(1)) else "1"
        ),
        route,
    )
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda match: SAMPLE_VALUES[match.group(1) or "str"], path)
    return "/" + path.replace("^", "").replace("$", "")


def routes(patterns=None, prefix="") -> list[tuple[str, str]]:
    """Every URL pattern of the project as ``(route, a path it matches)``."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, route)
        else:
            found.append((route, sample_path(route)))
    return found


def malformed_bodies() -> list[tuple[str, bytes, str]]:
    """``(label, body, content type)`` of bodies a careless or hostile client sends."""
    deep = "[" * 1000 + "]" * 1000
    huge = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    fields = "&".join(f"field{number}=x" for number in range(5000))
    return [
        ("deep JSON", deep.encode(), "application/json"),
        (
            "deep JSON in a field",
            ('{"username": ' + deep + ', "token": ' + deep + "}").encode(),
            "application/json",
        ),
        ("deep objects", ('{"a": ' * 1000 + "1" + "}" * 1000).encode(), "application/json"),
        (
            "invalid UTF-8 JSON",
            b'{"username": "\xff\xfe", "password": "\xc3\x28"}',
            "application/json",
        ),
        (
            "invalid UTF-8 form",
            b"username=%ff%fe&password=\xff\xfe&token=\xc3\x28",
            "application/x-www-form-urlencoded",
        ),
        ("huge JSON", b'{"username": "' + b"x" * huge + b'"}', "application/json"),
        ("huge form", b"username=" + b"x" * huge, "application/x-www-form-urlencoded"),
        ("thousands of form fields", fields.encode(), "application/x-www-form-urlencoded"),
        (
            "thousands of multipart fields",
            "".join(
                f'--b\r\nContent-Disposition: form-data; name="f{number}"\r\n\r\nx\r\n'
                for number in range(2000)
            ).encode()
            + b"--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
        (
            "thousands of JSON keys",
            json.dumps({f"field{number}": "x" for number in range(5000)}).encode(),
            "application/json",
        ),
        ("multipart without a boundary", b"--x\r\n\r\n", "multipart/form-data"),
        ("garbage multipart", b"--b\r\nnonsense\r\n", "multipart/form-data; boundary=b"),
        ("unknown charset", b'{"username": "alice"}', "application/json; charset=no-such-charset"),
        (
            "unknown form charset",
            b"username=alice",
            "application/x-www-form-urlencoded; charset=no-such-charset",
        ),
        ("text", b"username=alice", "text/plain"),
        ("XML", b"<login><username>alice</username></login>", "application/xml"),
        ("no content type", b'{"username": "alice"}', ""),
        ("nonsense content type", b"{}", "/;;=="),
        ("empty JSON", b"", "application/json"),
    ]


@without_rate_limits()
@token_settings(LOGIN_FAILURE_DELAY=0)
class NoServerErrorTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.user.is_staff = True
        self.user.save(update_fields=["is_staff"])
        self.client = Client(raise_request_exception=False)

    def access_token(self) -> str:
        """A fresh access token of the staff user (a route may have revoked the last one)."""
        return login(RequestFactory().post("/"), self.user).access_token

    def assertAnswered(self, response, label: str, path: str, method: str):
        self.assertLess(response.status_code, 500, f"{label}: {response.content[:300]!r}")
        if not path.startswith("/api/") or response.status_code < 400 or method == "HEAD":
            return
        self.assertEqual(
            response["Content-Type"], "application/json", f"{label}: {response.content[:300]!r}"
        )
        body = response.json()
        # Field errors; a field may itself be named "code" (a second factor's), its errors a list.
        if response.status_code == 400 and not isinstance(body.get("code"), str):
            self.assertTrue(
                body and all(isinstance(value, (list, dict)) for value in body.values()), label
            )
            return
        self.assertIsInstance(body.get("detail"), str, label)
        self.assertIsInstance(body.get("code"), str, label)

    def test_the_routes_are_all_found(self):
        found = routes()
        for route, path in found:
            with self.subTest(route=route):
                # A resolved route drops the leading ^ of a regex pattern.
                self.assertEqual(resolve(path).route, route.replace("^", ""))
        paths = {path for _, path in found}
        self.assertTrue(
            {"/api/auth/login/", "/api/docs/", "/admin/auth/", "/.well-known/jwks.json"} <= paths
        )

    def test_every_route_and_method_with_and_without_a_token(self):
        for _route, path in routes():
            for method in METHODS:
                for credentials in ("none", "bearer"):
                    headers = (
                        {"HTTP_AUTHORIZATION": f"Bearer {self.access_token()}"}
                        if credentials == "bearer"
                        else {}
                    )
                    for accept in ("*/*", "text/html"):
                        label = f"{method} {path} ({credentials}, {accept})"
                        with self.subTest(label):
                            response = self.client.generic(
                                method, path, HTTP_ACCEPT=accept, **headers
                            )
                            if accept == "*/*":
                                self.assertAnswered(response, label, path, method)
                            else:
                                self.assertLess(response.status_code, 500, label)

    def test_malformed_bodies_on_every_route(self):
        bodies = malformed_bodies()
        for _route, path in routes():
            token = self.access_token()
            for method in BODY_METHODS:
                for name, body, content_type in bodies:
                    label = f"{method} {path}: {name}"
                    with self.subTest(label):
                        response = self.client.generic(
                            method,
                            path,
                            body,
                            content_type=content_type,
                            HTTP_AUTHORIZATION=f"Bearer {token}",
                        )
                        self.assertAnswered(response, label, path, method)

    def test_malformed_bodies_through_the_browsable_api(self):
        for name, body, content_type in malformed_bodies():
            for path in ("/api/auth/login/", "/api/auth/me/", "/api/auth/revoke/"):
                with self.subTest(f"{path}: {name}"):
                    response = self.client.generic(
                        "POST", path, body, content_type=content_type, HTTP_ACCEPT="text/html"
                    )
                    self.assertLess(response.status_code, 500)

    def test_a_host_not_allowed_gets_the_api_error_on_api_routes(self):
        response = self.client.get("/api/auth/me/", HTTP_HOST="attacker.example")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "bad_request")
        self.assertEqual(self.client.get("/", HTTP_HOST="attacker.example").status_code, 400)


# Values a hostile client puts in the second-factor fields: wrong types, junk and near-misses of
# WebAuthn's JSON.
HOSTILE_VALUES = [
    None,
    0,
    -1,
    10**40,
    True,
    "",
    " ",
    "\x00",
    "\ud800",
    "x" * 100000,
    [],
    ["a"],
    {},
    {"id": 1},
    {"id": "AA", "rawId": "AA", "type": "public-key", "response": {}},
    {
        "id": "!!",
        "rawId": "!!",
        "type": "public-key",
        "response": {
            "clientDataJSON": "!!",
            "attestationObject": "AAAA",
            "authenticatorData": "AA",
            "signature": "AA",
            "userHandle": 5,
        },
    },
    {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": "e30",
            "attestationObject": "oA",
            "authenticatorData": "AAAA",
            "signature": "AAAA",
            "transports": [1, {}],
        },
    },
    "{not json",
    '{"id": "AA"}',
]


@without_rate_limits()
@token_settings(LOGIN_FAILURE_DELAY=0)
class SecondFactorBadInputTests(AuthAPITestCase):
    """The second-factor endpoints, with a user who has factors and ceremonies under way: hostile
    values in every field are a 4xx with a code or field errors, never a 5xx.
    """

    def setUp(self):
        super().setUp()
        self.client = Client(raise_request_exception=False)
        self.token = login(RequestFactory().post("/"), self.user).access_token
        auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        secret = self.client.post("/api/auth/mfa/totp/", **auth).json()["secret"]
        code = pyotp.TOTP(secret).now()
        confirm = self.client.post(
            "/api/auth/mfa/totp/confirm/", {"code": code}, content_type="application/json", **auth
        )
        self.assertEqual(confirm.status_code, 200, confirm.content)
        # A passkey of the user, so the login's second step holds a ceremony to answer.
        Passkey.objects.create(
            user=self.user, name="x", credential_id="AAAA", public_key=b"\xa0", user_handle="AA"
        )

    def test_hostile_values_in_every_field(self):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        mfa_token = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            content_type="application/json",
        ).json()["mfa_token"]
        challenge_id = self.client.post("/api/auth/login/passkey/options/").json()["challenge_id"]
        requests = [
            ("/api/auth/mfa/totp/confirm/", {}, "code"),
            ("/api/auth/mfa/passkeys/", {"name": "x"}, "credential"),
            ("/api/auth/mfa/passkeys/", {"credential": {}}, "name"),
            ("/api/auth/login/mfa/", {"mfa_token": mfa_token}, "code"),
            ("/api/auth/login/mfa/", {"mfa_token": mfa_token}, "credential"),
            ("/api/auth/login/mfa/", {"code": "123456"}, "mfa_token"),
            ("/api/auth/login/passkey/", {"challenge_id": challenge_id}, "credential"),
            ("/api/auth/login/passkey/", {"credential": {}}, "challenge_id"),
            ("/api/auth/reauthenticate/", {}, "password"),
            ("/api/auth/reauthenticate/", {}, "code"),
            ("/api/auth/reauthenticate/", {"challenge_id": challenge_id}, "credential"),
            ("/api/auth/reauthenticate/", {"credential": {}}, "challenge_id"),
        ]
        for path, base, field in requests:
            for value in HOSTILE_VALUES:
                label = f"{path} {field}={str(value)[:40]!r}"
                with self.subTest(label):
                    # A registration under way each time, so every answer reaches the verifier.
                    self.client.post("/api/auth/mfa/passkeys/options/", **auth)
                    response = self.client.post(
                        path, {**base, field: value}, content_type="application/json", **auth
                    )
                    self.assertLess(response.status_code, 500, f"{label}: {response.content!r}")
                    self.assertGreaterEqual(response.status_code, 400, label)
                    self.assertIsInstance(response.json(), dict, label)


class BadInputAnswerTests(AuthAPITestCase):
    """What each kind of bad input gets, by status and code."""

    def post(self, body, content_type, path="/api/auth/login/"):
        return self.client.generic("POST", path, body, content_type=content_type)

    def test_json_nested_too_deeply_is_a_parse_error(self):
        self.assertError(self.post("[" * 1000 + "]" * 1000, "application/json"), 400, "parse_error")
        self.assertError(
            self.post('{"username": ' + "[" * 100000, "application/json"), 400, "parse_error"
        )

    def test_a_body_over_the_upload_limit_is_413(self):
        huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        self.assertError(
            self.post('{"username": "' + huge + '"}', "application/json"), 413, "request_too_large"
        )
        self.assertError(
            self.post("username=" + huge, "application/x-www-form-urlencoded"),
            413,
            "request_too_large",
        )

    def test_too_many_form_fields_is_a_400(self):
        fields = "&".join(
            f"field{number}=x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
        )
        self.assertError(
            self.post(fields, "application/x-www-form-urlencoded"), 400, "too_many_fields"
        )
        parts = (
            "".join(
                f'--b\r\nContent-Disposition: form-data; name="f{number}"\r\n\r\nx\r\n'
                for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
            )
            + "--b--\r\n"
        )
        self.assertError(
            self.post(parts, "multipart/form-data; boundary=b"), 400, "too_many_fields"
        )

    def test_invalid_utf8_and_wrong_content_types(self):
        self.assertError(self.post(b'{"username": "\xff"}', "application/json"), 400, "parse_error")
        self.assertError(self.post(b"<xml/>", "application/xml"), 415, "unsupported_media_type")
        self.assertError(self.post(b"username=alice", "text/plain"), 415, "unsupported_media_type")

    def test_options_and_other_methods_on_the_documents_answer_in_json(self):
        for path in ("/api/docs/", "/api/schema/"):
            with self.subTest(path=path):
                response = self.client.options(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertIn("GET", response["Allow"])
                self.assertError(self.client.post(path), 405, "method_not_allowed")
        self.assertContains(self.client.get("/api/docs/"), "swagger-ui")
        self.assertEqual(self.client.head("/api/docs/").status_code, 200)


class SweepHelperTests(AuthAPITestCase):
    def test_sample_paths_fill_every_kind_of_parameter(self):
        self.assertEqual(
            sample_path("api/auth/sessions/<uuid:session_id>/"),
            f"/api/auth/sessions/{uuid.UUID(int=1)}/",
        )
        self.assertEqual(sample_path("admin/^(?P<app_label>auth|tokens)/$"), "/admin/auth/")
        self.assertEqual(sample_path("admin/(?P<url>.*)$"), "/admin/1")


@without_rate_limits()
class AccountFieldsTests(AuthAPITestCase):
    """The account endpoints' fields with values of every wrong type: a 400, never a 500."""

    values = (
        *(None, 1, 1.5, True, [], ["x"], {}, {"a": 1}, ""),
        *("\x00", "\ud800", "é" * 300, "x" * 5000),
    )
    fields: ClassVar[dict[str, tuple[str, ...]]] = {
        "/api/auth/register/": ("email", "password", "username"),
        "/api/auth/email/verify/": ("key",),
        "/api/auth/email/verify/resend/": ("email",),
        "/api/auth/password/reset/": ("email",),
        "/api/auth/password/reset/confirm/": ("key", "new_password"),
        "/api/auth/email/change/": ("email",),
    }
    good: ClassVar[dict[str, str]] = {
        "email": "someone@example.com",
        "password": "correct-horse-battery-9",
        "new_password": "correct-horse-battery-9",
        "username": "someone",
        "key": "nonsense",
    }

    def test_every_field_with_every_wrong_type(self):
        client = Client(raise_request_exception=False)
        token = login(RequestFactory().post("/"), self.user).access_token
        for path, fields in self.fields.items():
            for field in fields:
                for value in self.values:
                    body = {**{name: self.good[name] for name in fields}, field: value}
                    with self.subTest(path=path, field=field, value=repr(value)[:20]):
                        response = client.post(
                            path,
                            json.dumps(body),
                            content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {token}",
                        )
                        self.assertLess(response.status_code, 500, response.content[:300])
                        if response.status_code >= 400:
                            self.assertEqual(response["Content-Type"], "application/json")
