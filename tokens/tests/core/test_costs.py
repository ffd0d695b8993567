from unittest import skipUnless

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection

from tokens.models import Session
from tokens.tests.support import (
    AuthAPITestCase,
    bearer,
    claims,
    count_redis_round_trips,
    token_settings,
)


def data_statements(queries) -> list[str]:
    """The reads and writes among captured queries; transaction control is neither."""
    statements = [query["sql"].split()[0].upper() for query in queries]
    return [
        statement
        for statement in statements
        if statement in {"SELECT", "INSERT", "UPDATE", "DELETE"}
    ]


@token_settings(
    THROTTLE_RATES=dict.fromkeys(settings.TOKENS["THROTTLE_RATES"]), LOCAL_SESSION_COPY=False
)
class HotPathCostTests(AuthAPITestCase):
    """The work per request that the design promises, on the real Redis and database, when the
    process-local copy does not answer (off here; its own costs: ``tokens.tests.store``).
    """

    def setUp(self):
        super().setUp()
        self.pair = self.login()
        self.me(self.pair["access_token"])  # warm up: connections open

    def measure(self, call):
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            response = call()
        return response, sent, [query["sql"] for query in queries]

    def session(self, access_token):
        return self.client.get("/api/auth/session/", **bearer(access_token))

    def test_a_view_that_needs_only_the_token_is_one_round_trip_and_no_sql(self):
        response, sent, queries = self.measure(lambda: self.session(self.pair["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(queries, [])

    def test_me_reads_the_user_row_once(self):
        response, sent, queries = self.measure(lambda: self.me(self.pair["access_token"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(len(queries), 1, queries)

    def test_a_refresh_is_one_round_trip_and_one_statement(self):
        self.refresh(
            self.refresh(self.pair["refresh_token"]).json()["refresh_token"]
        )  # scripts cached
        token = self.login()["refresh_token"]
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            response = self.refresh(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(data_statements(queries), ["UPDATE"], [q["sql"] for q in queries])

    def test_a_refresh_carries_the_session_claims_at_the_same_cost(self):
        self.refresh(self.refresh(self.pair["refresh_token"]).json()["refresh_token"])
        session = Session.objects.get(pk=self.pair["session_id"])
        carried = {"auth_time": session.claims["auth_time"] - 60, "amr": ["pwd", "otp", "mfa"]}
        Session.objects.filter(pk=session.pk).update(claims=carried)
        token = self.login()["refresh_token"]
        Session.objects.filter(pk=claims(token)["sid"]).update(claims=carried)
        with count_redis_round_trips() as sent, CaptureQueriesContext(connection) as queries:
            response = self.refresh(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(data_statements(queries), ["UPDATE"], [q["sql"] for q in queries])
        for new in (response.json()["access_token"], response.json()["refresh_token"]):
            self.assertEqual(
                {name: claims(new)[name] for name in carried}, carried, "carried unchanged"
            )

    def test_a_miss_costs_one_read_once_per_session(self):
        self.session(self.pair["access_token"])  # the lookup and seed scripts are cached
        get_redis_connection("default").flushall()
        first, _, first_queries = self.measure(lambda: self.session(self.pair["access_token"]))
        second, sent, second_queries = self.measure(lambda: self.session(self.pair["access_token"]))
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(
            data_statements([{"sql": sql} for sql in first_queries]), ["SELECT"], first_queries
        )
        self.assertEqual((len(sent), second_queries), (1, []))

    def test_a_revoked_session_is_refused_without_sql(self):
        self.client.post("/api/auth/logout/", **bearer(self.pair["access_token"]))
        response, sent, queries = self.measure(lambda: self.session(self.pair["access_token"]))
        self.assertError(response, 401, "token_revoked")
        self.assertEqual((len(sent), queries), (1, []))


@skipUnless(apps.is_installed("tokens.lifecycle"), "sign-up and its verification")
@token_settings(EMAIL_VERIFICATION="mandatory")
class LoginCostTests(AuthAPITestCase):
    """What a password login asks of the database about the account's state."""

    def test_a_password_login_asks_whether_the_address_is_verified_once(self):
        # The password's guard asks (does this right password end the run of wrong guesses?),
        # and so does the account's stage: one answer for both.
        self.login()  # warm up: connections open, the browser known
        with CaptureQueriesContext(connection) as queries:
            self.login()
        statements = [query["sql"] for query in queries]
        verification = [sql for sql in statements if "emailverification" in sql.lower()]
        self.assertEqual(len(verification), 1, statements)
