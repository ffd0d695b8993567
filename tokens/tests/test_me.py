from tokens.tests.support import AuthAPITestCase, bearer, make_user


class MeTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.auth = bearer(self.pair["access_token"])

    def test_get_returns_the_profile(self):
        response = self.client.get("/api/auth/me/", **self.auth)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.json()), {"id", "username", "email", "first_name", "last_name", "date_joined"})

    def test_read_and_write_serializers_give_the_same_profile(self):
        from tokens.serializers import ProfileReadSerializer, ProfileSerializer

        self.user.first_name = "Alice"
        self.assertEqual(dict(ProfileReadSerializer(self.user).data), dict(ProfileSerializer(self.user).data))

    def test_patch_changes_email_and_names_only(self):
        response = self.client.patch("/api/auth/me/", {"email": "new@example.com", "first_name": "Alice",
                                                      "last_name": "Liddell", "username": "mallory"},
                                     format="json", **self.auth)
        self.assertEqual(response.status_code, 200)
        self.user.refresh_from_db()
        self.assertEqual((self.user.email, self.user.first_name, self.user.last_name, self.user.username),
                         ("new@example.com", "Alice", "Liddell", "alice"))
        self.assertEqual(response.json()["email"], "new@example.com")

    def test_patch_refuses_an_email_taken_in_another_case_and_loses_nothing(self):
        make_user("bob", email="bob@example.com")
        response = self.client.patch("/api/auth/me/", {"email": "BOB@example.com", "first_name": "X"},
                                     format="json", **self.auth)
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.json())
        self.user.refresh_from_db()
        self.assertEqual((self.user.email, self.user.first_name), ("alice@example.com", ""))

    def test_bad_bodies(self):
        for raw in ("[1]", "{bad", '{"email": "not-an-email"}', '{"first_name": "' + "x" * 20000 + '"}'):
            with self.subTest(body=raw[:30]):
                response = self.client.generic("PATCH", "/api/auth/me/", raw, content_type="application/json",
                                               **self.auth)
                self.assertEqual(response.status_code, 400)

    def test_put_and_delete_are_not_allowed(self):
        self.assertError(self.client.put("/api/auth/me/", {}, format="json", **self.auth), 405, "method_not_allowed")
        self.assertError(self.client.delete("/api/auth/me/", **self.auth), 405, "method_not_allowed")


class UnknownPathTests(AuthAPITestCase):
    def test_unknown_api_paths_answer_in_the_error_shape(self):
        response = self.client.get("/api/auth/nothing-here/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
        self.assertEqual(self.client.get("/no-such-page/").status_code, 404)
