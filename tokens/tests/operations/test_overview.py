from datetime import timedelta
from unittest import skipUnless

from django.contrib.auth.models import Permission
from django_redis import get_redis_connection

from tokens.core import clock
from tokens.models import AuthEvent, Session
from tokens.operations import overview
from tokens.store import redis_keys
from tokens.tests.support import (
    AuthAPITestCase,
    FrozenClock,
    bearer,
    count_redis_round_trips,
    make_user,
    uses_accounts,
)

URL = "/admin/tokens/authevent/overview/"
# 2026-11-26 14:30:00 UTC: half past the hour, so buckets and their edges are easy to reason about.
HALF_PAST_TWO = 1_795_703_400


def series(figures_series, title) -> list[int]:
    return next(
        [count for _, count in found.points] for found in figures_series if found.title == title
    )


class OverviewFiguresMixin:
    """A clock stopped at half past two, and events some time before it."""

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock(HALF_PAST_TWO).install(self)
        self.now = clock.to_datetime(HALF_PAST_TWO)

    def event(self, kind, ago: timedelta, **fields):
        AuthEvent.objects.create(kind=kind, at=self.now - ago, **fields)


class OverviewFiguresTests(OverviewFiguresMixin, AuthAPITestCase):
    """The figures, computed by the database (both backends) and Redis, bucket by bucket."""

    def test_events_land_in_their_hour_and_day(self):
        self.event(AuthEvent.Kind.LOGIN_SUCCEEDED, timedelta(minutes=10))  # this hour
        self.event(AuthEvent.Kind.LOGIN_SUCCEEDED, timedelta(minutes=31))  # the hour before
        self.event(
            AuthEvent.Kind.LOGIN_FAILED, timedelta(hours=23, minutes=30)
        )  # the first hour charted
        self.event(
            AuthEvent.Kind.LOGIN_FAILED, timedelta(hours=24, minutes=1)
        )  # too old for the hours, not the days
        self.event(
            AuthEvent.Kind.REUSE_DETECTED, timedelta(days=29, hours=14)
        )  # the first day charted
        self.event(AuthEvent.Kind.REVOKED, timedelta(days=30))  # too old for the days
        self.event(AuthEvent.Kind.LOGOUT, timedelta(minutes=1))  # not charted
        found = overview.figures()
        self.assertEqual(series(found.hourly, "Logins succeeded")[-2:], [1, 1])
        self.assertEqual(series(found.hourly, "Logins failed"), [1] + [0] * 23)
        self.assertEqual(series(found.daily, "Logins succeeded")[-1], 2)
        self.assertEqual(series(found.daily, "Logins failed")[-2:], [2, 0])  # both yesterday
        self.assertEqual(series(found.daily, "Reuse detected"), [1] + [0] * 29)
        self.assertEqual(sum(series(found.daily, "Revocations")), 0)
        self.assertEqual(found.hourly[0].points[-1][0], self.now.replace(minute=0))
        self.assertEqual(
            found.daily[0].points[0][0], self.now.replace(hour=0, minute=0) - timedelta(days=29)
        )

    def test_the_midnight_hour_and_its_day_are_counted_apart(self):
        self.event(AuthEvent.Kind.REVOKED, timedelta(hours=14, minutes=20))  # 00:10 today
        self.event(AuthEvent.Kind.REVOKED, timedelta(hours=4))  # 10:30 today
        found = overview.figures()
        hourly = dict(
            next(series for series in found.hourly if series.title == "Revocations").points
        )
        self.assertEqual(hourly[self.now.replace(hour=0, minute=0)], 1)
        self.assertEqual(series(found.daily, "Revocations")[-1], 2)

    def test_refreshes_are_counted_per_hour_in_redis(self):
        pair = self.login()
        for _ in range(3):
            pair = self.refresh(pair["refresh_token"]).json()
        self.clock.advance(3600)
        self.refresh(pair["refresh_token"])
        found = overview.figures()
        self.assertEqual(series(found.hourly, "Refreshes")[-2:], [3, 1])
        self.assertEqual(series(found.daily, "Refreshes")[-1], 4)
        self.assertTrue(found.refreshes_known)

    def test_a_refresh_counts_after_redis_forgot_the_script(self):
        # (That a refresh is still one round trip, tally included, is test_costs's.)
        pair = self.refresh(self.login()["refresh_token"]).json()
        pair = self.refresh(pair["refresh_token"]).json()
        get_redis_connection("default").script_flush()
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)
        tally = get_redis_connection("default").get(redis_keys.refresh_tally(HALF_PAST_TWO // 3600))
        self.assertEqual(int(tally), 3)

    def test_most_failed_logins_by_address_and_username(self):
        for ip, username, times in (
            ("203.0.113.7", "root", 5),
            ("198.51.100.2", "admin", 3),
            ("198.51.100.2", "root", 1),
        ):
            for _ in range(times):
                self.event(
                    AuthEvent.Kind.LOGIN_FAILED,
                    timedelta(hours=2),
                    ip_address=ip,
                    username=username,
                )
        self.event(
            AuthEvent.Kind.LOGIN_FAILED, timedelta(hours=25), ip_address="192.0.2.1", username="old"
        )
        self.event(
            AuthEvent.Kind.LOGIN_SUCCEEDED,
            timedelta(hours=1),
            ip_address="192.0.2.2",
            username="alice",
        )
        found = overview.figures()
        self.assertEqual(found.failed_by_address, [("203.0.113.7", 5), ("198.51.100.2", 4)])
        self.assertEqual(found.failed_by_username, [("root", 6), ("admin", 3)])

    def test_live_sessions_now(self):
        bob = make_user("bob")
        self.login(), self.login()
        self.client.post("/api/auth/logout/", **bearer(self.login("bob")["access_token"]))
        self.login("bob")
        found = overview.figures()
        self.assertEqual((found.live_sessions, found.users_with_live_sessions), (3, 2))
        bob.is_active = False
        bob.save()
        self.assertEqual(overview.figures().live_sessions, 2)

    def test_a_fixed_number_of_queries_whatever_the_data(self):
        for days in range(30):
            for kind in AuthEvent.Kind.values:
                self.event(
                    kind, timedelta(days=days), ip_address=f"192.0.2.{days}", username=f"user{days}"
                )
        # The charts' counts, the live sessions, the two failed-login lists, and the reuse and
        # disabled-with-sessions lists of what needs action.
        with self.assertNumQueries(6), count_redis_round_trips() as sent:
            overview.figures()
        self.assertEqual(len(sent), 1)


class OverviewPageTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.staff = make_user("staff", is_staff=True, is_superuser=True)

    def test_linked_from_the_admin_index(self):
        self.client.force_login(self.staff)
        self.assertContains(self.client.get("/admin/"), f'href="{URL}"')

    def test_the_page_draws_svg_charts_of_everything(self):
        AuthEvent.objects.create(
            kind=AuthEvent.Kind.LOGIN_FAILED,
            username="<script>alert(1)</script>",
            ip_address="203.0.113.7",
        )
        self.login()
        self.client.force_login(self.staff)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        page = (
            response.content.decode()
            .split('id="security-overview"')[1]
            .split("<!-- END Content -->")[0]
        )
        self.assertEqual(page.count("<svg viewBox"), 2 * len(overview.SERIES) + 2)
        self.assertNotIn("<script>alert(1)</script>", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertIn('data-label="203.0.113.7" data-value="1"', page)
        self.assertEqual(response.context["figures"].live_sessions, 1)
        for absent in ("<script", "https://", "http://"):  # drawn by the server, nothing fetched
            self.assertNotIn(absent, page)

    @skipUnless(uses_accounts(), "a user model with Django's permissions (PermissionsMixin)")
    def test_staff_with_the_view_permission_only(self):
        self.assertRedirects(self.client.get(URL), f"/admin/login/?next={URL}")
        clerk = make_user("clerk", is_staff=True)
        self.client.force_login(clerk)
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.assertNotContains(self.client.get("/admin/"), URL)
        clerk.user_permissions.add(Permission.objects.get(codename="view_authevent"))
        self.assertEqual(self.client.get(URL).status_code, 200)
        self.client.force_login(self.user)  # not staff
        self.assertEqual(self.client.get(URL).status_code, 302)


class AccountLifecycleSeriesTests(OverviewFiguresMixin, AuthAPITestCase):
    """Sign-ups, verifications, reset requests and resets, and e-mail changes are charted."""

    def test_each_lifecycle_event_counts_in_its_series(self):
        for kind in (
            AuthEvent.Kind.SIGNED_UP,
            AuthEvent.Kind.SIGNED_UP,
            AuthEvent.Kind.EMAIL_VERIFIED,
            AuthEvent.Kind.PASSWORD_RESET_REQUESTED,
            AuthEvent.Kind.PASSWORD_RESET,
            AuthEvent.Kind.EMAIL_CHANGED,
        ):
            self.event(kind, timedelta(minutes=1))
        found = overview.figures()
        totals = {title: sum(series(found.daily, title)) for title, _ in overview.SERIES}
        self.assertEqual(
            {
                title: totals[title]
                for title in (
                    "Sign-ups",
                    "E-mail verifications",
                    "Password reset requests",
                    "Password resets",
                    "E-mail changes",
                )
            },
            {
                "Sign-ups": 2,
                "E-mail verifications": 1,
                "Password reset requests": 1,
                "Password resets": 1,
                "E-mail changes": 1,
            },
        )
        self.assertEqual(series(found.hourly, "Sign-ups")[-1], 2)


class NeedsActionTests(OverviewFiguresMixin, AuthAPITestCase):
    """What the overview lists first: an attack on an account, a replayed refresh token, a disabled
    user who still has a live session.
    """

    def test_a_guessing_attack_on_one_account_is_listed_and_a_few_typos_are_not(self):
        for minute in range(overview.UNDER_ATTACK):
            self.event(AuthEvent.Kind.LOGIN_FAILED, timedelta(minutes=minute), username="root")
        for minute in range(overview.UNDER_ATTACK - 1):
            self.event(AuthEvent.Kind.LOGIN_FAILED, timedelta(minutes=minute), username="bob")
        self.event(AuthEvent.Kind.LOGIN_FAILED, timedelta(hours=25), username="bob")
        found = overview.figures()
        self.assertEqual(found.under_attack, [("root", overview.UNDER_ATTACK)])

    def test_a_replayed_refresh_token_today_is_listed(self):
        self.event(
            AuthEvent.Kind.REUSE_DETECTED, timedelta(hours=2), user=self.user, username="alice"
        )
        self.event(AuthEvent.Kind.REUSE_DETECTED, timedelta(days=2), username="old")
        self.assertEqual(overview.figures().reuse_detected, [("alice", 1)])

    def test_a_disabled_user_with_a_live_session_is_listed(self):
        self.login()
        self.assertEqual(overview.figures().disabled_with_live_sessions, [])
        # Disabled, and its revocation undone in the record (as a revocation that did not finish
        # would leave it).
        type(self.user).objects.filter(pk=self.user.pk).update(is_active=False)
        Session.objects.filter(user=self.user).update(revoked_at=None, revoked_reason="")
        found = overview.figures().disabled_with_live_sessions
        self.assertEqual(found, [(getattr(self.user, type(self.user).USERNAME_FIELD), 1)])
