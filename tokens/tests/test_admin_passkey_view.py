"""The admin's passkey view refuses what is no passkey answer: a request without the CSRF token,
a GET, a body without a credential, and a ceremony nobody started.
"""

from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.urls import reverse

from tokens.tests.support import AuthAPITestCase, make_user


class AdminPasskeyViewTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        make_user("root", is_staff=True, is_superuser=True)
        self.url = reverse("admin-passkey-login")

    def test_another_sites_form_cannot_post_here(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            self.url, {"challenge_id": "x", "credential": {}}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)

    def test_only_a_post(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_a_body_without_an_answer_is_refused(self):
        for body in ({}, {"challenge_id": 1, "credential": {}}, {"challenge_id": "x"}):
            with self.subTest(body=body):
                response = self.client.post(self.url, body, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "invalid_request")

    def test_a_ceremony_nobody_started_opens_no_session(self):
        response = self.client.post(
            self.url,
            {"challenge_id": "never-issued", "credential": {"id": "AA", "response": {}}},
            format="json",
        )
        self.assertIn(response.status_code, (400, 401))
        self.assertNotIn("redirect", response.json())
        self.assertEqual(DjangoSession.objects.count(), 0)
