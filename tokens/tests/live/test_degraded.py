"""Faults against real processes: Redis paused, killed or full, PostgreSQL backends terminated,
under load from several clients at once, against the app under gunicorn.
"""

import json
import threading
import time
import urllib.request
from unittest import skipUnless

import redis as redis_py
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django_redis import get_redis_connection
from redis.exceptions import OutOfMemoryError

from tokens.conf import DEFAULTS
from tokens.models import AuthEvent, Session
from tokens.store import redis_keys
from tokens.store.breaker import breaker
from tokens.tests.servers import AppServer, set_server_password, use_private_redis
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    AuthAPITransactionTestCase,
    bearer,
    database_fault,
    login_name,
    make_user,
    token_settings,
    uses_accounts,
)

# Rate limits out of the way: eight clients share one loopback address.
UNTHROTTLED = {
    "THROTTLE_LOGIN_IP": "100000/min",
    "THROTTLE_REFRESH_IP": "100000/min",
    "THROTTLE_LOGIN_USERNAME": "100000/min",
    "METRICS_ACCESS": "open",
}


class LoadClient(threading.Thread):
    """One client of a mixed load: ``me/`` and ``session/`` with its access token, and every
    ``refresh_every``-th request a refresh that carries its chain on.

    ``retry`` repeats a request answered 503 with the same token, as a client honouring
    Retry-After does (sooner, to keep the test short). Every answer is logged with its time.
    """

    def __init__(self, server, username, stop, *, refresh_every=5, retry=False):
        super().__init__(daemon=True)
        self.server, self.username, self.stop = server, username, stop
        self.refresh_every, self.retry = refresh_every, retry
        self.answers: list[tuple[float, str, int, str | None]] = []
        self.pair: dict = {}
        self.broken: list[str] = []

    def call(self, name, method, path, body=None, token=None):
        while True:
            status, answer = self.server.request(method, path, body, token)
            code = answer.get("code") if isinstance(answer, dict) else None
            self.answers.append((time.monotonic(), name, status, code))
            if status == 503 and self.retry and not self.stop.is_set():
                time.sleep(0.05)
                continue
            return status, answer

    def run(self):
        status, self.pair = self.call(
            "login",
            "POST",
            "/api/auth/login/",
            {"username": login_name(self.username), "password": PASSWORD},
        )
        if status != 200:
            self.broken.append(f"login {status}")
            return
        count = 0
        while not self.stop.is_set():
            count += 1
            if count % self.refresh_every == 0:
                status, body = self.call(
                    "refresh",
                    "POST",
                    "/api/auth/refresh/",
                    {"refresh_token": self.pair["refresh_token"]},
                )
                if status == 200:
                    self.pair = body
                elif status != 503:
                    self.broken.append(f"refresh {status} {body}")
                    return
            else:
                path = "/api/auth/me/" if count % 2 else "/api/auth/session/"
                self.call(path, "GET", path, token=self.pair["access_token"])


class Load:
    """``clients`` load clients against ``server``, one user each."""

    def __init__(self, server, users, **options):
        self.stop = threading.Event()
        self.clients = [LoadClient(server, user, self.stop, **options) for user in users]

    def __enter__(self):
        for client in self.clients:
            client.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for client in self.clients:
            client.join(timeout=60)

    def answers(self):
        return [answer for client in self.clients for answer in client.answers]

    def wait_for(self, count: int, timeout: float = 120) -> None:
        """Until ``count`` answers came back: the workers have booted (slowly on a busy machine)."""
        deadline = time.monotonic() + timeout
        while len(self.answers()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.answers())} answers after {timeout} s")
            time.sleep(0.1)

    def served(self, start: float, end: float) -> float:
        """Requests answered per second between two ``time.monotonic()`` moments."""
        return sum(1 for at, *_ in self.answers() if start <= at < end) / (end - start)


def load_users(count: int) -> list[str]:
    names = [f"client{index}" for index in range(count)]
    for name in names:
        set_server_password(make_user(name), PASSWORD)
    return names


def scrape(server) -> str:
    """The server's /metrics (open to anyone in these tests)."""
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=30) as response:
        return response.read().decode()


class PausedRedisUnderLoadTests(AuthAPITransactionTestCase):
    """Redis hangs (SIGSTOP) for 12 s while eight clients use two gunicorn workers."""

    PAUSE = 12

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.users = load_users(8)
        set_server_password(self.user, PASSWORD)
        self.server = AppServer(workers=2, **UNTHROTTLED).start()
        self.addCleanup(self.server.stop)

    def login(self, username="alice", password=PASSWORD, **headers):
        status, body = self.server.request(
            "POST", "/api/auth/login/", {"username": login_name(username), "password": password}
        )
        self.assertEqual(status, 200, body)
        return body

    def get(self, path, token):
        return self.server.request("GET", path, token=token)

    def refresh_with(self, token):
        return self.server.request("POST", "/api/auth/refresh/", {"refresh_token": token})

    def assertRefused(self, pair):
        status, body = self.get("/api/auth/me/", pair["access_token"])
        self.assertEqual((status, body["code"]), (401, "token_revoked"))
        self.assertConsumed(pair["refresh_token"])

    def assertConsumed(self, refresh_token):
        status, body = self.refresh_with(refresh_token)
        self.assertEqual(status, 401)
        self.assertIn(body["code"], ("token_revoked", "token_reused"))

    def test_every_live_session_is_served_and_every_decision_holds(self):
        leaving, rotating = self.login(), self.login()
        with Load(self.server, self.users) as load:
            load.wait_for(100)
            normal_from = time.monotonic()
            time.sleep(3)
            paused_at = time.monotonic()
            self.redis.pause()
            try:
                time.sleep(3)
                # A logout and a refresh while Redis hangs: recorded, and decided at once.
                status, _ = self.server.request(
                    "POST", "/api/auth/logout/", token=leaving["access_token"]
                )
                self.assertEqual(status, 204)
                self.assertRefused(leaving)
                status, rotated = self.refresh_with(rotating["refresh_token"])
                self.assertEqual(status, 200, rotated)
                self.assertConsumed(rotating["refresh_token"])
                ready = self.server.request("GET", "/readyz")
                degraded = scrape(self.server)
                time.sleep(max(paused_at + self.PAUSE - time.monotonic(), 0))
            finally:
                resumed_at = time.monotonic()
                self.redis.resume()
            # Past the breakers' retry interval: the workers use Redis again.
            time.sleep(DEFAULTS["STORE_RETRY_INTERVAL"] + 1.5)
            recovered = scrape(self.server)
        degraded_body = {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}}
        self.assertEqual(ready, (200, degraded_body))
        answers = load.answers()
        failed = [answer for answer in answers if answer[2] >= 500 or answer[2] == 401]
        self.assertEqual(failed, [], "no live session may fail")
        self.assertEqual([client.broken for client in load.clients], [[]] * len(load.clients))
        normal = load.served(normal_from, paused_at)
        during = load.served(paused_at, resumed_at)
        self.assertGreaterEqual(
            during / normal, 0.3, f"{during:.0f} req/s paused, {normal:.0f} req/s before"
        )
        # After Redis resumed with the copies it held before the pause: nothing decided during
        # the pause is undone.
        self.assertRefused(leaving)
        self.assertEqual(self.get("/api/auth/me/", rotated["access_token"])[0], 200)
        self.assertConsumed(rotating["refresh_token"])
        for client in load.clients:
            self.assertEqual(self.get("/api/auth/me/", client.pair["access_token"])[0], 200)
        self.assertIn("auth_degraded 1.0", degraded)
        self.assertIn("auth_degraded 0.0", recovered)
        self.assertIn("auth_degraded_entries_total 2.0", recovered)  # once per worker
        self.server.stop()
        lines = [json.loads(line) for line in self.server.stderr.splitlines() if '"logger"' in line]
        events = [line.get("event") for line in lines if line["logger"] == "tokens.store"]
        self.assertEqual(sorted(events), ["store_degraded"] * 2 + ["store_recovered"] * 2)
        self.print_figures(normal, during)

    def print_figures(self, normal, during):
        # Kept for the record of a run (pytest -s shows it).
        print(f"\nthroughput: {normal:.0f} req/s before the pause, {during:.0f} req/s during it")


class IdleServerTests(AuthAPITransactionTestCase):
    """A gunicorn server that sees nothing of the outage (no requests meanwhile) must not trust the
    copies Redis kept from before it, once Redis answers again.
    """

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.bob = make_user("bob")
        self.server = AppServer(workers=1).start()
        self.addCleanup(self.server.stop)
        self.leaving, self.rotating = self.login(), self.login()
        self.disabled = self.login("bob")
        # The server reads every session once: its copies are in Redis, with Redis's epoch.
        for pair in (self.leaving, self.rotating, self.disabled):
            self.assertEqual(self.on_server(pair["access_token"]), 200)

    def on_server(self, access_token) -> int:
        return self.server.request("GET", "/api/auth/session/", token=access_token)[0]

    def decide_without_redis(self):
        """In this process, while Redis is away: a logout, a rotation, a user disabled."""
        self.assertEqual(
            self.client.post(
                "/api/auth/logout/", **bearer(self.leaving["access_token"])
            ).status_code,
            204,
        )
        rotated = self.refresh(self.rotating["refresh_token"])
        self.assertEqual(rotated.status_code, 200)
        self.bob.is_active = False
        self.bob.save()
        self.assertTrue(breaker.is_open)
        return rotated.json()

    def assertNothingRevived(self, rotated):
        self.assertEqual(self.on_server(self.leaving["access_token"]), 401)
        self.assertEqual(self.on_server(self.disabled["access_token"]), 401)
        self.assertEqual(self.on_server(rotated["access_token"]), 200)
        status, body = self.server.request(
            "POST", "/api/auth/refresh/", {"refresh_token": self.rotating["refresh_token"]}
        )
        self.assertEqual(status, 401)
        self.assertIn(body["code"], ("token_revoked", "token_reused"))
        status, body = self.server.request(
            "POST", "/api/auth/refresh/", {"refresh_token": self.disabled["refresh_token"]}
        )
        self.assertEqual((status, body["code"]), (401, "user_inactive"))

    def test_after_a_pause_the_idle_server_reads_the_record(self):
        self.redis.pause()
        try:
            rotated = self.decide_without_redis()
        finally:
            self.redis.resume()
        # The copies of before the pause are all still in Redis, the logged-out one still live.
        copy = redis_py.Redis.from_url(self.redis.url).hgetall(
            redis_keys.session(self.user.pk, self.leaving["session_id"])
        )
        self.assertNotIn(b"x", copy)
        self.assertNothingRevived(rotated)

    def test_after_a_kill_and_an_empty_restart_nothing_is_revived(self):
        self.redis.kill()
        rotated = self.decide_without_redis()
        self.redis.start()
        self.assertNothingRevived(rotated)


class FullRedisTests(AuthAPITestCase):
    """Redis full under ``noeviction``: it refuses writes, and the record takes them."""

    def setUp(self):
        self.redis = use_private_redis(
            self, "--maxmemory", "4mb", "--maxmemory-policy", "noeviction"
        )
        super().setUp()
        self.pair, self.other = self.login(), self.login()
        self.me(self.pair["access_token"])
        redis = get_redis_connection("default")
        # The copy of one session is gone (a deletion, the way an evicted key is), then Redis
        # fills up.
        redis.delete(redis_keys.session(self.user.pk, self.pair["session_id"]))
        filler = b"x" * 10_000
        with self.assertRaises(OutOfMemoryError):
            for index in range(10_000):
                redis.set(f"filler:{index}", filler)

    def test_reads_refreshes_logins_and_logouts_go_on(self):
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        rotated = self.refresh(self.pair["refresh_token"])
        self.assertEqual(rotated.status_code, 200)
        again = self.refresh(rotated.json()["refresh_token"])
        self.assertEqual(again.status_code, 200)
        self.assertEqual(self.me(again.json()["access_token"]).status_code, 200)
        self.assertError(self.refresh(self.pair["refresh_token"]), 401, "token_reused")
        # The other session's copy was written before Redis filled up: its rotation cannot
        # replace it, so it is deleted rather than left stale.
        self.assertEqual(self.refresh(self.other["refresh_token"]).status_code, 200)
        self.assertEqual(
            self.client.post("/api/auth/logout/", **bearer(self.other["access_token"])).status_code,
            204,
        )
        self.assertError(self.me(self.other["access_token"]), 401, "token_revoked")
        self.assertEqual(self.me(self.login()["access_token"]).status_code, 200)
        self.assertFalse(breaker.is_open, "a full Redis still answers")


@skipUnless(
    connection.vendor == "postgresql",
    "terminating database backends needs PostgreSQL (SQLite has no server to lose a connection "
    "to); CI runs this suite on PostgreSQL too",
)
class KilledDatabaseBackendsTests(AuthAPITransactionTestCase):
    """``pg_terminate_backend`` on every backend of the test database, ten times, while eight
    clients refresh their chains and read through two gunicorn workers.
    """

    KILLS = 10

    def setUp(self):
        super().setUp()
        self.users = load_users(8)
        self.server = AppServer(workers=2, **UNTHROTTLED).start()
        self.addCleanup(self.server.stop)

    def kill_backends(self, spared: list[int]) -> int:
        """Terminate every backend of this test database but the test's own; return how many."""
        killer = connections.create_connection("default")
        try:
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                spared = [*spared, cursor.fetchone()[0]]
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND NOT (pid = ANY(%s))",
                    [spared],
                )
                return cursor.fetchone()[0]
        finally:
            killer.close()

    def test_no_500_and_every_refresh_chain_goes_on(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        killed = 0
        with Load(self.server, self.users, refresh_every=3, retry=True) as load:
            load.wait_for(40)
            for _ in range(self.KILLS):
                killed += self.kill_backends([own])
                time.sleep(0.5)
            time.sleep(1)
        self.assertGreaterEqual(killed, self.KILLS, "backends were terminated under load")
        answers = load.answers()
        errors = [answer for answer in answers if answer[2] >= 500 and answer[2] != 503]
        self.assertEqual(errors, [], "never a 500")
        self.assertEqual([client.broken for client in load.clients], [[]] * len(load.clients))
        unavailable = sum(1 for answer in answers if answer[2] == 503)
        for client in load.clients:
            status, body = self.server.request(
                "POST", "/api/auth/refresh/", {"refresh_token": client.pair["refresh_token"]}
            )
            self.assertEqual(status, 200, body)
            self.assertEqual(
                self.server.request("GET", "/api/auth/me/", token=body["access_token"])[0], 200
            )
        print(f"\n{killed} backends killed, {len(answers)} requests, {unavailable} answered 503")


@skipUnless(uses_accounts(), "the project's user admin")
@token_settings(STORE_EPOCH_LEASE=1, STORE_RETRY_INTERVAL=30)
class AdminDuringFaultsTests(AuthAPITestCase):
    """The admin's "Disable and revoke sessions" while Redis hangs, and while the database fails."""

    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.pairs = [self.login(), self.login()]
        self.staff = make_user("staff", is_staff=True, is_superuser=True)
        self.client.force_login(self.staff)

    def disable(self):
        return self.client.post(
            "/admin/accounts/user/",
            {"action": "disable_and_revoke", "_selected_action": [self.user.pk]},
            follow=True,
        )

    def assertRefused(self, code="user_inactive"):
        for pair in self.pairs:
            self.assertError(self.me(pair["access_token"]), 401, code)
            self.assertError(self.refresh(pair["refresh_token"]), 401, code)

    def test_disabling_while_redis_hangs_is_saved_refused_and_logged(self):
        self.redis.pause()
        try:
            response = self.disable()
            self.assertRefused()
        finally:
            self.redis.resume()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Disabled 1 user and revoked their sessions.")
        self.assertContains(response, "the change is saved in the database")
        self.assertFalse(get_user_model().objects.get(pk=self.user.pk).is_active)
        with token_settings(STORE_RETRY_INTERVAL=0):
            self.assertRefused()
        self.assertEqual(AuthEvent.objects.filter(kind="user_disabled").count(), 1)
        revoked = AuthEvent.objects.get(kind="revoked")
        self.assertEqual(revoked.detail, "2 sessions: user disabled")
        self.assertEqual(
            set(Session.objects.values_list("revoked_reason", flat=True)), {"user_disabled"}
        )

    def test_the_change_form_and_the_list_edit_say_what_was_saved(self):
        posts = {
            "change form": lambda user: (
                f"/admin/accounts/user/{user.pk}/change/",
                {
                    "username": user.username,
                    "email": user.email,
                    "first_name": "",
                    "last_name": "",
                    "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
                    "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
                    "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
                    "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
                },  # is_active left out: unticked
            ),
            "list edit": lambda user: ("/admin/accounts/user/", self.list_edit(user)),
        }
        for name, post in posts.items():
            with self.subTest(post=name):
                username = name.replace(" ", "-")
                user = make_user(username)
                pair = self.login(username)  # which clears the client's cookies
                self.client.force_login(self.staff)
                url, data = post(user)
                self.redis.pause()
                try:
                    response = self.client.post(url, data, follow=True)
                finally:
                    self.redis.resume()
                self.assertContains(response, "the change is saved in the database")
                self.assertFalse(get_user_model().objects.get(pk=user.pk).is_active)
                self.assertError(self.me(pair["access_token"]), 401, "user_inactive")
                self.assertEqual(
                    AuthEvent.objects.filter(kind="user_disabled", user_id=user.pk).count(), 1
                )

    def list_edit(self, target):
        """The users list's form: every user as it is, ``target`` unticked."""
        users = list(get_user_model().objects.order_by("-username"))
        data = {
            "form-TOTAL_FORMS": str(len(users)),
            "form-INITIAL_FORMS": str(len(users)),
            "_save": "Save",
        }
        for index, user in enumerate(users):
            data[f"form-{index}-id"] = str(user.pk)
            if user.is_active and user.pk != target.pk:
                data[f"form-{index}-is_active"] = "on"
        return data

    def test_a_database_fault_changes_nothing_and_says_so(self):
        with database_fault('UPDATE "ACCOUNTS_USER"'):
            response = self.disable()
        self.assertContains(response, "Nothing was changed: the database cannot be reached.")
        self.assertTrue(get_user_model().objects.get(pk=self.user.pk).is_active)
        self.assertFalse(Session.objects.filter(revoked_at__isnull=False).exists())
        self.assertFalse(AuthEvent.objects.filter(kind__in=("revoked", "user_disabled")).exists())
        # The tombstones written before the fault are gone with it: the sessions live on.
        for pair in self.pairs:
            self.assertEqual(self.me(pair["access_token"]).status_code, 200)
