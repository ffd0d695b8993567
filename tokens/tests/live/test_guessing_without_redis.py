"""No door runs uncounted: with its Redis stopped, wrong guesses are counted from the auth event
log, and the mail-sending doors answer 503 (docs/operations.md says which door does which).
"""

from django_redis import get_redis_connection
from redis.exceptions import OutOfMemoryError

from tokens.tests.api.test_throttling import ThrottleAssertions
from tokens.tests.mfa import MfaMixin
from tokens.tests.servers import use_private_redis
from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name, token_settings
from tokens.throttling import GuessThrottle


@token_settings(STORE_EPOCH_LEASE=1, STORE_RETRY_INTERVAL=30)
class GuessingWithoutRedisTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()

    def attempt(self, password, ip="10.0.0.1"):
        return self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    def test_wrong_passwords_are_slowed_down_from_the_event_log(self):
        self.redis.stop()
        self.assertError(self.attempt("wrong"), 401, "invalid_credentials")
        self.assertThrottled(self.attempt(PASSWORD), retry_after=1)
        self.clock.advance(1)
        self.assertError(self.attempt("wrong"), 401, "invalid_credentials")
        self.assertThrottled(self.attempt(PASSWORD), retry_after=2)
        # Another address has its own delay; a success there ends nothing here.
        self.assertEqual(self.attempt(PASSWORD, ip="10.0.0.2").status_code, 200)
        self.assertThrottled(self.attempt(PASSWORD))
        self.clock.advance(2)
        self.assertEqual(self.attempt(PASSWORD).status_code, 200)

    @token_settings(THROTTLE_RATES={"login_ip": "1000/min", "login_username": "3/hour"})
    def test_the_accounts_limit_holds_from_the_event_log(self):
        self.redis.stop()
        for number in range(3):
            self.attempt("wrong", ip=f"10.0.1.{number}")
        self.assertThrottled(self.attempt(PASSWORD, ip="10.0.2.1"))

    def test_wrong_codes_at_reauthenticate_are_counted_too(self):
        secret, _ = self.enrol_totp()
        self.redis.stop()
        token = self.pair["access_token"]
        self.assertError(
            self.post("/api/auth/reauthenticate/", {"code": "000000"}, token=token),
            400,
            "invalid_code",
        )
        self.assertThrottled(
            self.post("/api/auth/reauthenticate/", {"code": self.code(secret)}, token=token)
        )
        self.clock.advance(1)
        response = self.post("/api/auth/reauthenticate/", {"code": self.code(secret)}, token=token)
        self.assertEqual(response.status_code, 200, response.content)

    def test_mail_sending_doors_answer_503(self):
        self.redis.stop()
        for path, body in (
            ("/api/auth/password/reset/", {"email": "alice@example.com"}),
            ("/api/auth/email/verify/resend/", {"email": "alice@example.com"}),
        ):
            with self.subTest(path=path):
                response = self.client.post(path, body, format="json")
                self.assertError(response, 503, "service_unavailable")
                self.assertIn("Retry-After", response)


class GuessingWithAFullRedisTests(ThrottleAssertions, MfaMixin, AuthAPITestCase):
    """Redis full under ``noeviction`` answers reads but refuses to record a wrong guess: the
    event log counts the guesses it missed.
    """

    def setUp(self):
        use_private_redis(self, "--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
        super().setUp()
        self.addCleanup(setattr, GuessThrottle, "refused_at", None)
        redis = get_redis_connection("default")
        with self.assertRaises(OutOfMemoryError):
            for index in range(10_000):
                redis.set(f"filler:{index}", b"x" * 10_000)

    def test_wrong_passwords_are_still_slowed_down(self):
        statuses = [
            self.client.post(
                "/api/auth/login/",
                {"username": login_name("alice"), "password": "wrong"},
                format="json",
            ).status_code
            for _ in range(6)
        ]
        self.assertEqual(statuses.count(401), 1)
        self.assertEqual(statuses.count(429), 5)
