from tokens.models import AuthEvent, Session
from tokens.tests.support import (
    PASSWORD,
    SESSION_ITEM_KEYS,
    AuthAPITestCase,
    bearer,
    login_name,
    make_user,
    token_settings,
)

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
SAFARI_ON_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


class DeviceSessionTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.phone = self.login(HTTP_USER_AGENT="Phone/1")
        self.laptop = self.login(HTTP_USER_AGENT="Laptop/1")

    def test_sessions_lists_live_sessions_and_marks_the_current_one(self):
        revoked = self.login()
        self.client.post("/api/auth/logout/", **bearer(revoked["access_token"]))
        response = self.client.get("/api/auth/sessions/", **bearer(self.phone["access_token"]))
        self.assertEqual(response.status_code, 200)
        sessions = {item["id"]: item for item in response.json()}
        self.assertEqual(set(sessions), {self.phone["session_id"], self.laptop["session_id"]})
        phone = sessions[self.phone["session_id"]]
        self.assertEqual(set(phone), SESSION_ITEM_KEYS)
        self.assertTrue(phone["current"])
        self.assertFalse(sessions[self.laptop["session_id"]]["current"])
        self.assertEqual(phone["user_agent"], "Phone/1")

    def test_delete_one_of_my_sessions(self):
        response = self.client.delete(
            f"/api/auth/sessions/{self.laptop['session_id']}/", **bearer(self.phone["access_token"])
        )
        self.assertEqual(response.status_code, 204)
        self.assertError(self.me(self.laptop["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.laptop["refresh_token"]), 401, "token_revoked")
        self.assertEqual(self.me(self.phone["access_token"]).status_code, 200)

    def test_another_users_or_an_unknown_session_is_404(self):
        make_user("bob")
        bob = self.login("bob")
        for session_id in (
            bob["session_id"],
            "00000000-0000-0000-0000-000000000000",
            "not-a-uuid",
            "1",
        ):
            with self.subTest(session_id=session_id):
                response = self.client.delete(
                    f"/api/auth/sessions/{session_id}/", **bearer(self.phone["access_token"])
                )
                self.assertError(response, 404, "not_found")
        self.assertEqual(self.me(bob["access_token"]).status_code, 200)

    def test_sessions_need_authentication(self):
        self.assertError(self.client.get("/api/auth/sessions/"), 401, "not_authenticated")
        self.assertError(
            self.client.delete(f"/api/auth/sessions/{self.phone['session_id']}/"),
            401,
            "not_authenticated",
        )

    def test_logout_all_revokes_every_session_this_one_included(self):
        make_user("bob")
        bob = self.login("bob")
        response = self.client.post("/api/auth/logout-all/", **bearer(self.phone["access_token"]))
        self.assertEqual(response.status_code, 204)
        for pair in (self.phone, self.laptop):
            self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
            self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked")
        self.assertEqual(self.me(bob["access_token"]).status_code, 200)
        self.assertFalse(Session.objects.live().filter(user=self.user).exists())
        self.assertTrue(AuthEvent.objects.filter(kind="revoked", user=self.user).exists())


class PasswordChangeTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.current = self.login()
        self.other = self.login()

    def change(self, old, new, token=None):
        return self.client.post(
            "/api/auth/password/",
            {"old_password": old, "new_password": new},
            format="json",
            **bearer(token or self.current["access_token"]),
        )

    def test_change_revokes_every_other_session(self):
        self.assertEqual(self.change(PASSWORD, "a-much-better-passphrase-42").status_code, 204)
        self.assertEqual(self.me(self.current["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(self.current["refresh_token"]).status_code, 200)
        self.assertError(self.me(self.other["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(self.other["refresh_token"]), 401, "token_revoked")
        self.login(password="a-much-better-passphrase-42")
        self.assertTrue(AuthEvent.objects.filter(kind="password_changed").exists())

    def test_wrong_old_password_or_weak_new_password_change_nothing(self):
        for old, new, field in (
            ("wrong", "a-much-better-passphrase-42", "old_password"),
            (PASSWORD, "short", "new_password"),
            (PASSWORD, "password", "new_password"),
            (PASSWORD, "12345678901", "new_password"),
            (PASSWORD, "alice-example", "new_password"),
        ):
            with self.subTest(new=new):
                response = self.change(old, new)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())
        self.assertEqual(self.me(self.other["access_token"]).status_code, 200)
        # The wrong old password was a failed login of the account: this client waits a second.
        self.login(REMOTE_ADDR="10.0.0.9")

    def test_garbage_and_missing_fields(self):
        for raw in (
            "[]",
            "{}",
            '{"old_password": 1}',
            '{"old_password": "x", "new_password": ["y"]}',
        ):
            with self.subTest(body=raw):
                response = self.client.generic(
                    "POST",
                    "/api/auth/password/",
                    raw,
                    content_type="application/json",
                    **bearer(self.current["access_token"]),
                )
                self.assertEqual(response.status_code, 400)


class DeviceNameTests(AuthAPITestCase):
    def test_each_session_names_its_device(self):
        expected = {
            FIREFOX_ON_LINUX: "Firefox on Linux",
            SAFARI_ON_IOS: "Mobile Safari on iOS",
            "curl/8.5.0": "curl",
            "": "Unknown device",
        }
        pairs = {agent: self.login(HTTP_USER_AGENT=agent) for agent in expected}
        response = self.client.get("/api/auth/sessions/", **bearer(pairs[""]["access_token"]))
        devices = {item["id"]: item["device"] for item in response.json()}
        for agent, name in expected.items():
            with self.subTest(agent=agent):
                self.assertEqual(devices[pairs[agent]["session_id"]], name)


class LogoutOthersTests(AuthAPITestCase):
    def test_every_other_session_ends_and_this_one_goes_on(self):
        this, other, another = self.login(), self.login(), self.login()
        make_user("bob")
        bob = self.login("bob")
        response = self.client.post("/api/auth/logout-others/", **bearer(this["access_token"]))
        self.assertEqual(response.status_code, 204)
        for pair in (other, another):
            self.assertError(self.me(pair["access_token"]), 401, "token_revoked")
            self.assertError(self.refresh(pair["refresh_token"]), 401, "token_revoked")
        self.assertEqual(self.me(this["access_token"]).status_code, 200)
        self.assertEqual(self.refresh(this["refresh_token"]).status_code, 200)
        self.assertEqual(self.me(bob["access_token"]).status_code, 200)
        self.assertEqual(
            set(Session.objects.filter(revoked_at__isnull=False).values_list("revoked_reason")),
            {(Session.RevokeReason.USER_REVOKED,)},
        )
        event = AuthEvent.objects.get(kind=AuthEvent.Kind.REVOKED)
        self.assertEqual(
            (event.user_id, event.detail),
            (self.user.pk, "2 sessions: revoked by its user"),
        )

    def test_it_needs_an_access_token(self):
        self.assertError(self.client.post("/api/auth/logout-others/"), 401, "not_authenticated")
        pair = self.login()
        response = self.client.post("/api/auth/logout-others/", **bearer(pair["refresh_token"]))
        self.assertError(response, 401, "token_wrong_type")


@token_settings(MAX_SESSIONS_PER_USER=2)
class SessionLimitTests(AuthAPITestCase):
    def test_a_login_past_the_limit_revokes_the_oldest_session(self):
        first, second = self.login(), self.login()
        third = self.login()
        self.assertError(self.me(first["access_token"]), 401, "token_revoked")
        self.assertError(self.refresh(first["refresh_token"]), 401, "token_revoked")
        for pair in (second, third):
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        revoked = Session.objects.get(pk=first["session_id"])
        self.assertEqual(revoked.revoked_reason, Session.RevokeReason.SESSION_LIMIT)
        event = AuthEvent.objects.get(kind=AuthEvent.Kind.SESSION_LIMIT)
        self.assertEqual(
            (event.user_id, str(event.session_id)), (self.user.pk, first["session_id"])
        )
        self.assertEqual(Session.objects.live().filter(user=self.user).count(), 2)

    def test_sessions_already_ended_do_not_count_and_other_users_are_apart(self):
        first = self.login()
        self.client.post("/api/auth/logout/", **bearer(first["access_token"]))
        second, third = self.login(), self.login()
        make_user("bob")
        self.login("bob")
        for pair in (second, third):
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        self.assertFalse(AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_LIMIT).exists())

    @token_settings(MAX_SESSIONS_PER_USER=None)
    def test_unset_means_no_cap(self):
        pairs = [self.login() for _ in range(5)]
        for pair in pairs:
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)

    def test_a_failed_login_revokes_nothing(self):
        first, _second = self.login(), self.login()
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": "wrong"},
            format="json",
        )
        self.assertError(response, 401, "invalid_credentials")
        self.assertEqual(self.me(first["access_token"]).status_code, 200)
