from unittest import skipUnless

from django.contrib.auth import get_user_model

from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    login_name,
    make_user,
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
    def test_patch_changes_email_and_names_only(self):
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
            ("new@example.com", "Alice", "Liddell", "alice"),
        )
        self.assertEqual(response.json()["email"], "new@example.com")

    def test_patch_changes_the_email_and_nothing_read_only(self):
        before = self.client.get("/api/auth/me/", **self.auth).json()
        change = {"email": "new@example.com", "id": 7, "date_joined": "2000-01-01"}
        response = self.client.patch("/api/auth/me/", change, format="json", **self.auth)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                **before,
                "email": "new@example.com",
                **({} if uses_accounts() else {"username": "new@example.com"}),
            },
        )
        self.assertEqual(get_user_model().objects.get(pk=self.user.pk).email, "new@example.com")

    def test_patch_refuses_an_email_taken_in_another_case_and_loses_nothing(self):
        make_user("bob", email="bob@example.com")
        response = self.client.patch(
            "/api/auth/me/", {"email": "BOB@example.com"}, format="json", **self.auth
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.json())
        self.user.refresh_from_db()
        self.assertEqual(self.user.email, "alice@example.com")

    def test_bad_bodies(self):
        for raw in (
            "[1]",
            "{bad",
            '{"email": "not-an-email"}',
            '{"email": "' + "x" * 20000 + '@example.com"}',
        ):
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
