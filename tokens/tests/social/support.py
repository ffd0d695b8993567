"""Driving social logins in tests (not a test module): a browser (Django's test client) that goes
to the test provider over real HTTP and comes back to the callback with what the provider sent.
"""

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APITestCase

from tokens.social import providers
from tokens.tests.social.provider import Provider
from tokens.tests.support import RealRedisMixin, bearer

SITE = "http://localhost:8000"
NEXT = f"{SITE}/account/"


def fragment(response) -> dict[str, str]:
    """The ``#...`` values of a redirect."""
    return dict(parse_qsl(urlsplit(response["Location"]).fragment))


class SocialTestCase(RealRedisMixin, APITestCase):
    """A running test provider ``idp`` (and the GitHub fake ``github``), configured as on."""

    def setUp(self):
        super().setUp()
        self.idp = Provider().start()
        self.addCleanup(self.idp.stop)
        self.configure()
        providers.forget()

    def configure(self, **overrides: Any) -> None:
        tokens = {
            **settings.TOKENS,
            "SITE_URL": SITE,
            "SOCIAL_PROVIDERS": {
                "idp": self.idp.settings(),
                "github": self.idp.github_settings(),
            },
            **overrides,
        }
        overriding = override_settings(TOKENS=tokens)
        overriding.enable()
        self.addCleanup(overriding.disable)

    # The browser's trip ------------------------------------------------------------------------

    def start(self, provider: str = "idp", next_url: str = NEXT):
        return self.client.get(f"/api/auth/social/{provider}/login/", {"next": next_url})

    def at_provider(self, location: str) -> tuple[str, dict[str, str]]:
        """Follow the redirect to the provider with a real HTTP request; where it sends back."""
        answer = requests.get(location, allow_redirects=False, timeout=5)
        self.assertEqual(answer.status_code, 302, answer.text)
        back = urlsplit(answer.headers["Location"])
        return back.path, dict(parse_qsl(back.query))

    def round_trip(self, provider: str = "idp", next_url: str = NEXT, start=None):
        """Start (or take ``start``'s redirect), visit the provider, come back: the callback's
        answer.
        """
        response = start if start is not None else self.start(provider, next_url)
        self.assertEqual(response.status_code, 302, getattr(response, "content", b""))
        path, params = self.at_provider(response["Location"])
        return self.client.get(path, params)

    def login_code(self, provider: str = "idp") -> str:
        answer = fragment(self.round_trip(provider))
        self.assertIn("code", answer, answer)
        return answer["code"]

    def social_login(self, code: str, **extra: Any):
        return self.client.post("/api/auth/login/social/", {"code": code, **extra}, format="json")

    def signed_in(self, provider: str = "idp") -> dict:
        """The token pair of a full social login."""
        response = self.social_login(self.login_code(provider))
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def assertError(self, response, status_code: int, code: str) -> None:
        self.assertEqual(response.status_code, status_code, response.content)
        self.assertEqual(response.json()["code"], code)

    def signed_in_flow(self, path: str, access_token: str, next_url: str = NEXT):
        """POST ``path`` (link/ or reauthenticate/) and follow its URL through the provider."""
        response = self.client.post(path, {"next": next_url}, format="json", **bearer(access_token))
        self.assertEqual(response.status_code, 200, response.content)
        back, params = self.at_provider(response.json()["authorization_url"])
        return self.client.get(back, params)
