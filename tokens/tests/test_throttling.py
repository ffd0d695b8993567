from tokens.tests.support import PASSWORD, AuthAPITestCase, login_name, rate_limits


class ThrottlingTests(AuthAPITestCase):
    def attempt(self, username="alice", password="wrong", ip="10.0.0.1"):
        credentials = {"username": login_name(username), "password": password}
        return self.client.post("/api/auth/login/", credentials, format="json", REMOTE_ADDR=ip)

    def assertThrottled(self, response):
        self.assertError(response, 429, "throttled")
        self.assertGreater(int(response["Retry-After"]), 0)

    @rate_limits(login_ip="3/min", login_username="100/min")
    def test_login_per_ip(self):
        for _ in range(3):
            self.assertEqual(self.attempt(username="someone").status_code, 401)
        self.assertThrottled(self.attempt(username="alice", password=PASSWORD))
        self.assertEqual(self.attempt(ip="10.0.0.2", password=PASSWORD).status_code, 200)

    @rate_limits(login_ip="100/min", login_username="2/min")
    def test_login_per_username_across_addresses(self):
        self.assertEqual(self.attempt(ip="10.0.0.1").status_code, 401)
        self.assertEqual(self.attempt(username="ALICE", ip="10.0.0.2").status_code, 401)
        self.assertThrottled(self.attempt(ip="10.0.0.3", password=PASSWORD))
        self.assertEqual(self.attempt(username="bob", ip="10.0.0.4").status_code, 401)

    @rate_limits(refresh_ip="2/min")
    def test_refresh_per_ip(self):
        pair = self.login()
        first = self.refresh(pair["refresh_token"], REMOTE_ADDR="10.0.0.9")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(self.refresh(first.json()["refresh_token"], REMOTE_ADDR="10.0.0.9").status_code, 200)
        self.assertThrottled(self.refresh("anything", REMOTE_ADDR="10.0.0.9"))

    @rate_limits(login_ip="2/min", login_username=None)
    def test_a_window_is_one_small_counter_key_with_an_expiry(self):
        from django_redis import get_redis_connection

        for _ in range(5):
            self.attempt(ip="10.0.0.7")
        redis = get_redis_connection("default")
        names = [name.decode() for name in redis.scan_iter("jwt:t:*")]
        self.assertEqual(names, ["jwt:t:login_ip:10.0.0.7"])
        self.assertEqual(int(redis.get(names[0])), 5)
        self.assertTrue(0 < redis.ttl(names[0]) <= 60)
        response = self.attempt(ip="10.0.0.7")
        self.assertLessEqual(int(response["Retry-After"]), 60)
