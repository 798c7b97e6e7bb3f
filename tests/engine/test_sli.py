"""Ratio and threshold SLIs (SEMANTICS §5)."""

from __future__ import annotations

import numpy as np
import pytest

from accord.engine.sli import (
    count_slices,
    occurrences,
    ratio_timeslices,
    slice_ledger,
    timeslices,
    value_slices,
)

HOUR = 3600


def test_occurrences_sum_good_over_total() -> None:
    starts = np.array([0, 600, 1200])
    result = occurrences(
        starts, starts + 600, [990, 995, 1000], [1000, 1000, 1000], window=(0, 1800)
    )
    assert (result.good, result.total) == (2985.0, 3000.0)
    assert result.attainment == 99.5  # exact: multiplied before dividing
    assert result.bad == 15.0


def test_occurrences_share_a_straddling_bucket_in_proportion() -> None:
    result = occurrences([0], [600], [300], [600], window=(300, 900))
    assert (result.good, result.total) == (150.0, 300.0)
    assert occurrences([0], [600], [1], [1], window=(600, 900)).attainment is None


def ten_minute_counts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three hours of 10-minute buckets; hour 1 has a bad bucket, hour 3 has no traffic."""
    starts = np.arange(0, 3 * HOUR, 600)
    good = np.full(starts.size, 99.0)
    total = np.full(starts.size, 100.0)
    good[3] = 50.0
    good[12:], total[12:] = 0.0, 0.0
    return starts, starts + 600, good, total


def test_timeslices_count_good_slices_and_report_slices_without_data() -> None:
    table = count_slices(
        *ten_minute_counts(), window=(0, 4 * HOUR), as_of=4 * HOUR, slice_target=0.99, slice_s=HOUR
    )
    assert table.has_data.tolist() == [True, True, False, False]
    assert table.good.tolist() == [False, True, False, False]  # 594/600 = 0.99 is good (≥)
    result = timeslices(table)
    assert (result.attainment, result.no_data_slices, result.judged_slices) == (50.0, 2, 4)
    assert table.window_slices == 4 and table.budget_basis == 2


def test_ratio_timeslices_average_the_slice_ratios() -> None:
    table = count_slices(
        *ten_minute_counts(), window=(0, 4 * HOUR), as_of=4 * HOUR, slice_target=0.99, slice_s=HOUR
    )
    result = ratio_timeslices(table)
    assert result.attainment == pytest.approx((545 / 600 + 0.99) / 2 * 100)
    assert result.no_data_slices == 2


def test_only_ended_slices_are_judged() -> None:
    table = count_slices(
        *ten_minute_counts(),
        window=(0, 4 * HOUR),
        as_of=HOUR + 1800,
        slice_target=0.99,
        slice_s=HOUR,
    )
    assert table.starts.tolist() == [0] and table.window_slices == 4


def test_value_slices_compare_the_time_weighted_mean() -> None:
    starts = np.array([0, 1800, 3600, 5400])
    # hour 1: mean of 10 and 14 = 12 ≤ 12 → good; hour 2: mean 13 → bad
    table = value_slices(
        starts,
        starts + 1800,
        [10.0, 14.0, 12.0, 14.0],
        window=(0, 2 * HOUR),
        as_of=2 * HOUR,
        op="<=",
        threshold=12,
        slice_s=HOUR,
    )
    assert table.good.tolist() == [True, False]
    assert timeslices(table).attainment == 50.0
    with pytest.raises(ValueError, match="not a comparison"):
        value_slices(
            starts, starts + 1, [1, 2, 3, 4], window=(0, 10), as_of=10, op="=<", threshold=1
        )


def test_bad_buckets_are_rejected() -> None:
    with pytest.raises(ValueError, match="end after"):
        occurrences([10], [10], [1], [1], window=(0, 20))
    with pytest.raises(ValueError, match="good ≤ total"):
        occurrences([0], [10], [2], [1], window=(0, 20))


def test_slice_ledger_spreads_each_slice_over_its_time() -> None:
    table = count_slices(
        *ten_minute_counts(), window=(0, 4 * HOUR), as_of=4 * HOUR, slice_target=0.99, slice_s=HOUR
    )
    bad, total = slice_ledger(table).window([0, 0, 1800], [4 * HOUR, HOUR, 2700])
    assert bad.tolist() == [1.0, 1.0, 0.25] and total.tolist() == [2.0, 1.0, 0.25]
    bad, _ = slice_ledger(table, ratio=True).window([0], [2 * HOUR])
    assert bad[0] == pytest.approx((1 - 545 / 600) + (1 - 0.99))
