from unittest import mock, skipUnless

from django.contrib.auth.models import Permission

from tokens.models import AuthEvent, Session
from tokens.tests.support import (
    AuthAPITestCase,
    FrozenClock,
    bearer,
    claims,
    login_name,
    make_user,
    uses_accounts,
)


class RevocationTests(AuthAPITestCase):
    """RFC 7009 at ``revoke/``: revoking either token of a session ends the session."""

    def revoke(self, token, **extra):
        return self.client.post("/api/auth/revoke/", {"token": token, **extra})

    def test_revoking_an_access_token_revokes_its_session(self):
        pair = self.login()
        response = self.revoke(pair["access_token"], token_type_hint="access_token")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Cache-Control"], "max-age=0, no-cache, no-store, must-revalidate, private"
        )
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked")
        session = Session.objects.get(pk=pair["session_id"])
        self.assertEqual(session.revoked_reason, Session.RevokeReason.RFC7009)
        self.assertTrue(
            AuthEvent.objects.filter(kind=AuthEvent.Kind.REVOKED, session_id=session.pk).exists()
        )

    def test_revoking_a_refresh_token_revokes_its_session_whatever_the_hint(self):
        pair = self.login()
        other = self.login()
        self.assertEqual(
            self.revoke(pair["refresh_token"], token_type_hint="access_token").status_code, 200
        )
        self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
        self.assertEqual(self.me(other["access_token"]).status_code, 200)

    def test_unknown_and_invalid_tokens_get_200(self):
        pair = self.login()
        for token in ("garbage", pair["access_token"][:-4] + "AAAA", "a.b.c"):
            with self.subTest(token=token):
                self.assertEqual(
                    self.revoke(token, token_type_hint="something_else").status_code, 200
                )
        self.assertEqual(self.revoke(pair["access_token"]).status_code, 200)
        self.assertEqual(self.revoke(pair["access_token"]).status_code, 200)

    def test_a_missing_token_is_a_validation_error(self):
        response = self.client.post("/api/auth/revoke/", {})
        self.assertEqual(response.status_code, 400)
        self.assertIn("token", response.json())


class IntrospectionTests(AuthAPITestCase):
    """RFC 7662 at ``introspect/``: staff or holders of ``tokens.introspect_token`` only."""

    def setUp(self):
        super().setUp()
        make_user("service", is_staff=True)
        self.service_token = self.login("service")["access_token"]

    def introspect(self, token, caller=None):
        return self.client.post(
            "/api/auth/introspect/", {"token": token}, **bearer(caller or self.service_token)
        )

    def test_a_live_access_token(self):
        pair = self.login()
        response = self.introspect(pair["access_token"])
        self.assertEqual(response.status_code, 200)
        token = claims(pair["access_token"])
        self.assertEqual(
            response.json(),
            {
                "active": True,
                "token_type": "access",
                "sub": str(self.user.pk),
                "username": login_name("alice"),
                "sid": pair["session_id"],
                "iat": token["iat"],
                "exp": token["exp"],
            },
        )

    def test_a_live_refresh_token_and_a_consumed_one(self):
        pair = self.login()
        body = self.introspect(pair["refresh_token"]).json()
        self.assertEqual(
            (body["active"], body["token_type"], body["username"]),
            (True, "refresh", login_name("alice")),
        )
        rotated = self.refresh(pair["refresh_token"]).json()
        self.assertEqual(self.introspect(pair["refresh_token"]).json(), {"active": False})
        self.assertTrue(self.introspect(rotated["refresh_token"]).json()["active"])

    def test_tokens_that_are_not_live(self):
        pair = self.login()
        self.assertEqual(self.introspect("garbage").json(), {"active": False})
        clock = FrozenClock()
        with mock.patch("tokens.core.clock.time", clock):
            clock.advance(901)
            self.assertEqual(
                self.introspect(
                    pair["access_token"], caller=self.login("service")["access_token"]
                ).json(),
                {"active": False},
            )
        self.client.post("/api/auth/logout/", **bearer(pair["access_token"]))
        self.assertEqual(self.introspect(pair["access_token"]).json(), {"active": False})
        self.assertEqual(self.introspect(pair["refresh_token"]).json(), {"active": False})

    def test_a_disabled_user_has_no_active_tokens(self):
        pair = self.login()
        type(self.user).objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertEqual(self.introspect(pair["access_token"]).json(), {"active": False})

    def test_who_may_call_it(self):
        pair = self.login()
        self.assertError(
            self.client.post("/api/auth/introspect/", {"token": pair["access_token"]}),
            401,
            "not_authenticated",
        )
        self.assertError(
            self.introspect(pair["access_token"], caller=pair["access_token"]),
            403,
            "permission_denied",
        )

    @skipUnless(uses_accounts(), "a user model with Django's permissions (PermissionsMixin)")
    def test_the_permission_lets_a_user_introspect(self):
        pair = self.login()
        self.user.user_permissions.add(Permission.objects.get(codename="introspect_token"))
        self.assertTrue(
            self.introspect(pair["access_token"], caller=pair["access_token"]).json()["active"]
        )

    def test_a_missing_token_is_a_validation_error(self):
        response = self.client.post("/api/auth/introspect/", {}, **bearer(self.service_token))
        self.assertEqual(response.status_code, 400)
        self.assertIn("token", response.json())
