import re

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema
from rest_framework.test import APITestCase

from tokens.tests.support import RealRedisMixin


def api_paths(patterns=None, prefix="") -> set[str]:
    """Every URL of the API contract (the admin, the account and demo pages with their language
    catalogue and switch, and the document's own pages left out).
    """
    paths = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                paths |= api_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route not in {
            "",
            "demo/",
            "i18n/catalogue.js",
            "i18n/language/",
            "api/schema/",
            "api/docs/",
        }:
            paths.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return paths


class OpenAPITests(RealRedisMixin, APITestCase):
    def schema(self) -> dict:
        response = self.client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_document_is_valid_and_covers_every_endpoint(self):
        schema = self.schema()
        validate_schema(schema)
        self.assertEqual(set(schema["paths"]), api_paths())

    def test_the_bearer_scheme_is_declared_for_protected_endpoints(self):
        schema = self.schema()
        self.assertEqual(
            schema["components"]["securitySchemes"]["bearerAuth"],
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
            },
        )
        self.assertIn({"bearerAuth": []}, schema["paths"]["/api/auth/me/"]["get"]["security"])
        self.assertNotIn(
            {"bearerAuth": []}, schema["paths"]["/api/auth/login/"]["post"]["security"]
        )

    def test_every_operation_documents_its_errors(self):
        error = {"$ref": "#/components/schemas/Error"}
        for path, operations in self.schema()["paths"].items():
            for method, operation in operations.items():
                with self.subTest(f"{method} {path}"):
                    responses = operation["responses"]
                    # They touch no store (the index of /api/auth/ is built from the URLconf).
                    if path in {"/.well-known/jwks.json", "/healthz", "/api/auth/"}:
                        self.assertNotIn("503", responses)
                    elif path == "/readyz":  # an error body that also names what failed
                        self.assertEqual(
                            responses["503"]["content"]["application/json"]["schema"],
                            {"$ref": "#/components/schemas/NotReady"},
                        )
                    else:
                        self.assertEqual(
                            responses["503"]["content"]["application/json"]["schema"], error
                        )
                    if {"bearerAuth": []} in operation.get("security", ()):
                        for status in ("401", "403"):
                            self.assertEqual(
                                responses[status]["content"]["application/json"]["schema"], error
                            )
                    if "requestBody" in operation:
                        self.assertIn("400", responses)

    def test_swagger_ui_is_served_without_a_cdn(self):
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/", page)
        self.assertNotIn("cdn.", page)
        self.assertNotIn("unpkg", page)

    def test_every_login_type_request_declares_transport(self):
        schema = self.schema()
        components = schema["components"]["schemas"]
        for path in ("login/", "login/mfa/", "login/passkey/", "reauthenticate/"):
            with self.subTest(path=path):
                body = schema["paths"]["/api/auth/" + path]["post"]["requestBody"]
                reference = body["content"]["application/json"]["schema"]["$ref"]
                request = components[reference.rsplit("/", 1)[1]]
                self.assertIn("transport", request["properties"])
                self.assertNotIn("transport", request.get("required", []))
        # The pair's tokens may be left out (cookies alone), so no client may count on them.
        for name in ("TokenPair", "LoginResponse"):
            self.assertNotIn("access_token", components[name].get("required", []))
            self.assertNotIn("refresh_token", components[name].get("required", []))

    def test_the_auth_endpoints_come_first_grouped_by_task(self):
        schema = self.schema()
        names = [tag["name"] for tag in schema["tags"]]
        self.assertEqual(names[:3], ["Login", "Sessions", "Account"])
        self.assertEqual(names[-1], "Operations")
        tagged = {
            (method.upper(), path): operation["tags"]
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
        }
        for where, tags in tagged.items():
            with self.subTest(where):
                # One group each, and one the document lists (an unlisted tag sorts last).
                self.assertEqual(len(tags), 1)
                self.assertIn(tags[0], names)
        self.assertEqual(tagged["POST", "/api/auth/login/"], ["Login"])
        self.assertEqual(tagged["POST", "/api/auth/refresh/"], ["Login"])
        self.assertEqual(tagged["POST", "/api/auth/login/mfa/"], ["Login"])
        self.assertEqual(tagged["GET", "/api/auth/sessions/"], ["Sessions"])
        self.assertEqual(tagged["POST", "/api/auth/password/"], ["Account"])
        self.assertEqual(tagged["POST", "/api/auth/email/change/"], ["Account"])
        self.assertEqual(tagged["POST", "/api/auth/register/"], ["Sign-up and recovery"])
        self.assertEqual(tagged["GET", "/healthz"], ["Operations"])
