"""A refused token says why its session ended: every way a session is revoked answers 401
``token_revoked`` with its ``reason``, from Redis's tombstone and, once Redis lost it, from the
record.
"""

from datetime import timedelta
from unittest import skipUnless

from django.contrib.auth import get_user_model
from django_redis import get_redis_connection

from tokens.core import clock
from tokens.models import Session
from tokens.tests.lifecycle_support import NEW_PASSWORD, key_in, mails_to, unlimited
from tokens.tests.mfa import MFA, MfaMixin
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    bearer,
    make_user,
    token_settings,
    uses_accounts,
    without_rate_limits,
)


@unlimited()
@without_rate_limits()
class RevokedReasonTests(MfaMixin, AuthAPITestCase):
    """``self.pair`` is the session each test ends; ``self.other`` another session of alice."""

    def setUp(self):
        super().setUp()
        self.other = self.login()

    def assertRevoked(self, pair, reason):
        """Both tokens of ``pair`` are refused with ``reason``, read from Redis, then from the
        record after Redis lost every key, then from the tombstone the record seeded again.
        """
        for source in ("redis", "record", "seeded again"):
            with self.subTest(source=source):
                self.assertError(self.me(pair["access_token"]), 401, "token_revoked", reason)
                self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked", reason)
            if source == "redis":
                get_redis_connection("default").flushall()

    def admin(self):
        self.client.force_login(make_user("staff", is_staff=True, is_superuser=True))

    def test_logout(self):
        response = self.client.post("/api/auth/logout/", **bearer(self.pair["access_token"]))
        self.assertEqual(response.status_code, 204)
        self.assertRevoked(self.pair, "logout")

    def test_ended_from_another_session(self):
        response = self.client.delete(
            f"/api/auth/sessions/{self.pair['session_id']}/", **bearer(self.other["access_token"])
        )
        self.assertEqual(response.status_code, 204)
        self.assertRevoked(self.pair, "revoked")

    def test_revoked_by_the_admin(self):
        self.admin()
        response = self.client.post(
            "/admin/tokens/session/",
            {"action": "revoke_selected", "_selected_action": [self.pair["session_id"]]},
        )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.assertRevoked(self.pair, "revoked")

    def test_logout_all(self):
        response = self.client.post("/api/auth/logout-all/", **bearer(self.other["access_token"]))
        self.assertEqual(response.status_code, 204)
        self.assertRevoked(self.pair, "logout_all")
        self.assertRevoked(self.other, "logout_all")

    def test_password_changed(self):
        response = self.client.post(
            "/api/auth/password/",
            {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
            format="json",
            **bearer(self.other["access_token"]),
        )
        self.assertEqual(response.status_code, 204, response.content)
        self.assertRevoked(self.pair, "password_changed")

    def test_password_reset(self):
        address = self.user.email
        self.assertEqual(
            self.client.post(
                "/api/auth/password/reset/", {"email": address}, format="json"
            ).status_code,
            202,
        )
        key = key_in(mails_to(address)[-1], "reset")
        response = self.client.post(
            "/api/auth/password/reset/confirm/",
            {"key": key, "new_password": NEW_PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 204, response.content)
        self.assertRevoked(self.pair, "password_reset")

    def test_user_disabled_then_enabled_again(self):
        # While disabled, the owner's tokens read user_inactive (the contract's own code); enabled
        # again, the old session stays ended and says why.
        self.user.is_active = False
        self.user.save()
        self.assertError(self.me(self.pair["access_token"]), 401, "user_inactive")
        get_user_model()._default_manager.filter(pk=self.user.pk).update(is_active=True)
        self.assertRevoked(self.pair, "user_disabled")

    def test_first_factor_added(self):
        self.enrol_totp(token=self.other["access_token"])
        self.assertRevoked(self.pair, "factor_added")

    @skipUnless(uses_accounts(), "the project's users admin, whose action it is")
    def test_factors_removed_by_staff(self):
        self.enrol_totp(token=self.other["access_token"])
        mfa_pair = self.other
        self.admin()
        response = self.client.post(
            "/admin/accounts/user/",
            {"action": "remove_second_factors", "_selected_action": [str(self.user.pk)]},
        )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.assertEqual(self.client.get(MFA, **bearer(mfa_pair["access_token"])).status_code, 401)
        self.assertRevoked(mfa_pair, "factors_removed")

    def test_refresh_token_reuse(self):
        self.assertEqual(self.refresh(self.pair["refresh_token"]).status_code, 200)
        self.clock.advance(60)  # past the grace window
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")
        # Reuse is told once; every later use of the session's tokens reads why it ended.
        self.assertRevoked(self.pair, "reuse_detected")

    @token_settings(MAX_SESSIONS_PER_USER=1)
    def test_session_limit(self):
        self.clock.advance(1)
        newest = self.login()  # past the limit: both older sessions are revoked
        self.assertRevoked(self.pair, "session_limit")
        self.assertRevoked(self.other, "session_limit")
        self.assertEqual(self.me(newest["access_token"]).status_code, 200)

    def test_expired_before_the_token(self):
        # The session's absolute end, moved before its access token's own exp (an operator ending
        # it early): the token's exp has not passed, so not token_expired, but token_revoked.
        Session.objects.filter(pk=self.pair["session_id"]).update(
            expires_at=clock.datetime_now() - timedelta(seconds=1)
        )
        get_redis_connection("default").flushall()  # the copy holds the end it was seeded with
        self.assertRevoked(self.pair, "expired")

    def test_a_live_session_costs_no_lookup_of_a_reason(self):
        # The reason is read only when refusing: a live session's requests stay one Redis round
        # trip and no SQL (tokens/tests/core/test_costs.py measures it).
        with self.assertNumQueries(0):
            response = self.client.get("/api/auth/session/", **bearer(self.other["access_token"]))
        self.assertEqual(response.status_code, 200)

    def test_a_session_revoked_before_reasons_were_named_reads_revoked(self):
        # A row an older release revoked with no reason (or one this release does not know).
        Session.objects.filter(pk=self.pair["session_id"]).update(
            revoked_at=clock.datetime_now(), revoked_reason=""
        )
        get_redis_connection("default").flushall()
        self.assertRevoked(self.pair, "revoked")
