"""A session a social login opened records its provider, for as long as it lasts: in its row and its
Redis copy, through the second factor's step, refreshes, re-authentication and a Redis outage; the
sessions list shows it as ``provider``, and no other session's item gains a key.
"""

from unittest import skipUnless

import pyotp
from django.contrib.auth import get_user_model
from django_redis import get_redis_connection

from tokens.core import lookup, tokens
from tokens.mfa.models import TotpFactor
from tokens.models import Session
from tokens.store import copies, local_copy, redis_keys
from tokens.store.breaker import breaker
from tokens.tests.servers import use_private_redis
from tokens.tests.social.support import SocialTestCase
from tokens.tests.support import (
    PASSWORD,
    SESSION_ITEM_KEYS,
    bearer,
    login_name,
    make_user,
    token_settings,
    uses_accounts,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class SessionProviderMixin:
    """A user ``alice`` whose address the test provider vouches for: its logins reach her."""

    def setUp(self):
        super().setUp()
        self.user = make_user("alice", email="alice@example.com")

    def signed_in(self, provider: str = "idp") -> dict:
        pair = super().signed_in(provider)
        # The tokens from the body alone, as a native app holds them.
        self.client.cookies.clear()
        return pair

    def password_login(self) -> dict:
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.client.cookies.clear()
        return response.json()

    def second_factor(self, mfa_token: str) -> dict:
        """The pair that the TOTP code of ``SECRET`` completes a login's second step with."""
        response = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": mfa_token, "code": pyotp.TOTP(SECRET).now()},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def listed(self, access_token: str) -> dict[str, dict]:
        """The items of ``GET sessions/``, by session id."""
        response = self.client.get("/api/auth/sessions/", **bearer(access_token))
        self.assertEqual(response.status_code, 200, response.content)
        return {item["id"]: item for item in response.json()}

    def refresh(self, refresh_token: str) -> dict:
        response = self.client.post(
            "/api/auth/refresh/", {"refresh_token": refresh_token}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def copy_of(self, session_id: str) -> dict:
        """The session's hash in Redis."""
        key = redis_keys.session(self.user.pk, session_id)
        return get_redis_connection("default").hgetall(key)


class SessionListTests(SessionProviderMixin, SocialTestCase):
    def test_a_social_login_lists_its_provider_and_a_password_login_the_contracts_keys(self):
        social = self.signed_in()
        password = self.password_login()
        sessions = self.listed(password["access_token"])
        self.assertEqual(set(sessions), {social["session_id"], password["session_id"]})
        self.assertEqual(set(sessions[password["session_id"]]), SESSION_ITEM_KEYS)
        self.assertEqual(set(sessions[social["session_id"]]), SESSION_ITEM_KEYS | {"provider"})
        self.assertEqual(sessions[social["session_id"]]["provider"], "Test IdP")
        self.assertEqual(Session.objects.get(pk=social["session_id"]).provider, "idp")
        self.assertIsNone(Session.objects.get(pk=password["session_id"]).provider)

    def test_the_document_names_it_as_optional(self):
        response = self.client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        self.assertEqual(response.status_code, 200)
        session = response.json()["components"]["schemas"]["Session"]
        self.assertEqual(set(session["properties"]), SESSION_ITEM_KEYS | {"provider"})
        self.assertEqual(set(session["required"]), SESSION_ITEM_KEYS)

    def test_a_native_apps_id_token_login_lists_its_provider(self):
        nonce = self.client.post("/api/auth/login/social/nonce/").json()["nonce"]
        response = self.client.post(
            "/api/auth/login/social/token/",
            {"provider": "idp", "id_token": self.idp.sign(self.idp.native_claims(nonce))}
            | {"nonce": nonce},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        pair = response.json()
        item = self.listed(pair["access_token"])[pair["session_id"]]
        self.assertEqual(item["provider"], "Test IdP")

    def test_the_provider_is_named_as_configured(self):
        self.configure(
            SOCIAL_PROVIDERS={"idp": self.idp.settings(name="Company sign-in")},
        )
        pair = self.signed_in()
        self.assertEqual(
            self.listed(pair["access_token"])[pair["session_id"]]["provider"], "Company sign-in"
        )

    def test_a_provider_turned_off_still_shows_under_its_presets_name_or_its_id(self):
        pair = self.signed_in()
        other = self.signed_in()
        Session.objects.filter(pk=other["session_id"]).update(provider="microsoft")
        self.configure(SOCIAL_PROVIDERS={})
        sessions = self.listed(pair["access_token"])
        self.assertEqual(sessions[pair["session_id"]]["provider"], "idp")
        self.assertEqual(sessions[other["session_id"]]["provider"], "Microsoft")

    def test_a_refresh_keeps_it(self):
        pair = self.signed_in()
        refreshed = self.refresh(pair["refresh_token"])
        refreshed = self.refresh(refreshed["refresh_token"])
        self.assertEqual(refreshed["session_id"], pair["session_id"])
        item = self.listed(refreshed["access_token"])[pair["session_id"]]
        self.assertEqual(item["provider"], "Test IdP")
        # The rotated copy carries it too, not only the row.
        self.assertEqual(self.copy_of(pair["session_id"])[copies.PROVIDER.encode()], b"idp")

    def test_a_password_sessions_refresh_adds_nothing(self):
        pair = self.password_login()
        refreshed = self.refresh(pair["refresh_token"])
        item = self.listed(refreshed["access_token"])[pair["session_id"]]
        self.assertEqual(set(item), SESSION_ITEM_KEYS)
        self.assertNotIn(copies.PROVIDER.encode(), self.copy_of(pair["session_id"]))

    def test_a_password_re_authentication_keeps_it(self):
        pair = self.signed_in()
        response = self.client.post(
            "/api/auth/reauthenticate/",
            {"password": PASSWORD},
            format="json",
            **bearer(pair["access_token"]),
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            self.listed(body["access_token"])[pair["session_id"]]["provider"], "Test IdP"
        )
        self.assertEqual(self.copy_of(pair["session_id"])[copies.PROVIDER.encode()], b"idp")


class SecondFactorTests(SessionProviderMixin, SocialTestCase):
    def test_the_second_factors_step_completes_a_social_login_with_its_provider(self):
        TotpFactor.objects.create(user=self.user, secret=SECRET)
        response = self.social_login(self.login_code())
        self.assertError(response, 403, "mfa_required")
        pair = self.second_factor(response.json()["mfa_token"])
        self.assertEqual(
            self.listed(pair["access_token"])[pair["session_id"]]["provider"], "Test IdP"
        )
        refreshed = self.refresh(pair["refresh_token"])
        self.assertEqual(
            self.listed(refreshed["access_token"])[pair["session_id"]]["provider"], "Test IdP"
        )

    def test_a_password_login_through_the_second_factors_step_has_none(self):
        TotpFactor.objects.create(user=self.user, secret=SECRET)
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertError(response, 403, "mfa_required")
        pair = self.second_factor(response.json()["mfa_token"])
        self.assertEqual(
            set(self.listed(pair["access_token"])[pair["session_id"]]), SESSION_ITEM_KEYS
        )

    def test_enrolling_the_first_factor_completes_a_social_login_with_its_provider(self):
        self.configure(MFA_REQUIRED="all")
        response = self.social_login(self.login_code())
        self.assertError(response, 403, "mfa_enrollment_required")
        enrolment = bearer(response.json()["enrollment_token"])
        response = self.client.post("/api/auth/mfa/totp/", format="json", **enrolment)
        self.assertEqual(response.status_code, 200, response.content)
        code = pyotp.TOTP(response.json()["secret"]).now()
        response = self.client.post(
            "/api/auth/mfa/totp/confirm/", {"code": code}, format="json", **enrolment
        )
        self.assertEqual(response.status_code, 200, response.content)
        pair = response.json()
        self.assertEqual(
            self.listed(pair["access_token"])[pair["session_id"]]["provider"], "Test IdP"
        )


def found(access_token: str) -> copies.SessionCopy:
    """The session of ``access_token`` as every request finds it (``request.auth.session``)."""
    return lookup.live_session(tokens.decode(access_token, tokens.ACCESS))


# A lease no lookup in the test falls due to renew: a renewal would leave the local copy unasked.
@token_settings(STORE_EPOCH_LEASE=60)
class CopyTests(SessionProviderMixin, SocialTestCase):
    """The copies say what the record says: Redis's, this process's, one seeded after a miss."""

    def locally_kept(self, access_token: str, key: str) -> copies.SessionCopy:
        """The local copy's entry for the session, once a lookup has put it there.

        A lookup's read is kept only while the channel is trusted (a PONG within
        ``LOCAL_SESSION_COPY_LAG``) and no invalidation came meanwhile (its own renewal of the
        epoch's lease is one): on a busy machine a few lookups may pass before one is kept.
        """
        for _attempt in range(20):
            found(access_token)
            local_copy.settle()
            kept = local_copy.get(key)
            if kept is not local_copy.MISSING:
                return kept
        self.fail("no lookup was kept in the local copy")

    def test_the_copy_the_local_copy_and_a_seeded_copy_carry_it(self):
        self.assertTrue(local_copy.settle(), "the invalidation channel did not come up")
        pair = self.signed_in()
        key = redis_keys.session(self.user.pk, pair["session_id"])
        self.assertEqual(self.copy_of(pair["session_id"])[copies.PROVIDER.encode()], b"idp")
        self.assertEqual(found(pair["access_token"]).provider, "idp")
        self.assertEqual(self.locally_kept(pair["access_token"], key).provider, "idp")
        # Redis lost the copy: the record answers and seeds it again, with the provider.
        get_redis_connection("default").delete(key)
        self.assertTrue(local_copy.settle(), "the local copy did not hear of the deletion")
        self.assertEqual(found(pair["access_token"]).provider, "idp")
        self.assertEqual(self.copy_of(pair["session_id"])[copies.PROVIDER.encode()], b"idp")


# Short, so the refresh that goes to the record alone waits little for the lease to lapse.
@token_settings(STORE_EPOCH_LEASE=0.2)
class RedisAwayTests(SessionProviderMixin, SocialTestCase):
    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()

    def test_the_record_keeps_it_through_a_refresh_and_seeds_it_when_redis_is_back(self):
        pair = self.signed_in()
        self.redis.kill()
        self.assertEqual(found(pair["access_token"]).provider, "idp")
        # Rotated in the record alone.
        refreshed = self.refresh(pair["refresh_token"])
        self.assertEqual(found(refreshed["access_token"]).provider, "idp")
        item = self.listed(refreshed["access_token"])[pair["session_id"]]
        self.assertEqual(item["provider"], "Test IdP")
        # Redis is back, empty: the copy seeded from the record carries it again.
        self.redis.start()
        get_redis_connection("default").connection_pool.disconnect()
        breaker.retry_now()
        self.assertEqual(found(refreshed["access_token"]).provider, "idp")
        self.assertEqual(self.copy_of(pair["session_id"])[copies.PROVIDER.encode()], b"idp")


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
class AdminTests(SessionProviderMixin, SocialTestCase):
    def setUp(self):
        super().setUp()
        self.social = self.signed_in()
        self.password = self.password_login()
        staff = get_user_model().objects.create_superuser(
            "root", "root@example.com", "pw-1234-long"
        )
        self.client.force_login(staff)

    def test_the_sessions_list_has_the_column_signed_in_with(self):
        response = self.client.get("/admin/tokens/session/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Signed in with")
        self.assertContains(response, '<span title="idp">Test IdP</span>', html=True)
        self.assertContains(response, "Test IdP", count=1)

    def test_the_users_page_shows_where_each_live_session_was_signed_in(self):
        response = self.client.get(f"/admin/accounts/user/{self.user.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "signed in with")
        self.assertContains(response, '<span title="idp">Test IdP</span>', html=True)
        self.assertContains(response, "Test IdP", count=1)
