from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from redis.connection import AbstractConnection

from tokens.tests.support import AuthAPITestCase, bearer


@contextmanager
def count_redis_round_trips():
    """Count what the real Redis connections send: one send is one round trip (a pipeline too)."""
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    AbstractConnection.send_packed_command = counting
    try:
        yield sent
    finally:
        AbstractConnection.send_packed_command = original


def without_rate_limits():
    rest = settings.REST_FRAMEWORK
    rates = dict.fromkeys(rest["DEFAULT_THROTTLE_RATES"])
    return override_settings(REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": rates})


@without_rate_limits()
class HotPathCostTests(AuthAPITestCase):
    """The work per request that the design promises, on the real Redis and database."""

    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.me(self.pair["access_token"])  # warm up: connections open, Lua script loaded

    def test_an_authenticated_request_is_one_redis_round_trip_and_one_query(self):
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            response = self.client.get("/api/auth/me/", **bearer(self.pair["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(len(queries), 1, [q["sql"] for q in queries])

    def test_a_refresh_is_one_round_trip_one_read_and_one_write(self):
        self.refresh(self.refresh(self.pair["refresh_token"]).json()["refresh_token"])  # script cached
        token = self.login()["refresh_token"]
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            response = self.refresh(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        # Reads and writes; transaction control (and PostgreSQL's SET LOCAL) is neither.
        statements = [q["sql"].split()[0].upper() for q in queries]
        data = [statement for statement in statements if statement in {"SELECT", "INSERT", "UPDATE", "DELETE"}]
        self.assertEqual(data, ["SELECT", "UPDATE"], [q["sql"] for q in queries])
