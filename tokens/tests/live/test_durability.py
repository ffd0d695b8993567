"""Redis losing its data for real: a private server restarted without persistence, or evicting."""

from django_redis import get_redis_connection

from tokens.tests.core.test_durability import SESSION_KEYS, RedisLossScenario
from tokens.tests.servers import use_private_redis
from tokens.tests.support import AuthAPITestCase


class RestartWithoutPersistenceTests(RedisLossScenario, AuthAPITestCase):
    def setUp(self):
        self.redis = use_private_redis(self)
        super().setUp()

    def lose_data(self):
        self.redis.stop()
        self.redis.start()


class EvictionTests(RedisLossScenario, AuthAPITestCase):
    """A cache's usual setting: a small ``maxmemory`` and ``allkeys-lru``, then other data pushes
    ours out.
    """

    def setUp(self):
        self.redis = use_private_redis(
            self, "--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru"
        )
        super().setUp()

    def lose_data(self):
        redis = get_redis_connection("default")
        filler = b"x" * 10_000
        for batch in range(100):
            pipe = redis.pipeline(transaction=False)
            for index in range(50):
                pipe.set(f"cache:filler:{batch}:{index}", filler)
            pipe.execute()
            if not any(True for _ in redis.scan_iter(SESSION_KEYS)):
                return
        self.fail("the session keys were never evicted")
