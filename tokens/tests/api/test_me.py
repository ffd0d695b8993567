from unittest import skipUnless

from django.contrib.auth import get_user_model

from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    login_name,
    uses_accounts,
)


class MeTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.auth = bearer(self.pair["access_token"])

    def test_get_returns_the_profile(self):
        response = self.client.get("/api/auth/me/", **self.auth)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        if uses_accounts():
            self.assertEqual(
                set(body), {"id", "username", "email", "first_name", "last_name", "date_joined"}
            )
            self.assertEqual((body["id"], body["username"]), (self.user.pk, "alice"))
        else:  # the fields the user model lacks are left out; a UUID key is a string
            self.assertEqual(set(body), {"id", "username", "email", "date_joined"})
            self.assertEqual(
                (body["id"], body["username"]), (str(self.user.pk), login_name("alice"))
            )

    def test_read_and_write_serializers_give_the_same_profile(self):
        from tokens.serializers import ProfileReadSerializer, ProfileSerializer

        self.user.email = "Alice@Example.com"
        self.assertEqual(
            dict(ProfileReadSerializer(self.user).data), dict(ProfileSerializer(self.user).data)
        )

    @skipUnless(uses_accounts(), "the project's user model has names and a separate username")
    def test_patch_changes_names_only(self):
        response = self.client.patch(
            "/api/auth/me/",
            {
                "email": "new@example.com",
                "first_name": "Alice",
                "last_name": "Liddell",
                "username": "mallory",
            },
            format="json",
            **self.auth,
        )
        self.assertEqual(response.status_code, 200)
        self.user.refresh_from_db()
        self.assertEqual(
            (self.user.email, self.user.first_name, self.user.last_name, self.user.username),
            ("alice@example.com", "Alice", "Liddell", "alice"),
        )
        self.assertEqual(response.json()["first_name"], "Alice")

    def test_patch_changes_nothing_read_only(self):
        """The address is read-only here: a new one goes through email/change/ and its key."""
        before = self.client.get("/api/auth/me/", **self.auth).json()
        change = {"email": "new@example.com", "id": 7, "date_joined": "2000-01-01"}
        response = self.client.patch("/api/auth/me/", change, format="json", **self.auth)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), before)
        self.assertEqual(get_user_model().objects.get(pk=self.user.pk).email, "alice@example.com")

    def test_bad_bodies(self):
        bodies = ["[1]", "{bad"]
        if uses_accounts():
            bodies.append('{"first_name": "' + "x" * 20000 + '"}')
        for raw in bodies:
            with self.subTest(body=raw[:30]):
                response = self.client.generic(
                    "PATCH", "/api/auth/me/", raw, content_type="application/json", **self.auth
                )
                self.assertEqual(response.status_code, 400)

    def test_put_and_delete_are_not_allowed(self):
        self.assertError(
            self.client.put("/api/auth/me/", {}, format="json", **self.auth),
            405,
            "method_not_allowed",
        )
        self.assertError(
            self.client.delete("/api/auth/me/", **self.auth), 405, "method_not_allowed"
        )
