"""Logins as ordered stages: the default order, a project's own stage at every door, and the
adapter as the one extension point.
"""

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase
from rest_framework.test import APIRequestFactory

from tokens import flows, views
from tokens.adapter import DefaultAdapter, get_adapter
from tokens.checks import check_login_stages
from tokens.conf import DEFAULTS
from tokens.flows import LoginStage
from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.lifecycle_support import register_body
from tokens.tests.mfa import MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    claims,
    login_name,
    token_settings,
    without_rate_limits,
)
from tokens.tests.test_extension_points import LoginWithTermsSerializer

HERE = __name__

# Users who accepted the new terms; the stage below lets only them in.
ACCEPTED: set = set()
# The stages run, in order, and the notices the project's adapter was asked to send.
RAN: list[str] = []
NOTICES: list[str] = []


class AcceptTermsStage(LoginStage):
    """A project's own stage: no session until the user has accepted the new terms."""

    def handle(self):
        if self.attempt.user.pk in ACCEPTED:
            return None
        return self.refuse("terms_not_accepted", "Accept the new terms first.")


def recording(stage_class: type) -> type:
    """``stage_class`` noting its name in ``RAN`` before it handles the attempt."""

    def handle(self):
        RAN.append(stage_class.__name__)
        return stage_class.handle(self)

    return type(f"Recording{stage_class.__name__}", (stage_class,), {"handle": handle})


DEFAULT_STAGES = [
    flows.IdentifyStage,
    flows.CheckSecretStage,
    flows.AccountStateStage,
    flows.SecondFactorStage,
    flows.EnrolmentStage,
    flows.OpenSessionStage,
    flows.RespondStage,
]
for _stage in DEFAULT_STAGES:
    globals()[f"Recording{_stage.__name__}"] = recording(_stage)
RECORDING_STAGES = [f"{HERE}.Recording{stage.__name__}" for stage in DEFAULT_STAGES]

# The defaults with the terms after the second factor (and its enrolment): the last word before a
# session opens.
WITH_TERMS = [
    *DEFAULTS["LOGIN_STAGES"][:5],
    f"{HERE}.AcceptTermsStage",
    *DEFAULTS["LOGIN_STAGES"][5:],
]


class ProjectAdapter(DefaultAdapter):
    """A project's adapter: claims of its own, and notices kept instead of mailed."""

    def claims(self, user):
        return {"tenant": "acme"}

    def notify(self, user, template, context=None, request=None):
        NOTICES.append(template)


class ClosedAdapter(DefaultAdapter):
    def is_signup_open(self, request):
        return False


def tenant_claims(user) -> dict:
    """The deprecated CLAIMS setting's kind of hook."""
    return {"tenant": "legacy"}


class StageOrderTests(SimpleTestCase):
    def test_the_default_stages_in_order(self):
        self.assertEqual(get_adapter().get_login_stages(), DEFAULT_STAGES)

    def test_the_adapter_is_built_once_and_again_after_a_change(self):
        self.assertIs(get_adapter(), get_adapter())
        with token_settings(ADAPTER=f"{HERE}.ProjectAdapter"):
            self.assertIsInstance(get_adapter(), ProjectAdapter)
        self.assertNotIsInstance(get_adapter(), ProjectAdapter)


class StageRunTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        RAN.clear()

    @token_settings(LOGIN_STAGES=RECORDING_STAGES)
    def test_a_login_runs_every_stage_in_order(self):
        self.login()
        self.assertEqual(RAN, [stage.__name__ for stage in DEFAULT_STAGES])

    @token_settings(LOGIN_STAGES=RECORDING_STAGES)
    def test_a_wrong_password_ends_at_the_secret(self):
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": "wrong"},
            format="json",
        )
        self.assertError(response, 401, "invalid_credentials")
        self.assertEqual(RAN, ["IdentifyStage", "CheckSecretStage"])


@without_rate_limits()
class DropInStageTests(MfaMixin, AuthAPITestCase):
    """A stage added by settings holds at every door until its condition holds."""

    def setUp(self):
        super().setUp()
        ACCEPTED.clear()
        self.enterContext(token_settings(LOGIN_STAGES=WITH_TERMS))

    def post_login(self):
        body = {"username": login_name("alice"), "password": PASSWORD}
        return self.client.post("/api/auth/login/", body, format="json")

    def test_login(self):
        self.assertError(self.post_login(), 403, "terms_not_accepted")
        ACCEPTED.add(self.user.pk)
        self.assertEqual(self.post_login().status_code, 200)

    def test_login_mfa(self):
        secret, _codes = self.enrol_totp()
        step = self.password_step()
        self.assertError(
            self.finish(step["mfa_token"], code=self.code(secret)), 403, "terms_not_accepted"
        )
        ACCEPTED.add(self.user.pk)
        self.clock.advance(30)
        step = self.password_step()
        self.assertEqual(self.finish(step["mfa_token"], code=self.code(secret)).status_code, 200)

    def test_login_passkey(self):
        authenticator = SoftAuthenticator()
        self.enrol_passkey(authenticator)

        def passkey_login():
            options = self.post("/api/auth/login/passkey/options/").json()
            body = {
                "challenge_id": options["challenge_id"],
                "credential": authenticator.get(options),
            }
            return self.post("/api/auth/login/passkey/", body)

        self.assertError(passkey_login(), 403, "terms_not_accepted")
        ACCEPTED.add(self.user.pk)
        self.assertEqual(passkey_login().status_code, 200)

    def test_reauthenticate(self):
        def reauthenticate():
            return self.post(
                "/api/auth/reauthenticate/", {"password": PASSWORD}, self.pair["access_token"]
            )

        self.assertError(reauthenticate(), 403, "terms_not_accepted")
        ACCEPTED.add(self.user.pk)
        self.assertEqual(reauthenticate().status_code, 200)

    def test_the_admin_form(self):
        self.user.is_staff = True
        self.user.save()

        def admin_login():
            self.client.cookies.clear()
            body = {"username": login_name("alice"), "password": PASSWORD}
            return self.client.post("/admin/login/?next=/admin/", body)

        response = admin_login()
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].non_field_errors().as_data()
        self.assertEqual([error.code for error in errors], ["terms_not_accepted"])
        ACCEPTED.add(self.user.pk)
        self.assertEqual(admin_login().status_code, 302)


class AdapterTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        NOTICES.clear()

    @token_settings(ADAPTER=f"{HERE}.ProjectAdapter", NEW_DEVICE_MAIL=True)
    def test_a_projects_adapter_adds_claims_and_sends_the_notices(self):
        self.login()
        self.client.cookies.clear()
        pair = self.login()
        self.assertEqual(claims(pair["access_token"])["tenant"], "acme")
        self.assertEqual(NOTICES, ["new_device"])

    @token_settings(CLAIMS=f"{HERE}.tenant_claims")
    def test_the_deprecated_claims_setting_still_works_and_warns(self):
        with self.assertWarns(DeprecationWarning):
            pair = self.login()
        self.assertEqual(claims(pair["access_token"])["tenant"], "legacy")

    @token_settings(ADAPTER=f"{HERE}.ClosedAdapter")
    def test_a_closed_signup_is_refused(self):
        response = self.client.post(
            "/api/auth/register/", register_body("new@example.com", PASSWORD), format="json"
        )
        self.assertError(response, 403, "signup_closed")

    def test_a_new_user_from_an_identity_has_no_usable_password(self):
        user = get_adapter().new_user_from_identity({"email": "zoe@example.com"})
        user.refresh_from_db()
        self.assertFalse(user.has_usable_password())
        self.assertEqual(getattr(user, user.get_email_field_name()), "zoe@example.com")

    def test_a_generated_username_is_free(self):
        model = get_user_model()
        if model.get_email_field_name() == model.USERNAME_FIELD:
            self.assertEqual(get_adapter().generate_username(email="a@b.test"), "a@b.test")
            return
        taken = self.user.get_username()
        self.assertNotEqual(get_adapter().generate_username(email=f"{taken}@elsewhere.test"), taken)

    def test_a_subclass_of_the_login_view_sets_serializer_class(self):
        class TermsLoginView(views.LoginView):
            serializer_class = LoginWithTermsSerializer

        request = APIRequestFactory().post(
            "/login/", {"username": login_name("alice"), "password": "x"}, format="json"
        )
        response = TermsLoginView.as_view()(request)
        self.assertEqual(response.status_code, 400)
        self.assertIn("accept_terms", response.data)


WITHOUT_SECOND_FACTOR_STAGE = [
    "tokens.flows.IdentifyStage",
    "tokens.flows.CheckSecretStage",
    "tokens.flows.AccountStateStage",
    "tokens.flows.OpenSessionStage",
    "tokens.flows.RespondStage",
]


class RequiredStagesCheckTests(SimpleTestCase):
    """A stage list that skips a check every login needs is refused by ``manage.py check``."""

    def ids(self, **tokens) -> list[str]:
        with token_settings(**tokens):
            return [message.id for message in check_login_stages(None)]

    def test_the_defaults_pass(self):
        self.assertEqual(self.ids(), [])

    def test_leaving_out_the_second_factor_while_it_is_on_is_an_error(self):
        self.assertEqual(self.ids(LOGIN_STAGES=WITHOUT_SECOND_FACTOR_STAGE), ["tokens.E017"])
        self.assertEqual(
            self.ids(LOGIN_STAGES=WITHOUT_SECOND_FACTOR_STAGE, SECOND_FACTORS=False), []
        )

    def test_leaving_out_the_secret_is_an_error(self):
        stages = [s for s in WITHOUT_SECOND_FACTOR_STAGE if not s.endswith("CheckSecretStage")]
        self.assertEqual(self.ids(LOGIN_STAGES=stages, SECOND_FACTORS=False), ["tokens.E017"])


class DoorContractTests(SimpleTestCase):
    """A door must say how it names the user and how it checks the secret."""

    def test_a_door_without_its_check_cannot_be_made(self):
        class Incomplete(flows.Door):
            def identify(self, attempt):
                attempt.subject = None

        with self.assertRaises(TypeError):
            Incomplete()
