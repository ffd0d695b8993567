"""The hot path's metrics, counted in memory, reach prometheus-client's values exactly: on
/metrics at once, from the folding thread within a second, and never twice across a fork.
"""

import os
import time

from django.test import SimpleTestCase

from tokens.operations import batched_metrics, metrics


def buckets(histogram) -> dict[str, float]:
    """The histogram's cumulative bucket samples and its sum, as a scrape shows them."""
    return {
        sample.labels.get("le", sample.name): sample.value
        for family in histogram.collect()
        for sample in family.samples
        if sample.name.endswith(("_bucket", "_sum"))
    }


class TallyTests(SimpleTestCase):
    def setUp(self):
        batched_metrics.fold()  # nothing counted by an earlier test is taken for this one's
        self.counter = metrics.LOCAL_COPY_LOOKUPS.labels("session", "miss")

    def test_a_folded_histogram_is_what_observe_would_have_made_it(self):
        histogram = metrics.AUTHENTICATION_SECONDS
        amounts = [0.0001, 0.0005, 0.0031, 0.3, 0.3, 2.5, 100.0]
        before = buckets(histogram)
        for amount in amounts:
            batched_metrics.observe(histogram, amount)
        self.assertEqual(buckets(histogram), before, "counted, not yet added")
        batched_metrics.fold()
        after = buckets(histogram)
        # Cumulative, as prometheus-client exposes them: an amount equal to a bound is in it.
        expected = {
            "0.0005": 2,
            "0.001": 2,
            "0.002": 2,
            "0.005": 3,
            "0.01": 3,
            "0.025": 3,
            "0.05": 3,
            "0.1": 3,
            "0.25": 3,
            "0.5": 5,
            "1.0": 5,
            "2.5": 6,
            "+Inf": 7,
        }
        for bound, count in expected.items():
            with self.subTest(le=bound):
                self.assertEqual(after[bound] - before[bound], count)
        self.assertAlmostEqual(
            after["auth_authentication_seconds_sum"] - before["auth_authentication_seconds_sum"],
            sum(amounts),
        )

    def test_counts_reach_the_counter_within_a_second_without_a_scrape(self):
        before = self.counter._value.get()
        for _ in range(3):
            batched_metrics.count(self.counter)
        deadline = time.monotonic() + 3 * batched_metrics.FOLD_EVERY
        while self.counter._value.get() - before < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.counter._value.get() - before, 3)

    def test_a_forked_child_does_not_add_its_parents_counts(self):
        before = self.counter._value.get()
        batched_metrics.count(self.counter)  # the parent's, pending (unless folded meanwhile)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            try:
                before = self.counter._value.get()
                batched_metrics.count(self.counter)
                batched_metrics.fold()
                os._exit(int(self.counter._value.get() - before))
            finally:
                os._exit(99)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 1, "the child's one count alone")
        batched_metrics.fold()
        self.assertEqual(self.counter._value.get() - before, 1, "the parent's count, once")
