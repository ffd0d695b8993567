"""Step-up: recent authentication on sensitive endpoints, reauthenticate/, and the permission
classes of ``tokens.permissions`` on a project's own views.
"""

from django.test import override_settings
from django.urls import include, path
from rest_framework.response import Response

from tokens.models import Session
from tokens.permissions import MultiFactorAuthenticated, RecentAuthentication
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import AuthAPITestCase, bearer, claims, without_rate_limits
from tokens.views import AuthAPIView

WINDOW = 300


class RecentView(AuthAPIView):
    """A project's sensitive view."""

    permission_classes = (*AuthAPIView.permission_classes, RecentAuthentication)

    def post(self, request):
        return Response({"done": True})


class TwoFactorView(AuthAPIView):
    """A project's view for sessions proven with two factors."""

    permission_classes = (*AuthAPIView.permission_classes, MultiFactorAuthenticated)

    def get(self, request):
        return Response({"done": True})


urlpatterns = [
    path("api/auth/", include("tokens.urls")),
    path("project/recent/", RecentView.as_view()),
    path("project/two-factors/", TwoFactorView.as_view()),
]


@without_rate_limits()
class SensitiveEndpointTests(MfaMixin, AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.secret, self.codes = self.enrol_totp()
        self.step_up(self.secret)  # the password alone no longer unlocks a second factor
        self.passkey = self.enrol_passkey(SoftAuthenticator())
        self.other = self.login()  # another session of alice (no factor asked: see below)

    def login(self, *args, **kwargs):
        if not hasattr(self, "secret"):
            return super().login(*args, **kwargs)
        body = self.password_step()
        self.clock.advance(30)
        response = self.finish(body["mfa_token"], code=self.code(self.secret))
        self.assertEqual(response.status_code, 200, response.content)
        self.client.cookies.clear()
        return response.json()

    def sensitive_requests(self, token):
        return {
            "POST mfa/totp/": lambda: self.post(f"{MFA}totp/", token=token),
            "DELETE mfa/totp/": lambda: self.delete(f"{MFA}totp/", token),
            "POST mfa/recovery-codes/": lambda: self.post(f"{MFA}recovery-codes/", token=token),
            "POST mfa/passkeys/options/": lambda: self.post(f"{MFA}passkeys/options/", token=token),
            "DELETE mfa/passkeys/<id>/": lambda: self.delete(
                f"{MFA}passkeys/{self.passkey['id']}/", token
            ),
            "DELETE sessions/<another>/": lambda: self.delete(
                f"/api/auth/sessions/{self.other['session_id']}/", token
            ),
            "POST email/change/": lambda: self.post(
                "/api/auth/email/change/", {"email": "new-alice@example.com"}, token=token
            ),
        }

    def test_an_old_auth_time_is_refused_and_reauthenticate_lets_it_through(self):
        self.clock.advance(WINDOW + 1)
        # A refresh carries auth_time forward unchanged: the window is not reopened by it.
        pair = self.refresh(self.pair["refresh_token"]).json()
        self.assertEqual(
            claims(pair["access_token"])["auth_time"], self.clock.current - WINDOW - 1 - 60
        )
        for name, request in self.sensitive_requests(pair["access_token"]).items():
            with self.subTest(name):
                self.assertError(request(), 403, "reauthentication_required")
        response = self.post(
            "/api/auth/reauthenticate/",
            {"code": self.code(self.secret)},
            token=pair["access_token"],
        )
        self.assertEqual(response.status_code, 200, response.content)
        fresh = response.json()
        self.assertEqual(fresh["session_id"], self.pair["session_id"])
        self.assertEqual(claims(fresh["access_token"])["auth_time"], self.clock.current)
        for name, request in self.sensitive_requests(fresh["access_token"]).items():
            with self.subTest(name):
                self.assertLess(request().status_code, 400, name)

    def test_ending_this_session_needs_no_recent_authentication(self):
        self.clock.advance(WINDOW + 1)
        response = self.delete(
            f"/api/auth/sessions/{self.pair['session_id']}/", self.pair["access_token"]
        )
        self.assertEqual(response.status_code, 204)

    def test_reauthenticating_with_a_code_or_a_passkey(self):
        self.clock.advance(WINDOW + 1)
        response = self.post(
            "/api/auth/reauthenticate/",
            {"code": self.code(self.secret)},
            token=self.pair["access_token"],
        )
        self.assertEqual(response.status_code, 200, response.content)
        pair = response.json()
        # amr names this proof alone, never the login's methods.
        self.assertEqual(claims(pair["access_token"])["amr"], ["otp"])
        options = self.post("/api/auth/login/passkey/options/").json()
        authenticator = SoftAuthenticator()
        self.passkey = self.enrol_passkey(authenticator, token=pair["access_token"])
        response = self.post(
            "/api/auth/reauthenticate/",
            {"credential": authenticator.get(options), "challenge_id": options["challenge_id"]},
            token=pair["access_token"],
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(claims(response.json()["access_token"])["amr"], ["hwk"])

    def test_wrong_proofs_are_refused_and_slowed(self):
        token = self.pair["access_token"]
        response = self.post("/api/auth/reauthenticate/", {"password": "wrong"}, token=token)
        self.assertEqual(response.status_code, 400)
        self.assertIn("password", response.json())
        self.assertError(
            self.post("/api/auth/reauthenticate/", {"password": "wrong"}, token=token),
            429,
            "throttled",
        )
        # A code is a guess at the same account: the password's wait holds it too.
        self.assertError(
            self.post("/api/auth/reauthenticate/", {"code": "00000a"}, token=token),
            429,
            "throttled",
        )
        self.clock.advance(1)
        self.assertError(
            self.post("/api/auth/reauthenticate/", {"code": "00000a"}, token=token),
            400,
            "invalid_code",
        )
        self.assertError(
            self.post("/api/auth/reauthenticate/", {"code": "00000a"}, token=token),
            429,
            "throttled",
        )
        self.assertEqual(self.post("/api/auth/reauthenticate/", {}, token=token).status_code, 400)

    def test_the_refresh_token_held_before_is_consumed_with_a_grace_window(self):
        response = self.post(
            "/api/auth/reauthenticate/",
            {"password": "correct-horse-battery-9"},
            token=self.pair["access_token"],
        )
        fresh = response.json()
        retry = self.refresh(self.pair["refresh_token"])
        self.assertEqual(retry.json()["access_token"], fresh["access_token"])
        self.clock.advance(60)
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")

    def test_reauthentication_is_recorded_in_the_session(self):
        self.clock.advance(100)
        self.post(
            "/api/auth/reauthenticate/",
            {"password": "correct-horse-battery-9"},
            token=self.pair["access_token"],
        )
        session = Session.objects.get(pk=self.pair["session_id"])
        self.assertEqual(session.claims["auth_time"], self.clock.current)


@override_settings(ROOT_URLCONF=__name__)
@without_rate_limits()
class PermissionClassTests(MfaMixin, AuthAPITestCase):
    def test_recent_authentication_on_a_project_view(self):
        token = self.pair["access_token"]
        self.assertEqual(self.post("/project/recent/", token=token).status_code, 200)
        self.clock.advance(WINDOW + 1)
        self.assertError(
            self.post("/project/recent/", token=token), 403, "reauthentication_required"
        )
        fresh = self.post(
            "/api/auth/reauthenticate/", {"password": "correct-horse-battery-9"}, token=token
        )
        self.assertEqual(
            self.post("/project/recent/", token=fresh.json()["access_token"]).status_code, 200
        )
        self.client.cookies.clear()
        self.assertError(self.post("/project/recent/"), 401, "not_authenticated")

    def test_two_factors_on_a_project_view(self):
        self.assertError(
            self.client.get("/project/two-factors/", **bearer(self.pair["access_token"])),
            403,
            "reauthentication_required",
        )
        secret, _codes = self.enrol_totp()
        # A code alone is one factor: reauthenticate/ names that proof only.
        one = self.step_up(secret)["access_token"]
        self.assertError(
            self.client.get("/project/two-factors/", **bearer(one)),
            403,
            "reauthentication_required",
        )
        body = self.password_step()
        two = self.finish(body["mfa_token"], code=self.code(secret)).json()["access_token"]
        self.assertEqual(self.client.get("/project/two-factors/", **bearer(two)).status_code, 200)
