"""The process-local copy of live sessions and user rows: never an answer Redis would not give.

Each test is a way a local copy could answer for a token that Redis (or the record) refuses, and
the copy's own costs when it answers.
"""

import select
import socket
import threading
import time
from unittest import mock, skipUnless

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from tokens.models import Session
from tokens.store import invalidation_channel, local_copy, redis_keys
from tokens.tests.servers import use_private_redis
from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    claims,
    count_redis_round_trips,
    token_settings,
    uses_accounts,
)


def local_session_entry(access_token: str):
    """What this process's local copy holds for the session of ``access_token`` (or MISSING)."""
    payload = claims(access_token)
    return local_copy.get(redis_keys.session(payload["sub"], payload["sid"]))


# A lease long enough that no lookup in a test falls due to renew it (each renewal is a round trip).
@token_settings(
    THROTTLE_RATES=dict.fromkeys(settings.TOKENS["THROTTLE_RATES"]), STORE_EPOCH_LEASE=60
)
class LocalCopyTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(local_copy.settle(), "the invalidation channel did not come up")
        self.pair = self.login()
        self.headers = bearer(self.pair["access_token"])

    def session(self, headers=None):
        return self.client.get("/api/auth/session/", **(headers or self.headers))

    def warm(self):
        """Two reads: the first refills the local copy from Redis, the second is answered by it."""
        # Freshly confirmed first: a login's password hash may have kept the channel's thread
        # from its PINGs for longer than the lag, and an untrusted copy keeps nothing. On a
        # machine busy with other suites the thread can miss the lag between any two steps, so
        # the copy must come to hold the session in one of a few tries, not in the first.
        for _attempt in range(5):
            self.assertTrue(local_copy.settle(), "the invalidation channel did not answer")
            self.assertEqual(self.session().status_code, 200)
            self.assertEqual(self.session().status_code, 200)
            if local_session_entry(self.pair["access_token"]) is not local_copy.MISSING:
                return
        self.fail("no read kept the session in the local copy")

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_a_trusted_copy_answers_session_and_me_without_redis_or_sql(self):
        self.warm()
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)  # the row is kept
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.session().status_code, 200)
            response = self.me(self.pair["access_token"])
        self.assertEqual((response.status_code, response.json()["username"]), (200, "alice"))
        self.assertEqual((sent, queries.captured_queries), ([], []))

    def test_the_process_that_revokes_refuses_at_once(self):
        # No wait of any kind between the logout's answer and the next request.
        for revoke in (
            lambda: self.client.post("/api/auth/logout/", **self.headers),
            lambda: self.client.post("/api/auth/logout-all/", **self.headers),
            lambda: self.client.delete(
                f"/api/auth/sessions/{self.pair['session_id']}/", **self.headers
            ),
        ):
            with self.subTest(revoke=revoke):
                self.warm()
                self.assertIn(revoke().status_code, (200, 204))
                self.assertError(self.session(), 401, "token_revoked")
                self.pair = self.login()
                self.headers = bearer(self.pair["access_token"])

    def test_disabling_the_owner_is_refused_at_once_by_session_and_me(self):
        self.warm()
        self.assertEqual(self.me(self.pair["access_token"]).status_code, 200)
        self.user.is_active = False
        self.user.save()
        self.assertError(self.session(), 401, "user_inactive")
        self.assertError(self.me(self.pair["access_token"]), 401, "user_inactive")

    @skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
    def test_a_changed_row_is_never_served_from_before(self):
        self.assertEqual(self.me(self.pair["access_token"]).json()["first_name"], "")
        model = type(self.user)
        for change in (
            lambda: model.objects.filter(pk=self.user.pk).update(first_name="Bulk"),
            lambda: setattr(self.user, "first_name", "Saved") or self.user.save(),
        ):
            with self.subTest(change=change):
                self.me(self.pair["access_token"])  # kept
                change()
                expected = model.objects.get(pk=self.user.pk).first_name
                self.assertEqual(self.me(self.pair["access_token"]).json()["first_name"], expected)

    def test_a_write_redis_made_for_another_process_is_seen_by_the_next_lookup(self):
        # Another process's logout, as Redis sees it: the hash becomes a tombstone. The channel's
        # thread wakes once a tick, so the lookup right after the write is answered by a copy
        # that has not heard of it unless the lookup reads the channel first.
        payload = claims(self.pair["access_token"])
        name = redis_keys.session(payload["sub"], payload["sid"])
        redis = get_redis_connection("default")
        live, ttl = redis.hgetall(name), redis.pttl(name)
        for _attempt in range(20):
            self.warm()
            redis.pipeline().delete(name).hset(name, "x", "logout").expire(name, 60).execute()
            self.assertError(self.session(), 401, "token_revoked")
            redis.pipeline().delete(name).hset(name, mapping=live).pexpire(name, ttl).execute()

    @token_settings(LOCAL_SESSION_COPY_LAG=1.0)
    def test_an_invalidation_read_off_the_socket_but_not_applied_is_waited_for(self):
        # Another thread (the channel's, or a lookup's) has taken the invalidation off the socket
        # and not applied it yet: a lookup that finds the socket empty must wait for it, not
        # answer from before the write. (A long lag: the copy stays trusted while the channel's
        # thread is held up, so only the wait can make the answer right.)
        self.assertTrue(local_copy.settle())
        self.warm()
        state = local_copy._copy
        payload = claims(self.pair["access_token"])
        name = redis_keys.session(payload["sub"], payload["sid"])
        holding, written, taken = threading.Event(), threading.Event(), threading.Event()
        failures = []

        def reader():
            try:
                with state.channel_lock:  # the channel's thread reads nothing meanwhile
                    connection, descriptor = state.channel
                    holding.set()
                    self.assertTrue(written.wait(5))
                    poller = select.poll()
                    poller.register(descriptor, select.POLLIN)
                    replies = []
                    while not any(r[0] == b"message" and r[2] for r in replies):
                        self.assertTrue(poller.poll(2000), "no invalidation came")
                        replies.append(connection.read_response())
                    taken.set()
                    time.sleep(0.3)  # read, not yet applied: a lookup comes now
                    for reply in replies:
                        invalidation_channel.apply(state, reply)
            except Exception as exc:  # reported by the test's thread
                failures.append(exc)
                taken.set()

        thread = threading.Thread(target=reader)
        thread.start()
        self.assertTrue(holding.wait(5))
        redis = get_redis_connection("default")
        redis.pipeline().delete(name).hset(name, "x", "logout").expire(name, 60).execute()
        written.set()
        self.assertTrue(taken.wait(5))
        response = self.session()
        thread.join(5)
        self.assertEqual(failures, [])
        self.assertError(response, 401, "token_revoked")

    def test_a_flush_revives_nothing(self):
        self.warm()
        # Revoked in the record by a write Redis never saw (it was lost with the flush).
        Session.objects.filter(pk=self.pair["session_id"]).update(
            revoked_at=Session.objects.get(pk=self.pair["session_id"]).created_at,
            revoked_reason=Session.RevokeReason.LOGOUT,
        )
        get_redis_connection("default").flushdb()
        self.assertTrue(local_copy.settle())
        self.assertIs(local_session_entry(self.pair["access_token"]), local_copy.MISSING)
        self.assertError(self.session(), 401, "token_revoked")

    def test_a_lost_channel_drops_the_copy_and_comes_back_tracking(self):
        self.warm()
        redis = get_redis_connection("default")
        self.assertGreaterEqual(redis.client_kill_filter(_type="pubsub"), 1)
        deadline = time.monotonic() + 1
        while local_session_entry(self.pair["access_token"]) is not local_copy.MISSING:
            self.assertLess(time.monotonic(), deadline, "the copy outlived its channel")
            time.sleep(0.005)
        # Back: a new connection, tracking again with itself as the redirect, in broadcast mode.
        self.assertTrue(local_copy.settle())
        channels = [
            client
            for client in redis.client_list(_type="pubsub")
            if client.get("redir") == client["id"]
        ]
        self.assertTrue(channels, redis.client_list(_type="pubsub"))
        self.assertIn("t", channels[0]["flags"])
        self.assertIn("B", channels[0]["flags"])
        # And a write now reaches the copy again.
        self.test_a_write_redis_made_for_another_process_is_seen_by_the_next_lookup()


@token_settings(LOCAL_SESSION_COPY_SIZE=2)
class LocalCopyBookkeepingTests(AuthAPITestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(local_copy.settle(), "the invalidation channel did not come up")

    def test_a_read_overtaken_by_a_write_keeps_nothing(self):
        # A read asked Redis, a write (here or anywhere) dropped the key before the read stored
        # what it found: that answer is older than the write and is not kept.
        read_in = local_copy.generation()
        local_copy.drop("jwt:{u:1}:s:overtaken")
        local_copy.put("jwt:{u:1}:s:overtaken", "live", time.time() + 60, read_in)
        self.assertIs(local_copy.get("jwt:{u:1}:s:overtaken"), local_copy.MISSING)

    def test_the_copy_is_bounded_and_forgets_the_least_recently_used(self):
        for name in ("a", "b"):
            local_copy.put(name, name, time.time() + 60, local_copy.generation())
        self.assertEqual(local_copy.get("a"), "a")  # "b" is now the least recently used
        local_copy.put("c", "c", time.time() + 60, local_copy.generation())
        self.assertEqual(
            [local_copy.get(name) for name in ("a", "b", "c")], ["a", local_copy.MISSING, "c"]
        )

    def test_a_channel_closed_under_a_lookup_is_not_trusted_for_its_silence(self):
        # A read of the channel failed in another thread and redis-py closed the socket; a new
        # socket took its descriptor before the copy was dropped. That socket's silence must not
        # pass for the channel's.
        local_copy.put("kept", "live", time.time() + 60, local_copy.generation())
        self.assertEqual(local_copy.get("kept"), "live")
        connection, descriptor = local_copy._copy.channel
        connection.disconnect()
        opened: list[socket.socket] = []
        while descriptor not in [end.fileno() for end in opened] and len(opened) < 64:
            opened.extend(socket.socketpair())  # the lowest free descriptors first
        for end in opened:
            self.addCleanup(end.close)
        self.assertIn(descriptor, [end.fileno() for end in opened], "not reused")
        self.assertIs(local_copy.get("kept"), local_copy.MISSING)
        self.assertTrue(local_copy.settle(), "the channel did not come back")

    def test_without_poll_there_is_no_copy_and_redis_answers(self):
        # Windows has no select.poll: the channel cannot be read, so nothing is kept or trusted.
        with mock.patch.object(invalidation_channel, "AVAILABLE", False), token_settings():
            self.assertFalse(local_copy.enabled())
            headers = bearer(self.login()["access_token"])
            self.assertTrue(local_copy.settle())  # no channel to wait for
            for _ in range(3):
                with count_redis_round_trips() as sent:
                    self.assertEqual(
                        self.client.get("/api/auth/session/", **headers).status_code, 200
                    )
                self.assertEqual(len(sent), 1)
        self.assertTrue(local_copy.enabled())

    def test_an_entry_ends_when_it_was_told_to(self):
        local_copy.put("short", "live", time.time() + 0.05, local_copy.generation())
        self.assertEqual(local_copy.get("short"), "live")
        time.sleep(0.06)
        self.assertIs(local_copy.get("short"), local_copy.MISSING)


@token_settings(STORE_EPOCH_LEASE=60)
class PausedRedisTests(AuthAPITestCase):
    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()
        self.assertTrue(local_copy.settle(), "the invalidation channel did not come up")

    def test_a_paused_redis_leaves_no_copy_trusted(self):
        pair = self.login()
        headers = bearer(pair["access_token"])
        for _ in range(2):
            self.assertEqual(self.client.get("/api/auth/session/", **headers).status_code, 200)
        self.assertIsNot(local_session_entry(pair["access_token"]), local_copy.MISSING)
        self.redis.pause()
        try:
            time.sleep(2 * settings.TOKENS.get("LOCAL_SESSION_COPY_LAG", 0.05))
            self.assertIs(local_session_entry(pair["access_token"]), local_copy.MISSING)
            # Logged out elsewhere while Redis hangs: only the record knows.
            Session.objects.filter(pk=pair["session_id"]).update(
                revoked_at=Session.objects.get(pk=pair["session_id"]).created_at,
                revoked_reason=Session.RevokeReason.LOGOUT,
            )
            self.assertError(self.client.get("/api/auth/session/", **headers), 401, "token_revoked")
        finally:
            self.redis.resume()
