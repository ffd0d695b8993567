from django_redis import get_redis_connection
from redis.cluster import key_slot

from tokens.browser import device_cookies
from tokens.tests.core.test_costs import count_redis_round_trips
from tokens.tests.support import (
    PASSWORD,
    AuthAPITestCase,
    FrozenClock,
    login_name,
    make_user,
    rate_limits,
    token_settings,
)


def as_typed(name: str) -> str:
    """A test's name as the user model logs in with it (an e-mail address for some)."""
    return name if "@" in name or name != name.strip() else login_name(name)


class ThrottleAssertions:
    def assertThrottled(self, response, retry_after=None):
        self.assertError(response, 429, "throttled")
        self.assertGreater(int(response["Retry-After"]), 0)
        if retry_after is not None:
            self.assertEqual(int(response["Retry-After"]), retry_after)


class ThrottlingTests(ThrottleAssertions, AuthAPITestCase):
    def attempt(self, username="alice", password="wrong", ip="10.0.0.1"):
        return self.client.post(
            "/api/auth/login/",
            {"username": as_typed(username), "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    @rate_limits(login_ip="3/min", login_username="100/min")
    def test_login_per_ip(self):
        for number in range(3):
            self.assertEqual(self.attempt(username=f"someone-{number}").status_code, 401)
        self.assertThrottled(self.attempt(username="alice", password=PASSWORD))
        self.assertEqual(self.attempt(ip="10.0.0.2", password=PASSWORD).status_code, 200)

    @rate_limits(refresh_ip="2/min")
    def test_refresh_per_ip(self):
        pair = self.login()
        first = self.refresh(pair["refresh_token"], REMOTE_ADDR="10.0.0.9")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(
            self.refresh(first.json()["refresh_token"], REMOTE_ADDR="10.0.0.9").status_code, 200
        )
        self.assertThrottled(self.refresh("anything", REMOTE_ADDR="10.0.0.9"))

    @rate_limits(login_ip="2/min", login_username=None)
    def test_a_window_is_one_small_counter_key_with_an_expiry(self):
        for number in range(5):
            self.attempt(username=f"someone-{number}", ip="10.0.0.7")
        redis = get_redis_connection("default")
        names = [name.decode() for name in redis.scan_iter("jwt:t:*")]
        self.assertEqual(names, ["jwt:t:login_ip:10.0.0.7"])
        self.assertEqual(int(redis.get(names[0])), 5)
        self.assertTrue(0 < redis.ttl(names[0]) <= 60)
        response = self.attempt(ip="10.0.0.7")
        self.assertLessEqual(int(response["Retry-After"]), 60)


@rate_limits(login_ip="1000/min", login_username="100/hour")
class LoginFailureTests(ThrottleAssertions, AuthAPITestCase):
    """Failed logins slow their client down; the owner's device cookie keeps it out of the others'
    limits.
    """

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)

    def attempt(self, username="alice", password="wrong", ip="10.0.0.1", device=None):
        self.client.cookies.clear()
        if device is not None:
            self.client.cookies[device_cookies.name()] = device
        return self.client.post(
            "/api/auth/login/",
            {"username": as_typed(username), "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    def device_cookie(self, username="alice", ip="10.0.0.200") -> str:
        """Log in as ``username`` and return the value of the device cookie it set."""
        response = self.attempt(username=username, password=PASSWORD, ip=ip)
        self.assertEqual(response.status_code, 200, response.content)
        return response.cookies[device_cookies.name()].value

    @token_settings(LOGIN_FAILURE_MAX_DELAY=8)
    def test_each_failure_doubles_the_clients_wait_up_to_the_cap(self):
        for wait in (1, 2, 4, 8, 8):
            self.assertError(self.attempt(username="carol"), 401, "invalid_credentials")
            self.assertThrottled(self.attempt(username="carol"), retry_after=wait)
            self.clock.advance(wait - 1)
            self.assertThrottled(self.attempt(username="carol"), retry_after=1)
            self.clock.advance(1)

    def test_the_wait_holds_the_right_password_too_and_is_per_name_and_address(self):
        self.assertEqual(self.attempt().status_code, 401)
        self.assertThrottled(self.attempt(password=PASSWORD), retry_after=1)
        self.assertEqual(self.attempt(password=PASSWORD, ip="10.0.0.2").status_code, 200)
        make_user("bob")
        self.assertEqual(self.attempt(username="bob", password=PASSWORD).status_code, 200)
        # The account's e-mail address, in any case and with blanks around it, is the same account.
        self.assertThrottled(self.attempt(username=" ALICE@EXAMPLE.COM "), retry_after=1)

    def test_the_first_wait_is_a_full_second_from_the_failure(self):
        # A failure late in a second: the wait is measured from it, not from the whole second.
        failed_at = int(self.clock.current) + 0.9
        self.clock.current = failed_at
        self.assertEqual(self.attempt().status_code, 401)
        for later in (0.23, 0.5, 0.99):
            with self.subTest(later=later):
                self.clock.current = failed_at + later
                self.assertThrottled(self.attempt(password=PASSWORD), retry_after=1)
        self.clock.current = failed_at + 1
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 200)

    def test_failures_are_forgotten_an_hour_after_the_wait(self):
        for wait in (1, 2):
            self.attempt()
            self.clock.advance(wait)
        self.attempt()
        self.assertThrottled(self.attempt(), retry_after=4)
        self.clock.advance(4 + 3600)
        self.attempt()
        self.assertThrottled(self.attempt(), retry_after=1)

    def test_successes_never_count_and_clear_the_clients_own_failures(self):
        for _ in range(20):
            self.assertEqual(self.attempt(password=PASSWORD).status_code, 200)
        self.attempt()
        self.clock.advance(1)
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 200)
        self.attempt()
        self.assertThrottled(self.attempt(), retry_after=1)

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_past_the_names_limit_only_its_device_cookie_gets_through(self):
        device = self.device_cookie()
        for number in range(3):
            self.assertEqual(self.attempt(ip=f"10.0.1.{number}").status_code, 401)
        self.assertThrottled(self.attempt(password=PASSWORD, ip="10.0.1.9"), retry_after=3600)
        self.assertThrottled(self.attempt(password=PASSWORD, ip="10.0.0.200"), retry_after=3600)
        self.assertEqual(
            self.attempt(password=PASSWORD, ip="10.0.1.9", device=device).status_code, 200
        )
        self.clock.advance(3600)
        self.assertEqual(self.attempt(password=PASSWORD, ip="10.0.1.9").status_code, 200)

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_a_device_is_limited_by_its_own_failures_only(self):
        first, second = self.device_cookie(), self.device_cookie()
        self.assertNotEqual(first, second)
        for wait in (1, 2):
            self.assertEqual(self.attempt(device=first).status_code, 401)
            self.assertThrottled(self.attempt(device=first), retry_after=wait)
            self.clock.advance(wait)
        self.assertEqual(self.attempt(device=first).status_code, 401)
        self.assertThrottled(self.attempt(password=PASSWORD, device=first), retry_after=4)
        # Neither the other device, nor the same address without the cookie, nor the name's limit
        # for clients without it (3 failures) counted those.
        self.assertEqual(self.attempt(password=PASSWORD, device=second).status_code, 200)
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 200)

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_a_device_cookie_counts_for_the_names_of_its_own_user_only(self):
        make_user("bob")
        device = self.device_cookie()
        for number in range(3):
            self.attempt(username="bob", ip=f"10.0.1.{number}")
        self.assertThrottled(self.attempt(username="bob", password=PASSWORD, device=device))
        for number in range(3):
            self.attempt(ip=f"10.0.2.{number}")
        # Logging in by e-mail address is the same user.
        self.assertEqual(
            self.attempt(
                username="alice@example.com", password=PASSWORD, device=device
            ).status_code,
            200,
        )

    @rate_limits(login_ip="1000/min", login_username="3/hour")
    def test_a_forged_or_expired_device_cookie_counts_for_nothing(self):
        device = self.device_cookie()
        for number in range(3):
            self.attempt(ip=f"10.0.1.{number}")
        value, signature = device.rsplit(":", 1)
        for forged in (
            value + ":" + signature[::-1],
            value[:-2] + ":" + signature,
            "garbage",
            "a:b:c",
        ):
            with self.subTest(forged=forged):
                self.assertThrottled(self.attempt(password=PASSWORD, device=forged))
        self.assertEqual(self.attempt(password=PASSWORD, device=device).status_code, 200)
        self.clock.advance(365 * 24 * 3600 + 1)
        for number in range(3):
            self.attempt(ip=f"10.0.3.{number}")
        self.assertThrottled(self.attempt(password=PASSWORD, device=device))

    def test_the_device_cookie_is_signed_httponly_and_sent_to_every_door(self):
        response = self.attempt(password=PASSWORD)
        cookie = response.cookies[device_cookies.name()]
        self.assertTrue(cookie["httponly"])
        self.assertTrue(cookie["secure"])
        self.assertEqual(cookie["samesite"], "Strict")
        self.assertEqual(cookie["path"], "/")
        self.assertEqual(cookie["max-age"], 365 * 24 * 3600)
        self.assertNotIn("alice", cookie.value)
        self.assertNotIn(device_cookies.name(), self.attempt().cookies)

    def test_a_forwarded_for_header_does_not_make_another_client(self):
        self.attempt(username="carol")
        response = self.client.post(
            "/api/auth/login/",
            {"username": as_typed("carol"), "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        self.assertThrottled(response, retry_after=1)

    def test_every_key_expires_and_an_accounts_keys_share_one_cluster_slot(self):
        device = self.device_cookie()
        self.attempt()
        self.attempt(device=device)
        redis = get_redis_connection("default")
        names = [name.decode() for name in redis.scan_iter("jwt:{g:*")]
        self.assertEqual(len(names), 3)  # the address, the device, the account's count
        self.assertEqual(len({key_slot(name.encode()) for name in names}), 1)
        for name in names:
            self.assertNotIn("alice", name)
            self.assertTrue(0 < redis.ttl(name) <= 3600 + 1, name)

    def test_a_check_is_one_round_trip(self):
        self.attempt()
        self.clock.advance(1)
        with count_redis_round_trips() as sent:
            self.assertEqual(self.attempt().status_code, 401)
        self.assertEqual(len(sent), 3)  # the address counter, the check, the failure
        with count_redis_round_trips() as sent:
            self.assertThrottled(self.attempt())
        self.assertEqual(len(sent), 2)  # the address counter, the check
