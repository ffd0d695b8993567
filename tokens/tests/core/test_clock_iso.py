"""``clock.to_iso`` writes an instant exactly as DRF's JSON encoder writes its datetime."""

from django.test import SimpleTestCase
from rest_framework.utils.encoders import JSONEncoder

from tokens.core import clock


class IsoTests(SimpleTestCase):
    def test_as_the_renderer_writes_the_datetime(self):
        encoder = JSONEncoder()
        for epoch in (0, 1, 1_800_000_000, 2_000_000_000, 1_800_000_000.25, 1_800_000_000.000001):
            with self.subTest(epoch=epoch):
                self.assertEqual(clock.to_iso(epoch), encoder.default(clock.to_datetime(epoch)))

    def test_a_known_instant(self):
        self.assertEqual(clock.to_iso(1_800_000_000), "2027-01-15T08:00:00Z")
