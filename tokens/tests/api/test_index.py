"""``/api/auth/`` answers an index of the endpoints (as DRF's ``DefaultRouter`` root does), to
anyone, instead of a 404."""

from django.urls import reverse

from tokens.tests.support import AuthAPITestCase, bearer


class IndexTests(AuthAPITestCase):
    def test_names_every_endpoint_without_an_argument_as_an_absolute_url(self):
        response = self.client.get("/api/auth/")
        self.assertEqual(response.status_code, 200)
        index = response.json()
        self.assertEqual(index["login"], "http://testserver/api/auth/login/")
        self.assertEqual(index["logout-all"], "http://testserver/api/auth/logout-all/")
        self.assertEqual(
            index["password-reset-confirm"],
            "http://testserver" + reverse("tokens:password-reset-confirm"),
        )
        for name, url in index.items():
            with self.subTest(name=name):
                self.assertTrue(url.startswith("http://testserver/api/auth/"), url)
                # Each one is served: anything but a 404.
                self.assertNotEqual(self.client.options(url).status_code, 404)
        # A path with an argument is not an endpoint a client can follow as it is.
        self.assertNotIn("session-detail", index)
        self.assertNotIn("index", index)

    def test_a_bad_token_does_not_hide_it(self):
        # Nothing secret is listed: a revoked or malformed token is not even looked at.
        pair = self.login()
        self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))
        self.assertEqual(
            self.client.get("/api/auth/", **bearer(pair["access_token"])).status_code, 200
        )
        self.assertEqual(self.client.get("/api/auth/", **bearer("not-a-jwt")).status_code, 200)

    def test_is_browsable(self):
        response = self.client.get("/api/auth/", HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"].split(";")[0], "text/html")
        self.assertContains(response, "http://testserver/api/auth/login/")

    def test_other_methods_are_405_with_a_code(self):
        for method in ("post", "put", "patch", "delete"):
            with self.subTest(method=method):
                response = getattr(self.client, method)("/api/auth/", {}, format="json")
                self.assertError(response, 405, "method_not_allowed")
