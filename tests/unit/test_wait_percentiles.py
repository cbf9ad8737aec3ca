"""The waits page's percentiles over completed steps kept sorted and open steps merged in: the same
numbers as sorting everything (statistics.quantiles, method="inclusive", as percentile_cont)."""
from __future__ import annotations

import random
import statistics

import pytest

from app.services.dashboard.wait_stats import kth, percentile


def test_kth_of_two_sorted_lists_is_the_kth_of_both_sorted():
    rng = random.Random(6)
    for _ in range(2000):
        draw = (lambda: rng.randint(0, 4)) if rng.random() < 0.5 else rng.random  # ties, and none
        a = sorted(draw() for _ in range(rng.randint(0, 9)))
        b = sorted(draw() for _ in range(rng.randint(0, 9)))
        both = sorted(a + b)
        assert [kth(a, b, k) for k in range(len(both))] == both


@pytest.mark.parametrize("sizes", [(0, 1), (1, 0), (1, 1), (7, 0), (0, 7), (50, 3), (3, 50), (200, 200)])
def test_p50_and_p90_are_those_of_every_value_sorted(sizes):
    rng = random.Random(sum(sizes))
    a = sorted(rng.uniform(0, 300) for _ in range(sizes[0]))
    b = sorted(rng.uniform(0, 300) for _ in range(sizes[1]))
    both = sorted(a + b)
    expected_p90 = both[0] if len(both) == 1 else statistics.quantiles(both, n=10, method="inclusive")[8]
    assert percentile(a, b, 0.5) == pytest.approx(statistics.median(both), rel=1e-12)
    assert percentile(a, b, 0.9) == pytest.approx(expected_p90, rel=1e-12)
    assert percentile([], [], 0.5) is None
