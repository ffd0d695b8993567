"""The security overview when its private Redis is stopped."""

from datetime import timedelta

from tokens.models import AuthEvent
from tokens.operations import overview
from tokens.tests.operations.test_overview import OverviewFiguresMixin, series
from tokens.tests.servers import use_private_redis
from tokens.tests.support import (
    AuthAPITestCase,
)


class OverviewWithoutRedisTests(OverviewFiguresMixin, AuthAPITestCase):
    """The overview when Redis (its refresh tallies) cannot be reached."""

    def test_without_redis_the_rest_is_shown(self):
        redis = use_private_redis(self)
        self.event(AuthEvent.Kind.LOGIN_FAILED, timedelta(minutes=5))
        redis.stop()
        found = overview.figures()
        self.assertFalse(found.refreshes_known)
        self.assertEqual(series(found.hourly, "Refreshes"), [])
        self.assertEqual(series(found.hourly, "Logins failed")[-1], 1)
