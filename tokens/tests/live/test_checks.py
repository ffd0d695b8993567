import os
import subprocess
import sys
import time

from django.core import checks
from django.test import SimpleTestCase

from tokens.tests.servers import PROJECT, use_private_redis


def deploy_warnings() -> list[checks.CheckMessage]:
    return [
        message
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])
        if message.id == "tokens.W002"
    ]


class RedisEvictionCheckTests(SimpleTestCase):
    """``check --deploy`` against real redis-server processes started with each policy."""

    def test_policies_that_drop_keys_are_named_with_the_one_to_use(self):
        for policy in (
            "allkeys-lru",
            "volatile-lru",
            "allkeys-lfu",
            "volatile-ttl",
            "allkeys-random",
        ):
            with self.subTest(policy):
                use_private_redis(self, "--maxmemory-policy", policy)
                (warning,) = deploy_warnings()
                self.assertIn(policy, warning.msg)
                self.assertIn("noeviction", warning.hint)

    def test_noeviction_is_quiet(self):
        use_private_redis(self, "--maxmemory-policy", "noeviction")
        self.assertEqual(deploy_warnings(), [])

    def test_quiet_where_config_is_refused(self):
        use_private_redis(
            self, "--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", ""
        )
        self.assertEqual(deploy_warnings(), [])

    def test_quiet_and_quick_when_redis_hangs(self):
        redis = use_private_redis(self, "--maxmemory-policy", "allkeys-lru")
        redis.pause()
        self.addCleanup(redis.resume)
        started = time.monotonic()
        self.assertEqual(deploy_warnings(), [])
        self.assertLess(time.monotonic() - started, 1.5)

    def test_only_with_deploy(self):
        use_private_redis(self, "--maxmemory-policy", "allkeys-lru")
        self.assertNotIn(
            "tokens.W002", [message.id for message in checks.run_checks(tags=[checks.Tags.caches])]
        )

    def test_manage_py_check_deploy_says_it(self):
        redis = use_private_redis(self, "--maxmemory-policy", "volatile-lru")
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DEBUG="0",
            SECRET_KEY="k" * 60,
            ACCESS_SIGNING_KEY="a" * 64,
            REFRESH_SIGNING_KEY="r" * 64,
            REDIS_URL=redis.url,
            METRICS_ACCESS="staff",
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("tokens.W002", result.stderr)
        self.assertIn("maxmemory-policy noeviction", result.stderr)
