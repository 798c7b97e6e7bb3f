"""Ratio and threshold SLIs (SEMANTICS §5): occurrences, timeslices, ratio-timeslices.

Input is bucketed: counts (bucket start, end, good, total) or measured values (bucket
start, end, value). A bucket's counts or value belong evenly to its span [start, end), so
a bucket straddling a window or slice edge is shared in proportion (exact, with no
sharing, when buckets line up with the slices, as they usually do).

Slices run from the window start in steps of `slice_s` (the last one may be shorter). A
slice is judged once it has ended (`end <= as_of`), so a judged slice never flips.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import (
    BoolArray,
    FloatArray,
    IntArray,
    as_float_array,
    as_int_array,
    expand_ranges,
)
from accord.engine.ledger import Cumulative, Ledger

COMPARISONS: dict[str, Callable[[FloatArray, float], BoolArray]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
DEFAULT_TIMESLICE_S = 60


@dataclass(frozen=True)
class SliResult:
    """Attainment in percent (None without data) and what it was computed from.

    occurrences: good/total events; timeslices: good slices / slices with data;
    ratio-timeslices: sum of slice ratios / slices with data.
    """

    attainment: float | None
    good: float
    total: float
    no_data_slices: int = 0
    judged_slices: int = 0

    @property
    def bad(self) -> float:
        return self.total - self.good


@dataclass(frozen=True, eq=False)
class SliceTable:
    """The judged slices of a window, and the whole window's slice count."""

    starts: IntArray
    ends: IntArray
    has_data: BoolArray
    good: BoolArray  # False where there is no data
    ratio: FloatArray  # slice ratio (counts) or 1.0/0.0 (values); NaN without data
    window_slices: int  # every slice of the window, judged or not

    @property
    def budget_basis(self) -> int:
        """The window's slices less those judged without data (SEMANTICS §6 time budget)."""
        return self.window_slices - int((~self.has_data).sum())


def occurrences(
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    good: npt.ArrayLike,
    total: npt.ArrayLike,
    *,
    window: tuple[int, int],
) -> SliResult:
    """Σgood / Σtotal over the window [start, end) (pass min(period end, as_of) as end)."""
    s, e, g, t = _counts(starts, ends, good, total)
    share = _share(s, e, *window)
    good_sum, total_sum = float((g * share).sum()), float((t * share).sum())
    return SliResult(_percent(good_sum, total_sum), good_sum, total_sum)


def count_slices(
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    good: npt.ArrayLike,
    total: npt.ArrayLike,
    *,
    window: tuple[int, int],
    as_of: int,
    slice_target: float,
    slice_s: int = DEFAULT_TIMESLICE_S,
) -> SliceTable:
    """Slices of good/total counts; a slice is good when its ratio ≥ `slice_target`
    (a fraction). A slice with no events has no data."""
    s, e, g, t = _counts(starts, ends, good, total)
    grid = _grid(window, as_of, slice_s)
    bucket, slice_of, share = _spread(s, e, grid)
    n = grid[0].size
    good_sum = np.bincount(slice_of, g[bucket] * share, minlength=n)
    total_sum = np.bincount(slice_of, t[bucket] * share, minlength=n)
    has_data = total_sum > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(has_data, good_sum / total_sum, np.nan)
    good_slices = has_data & (ratio >= slice_target)
    return SliceTable(
        grid[0], grid[1], has_data, good_slices, ratio, _window_slices(window, slice_s)
    )


def value_slices(
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    window: tuple[int, int],
    as_of: int,
    op: str,
    threshold: float,
    slice_s: int = DEFAULT_TIMESLICE_S,
) -> SliceTable:
    """Slices of a measured value: a slice is good when its time-weighted mean value
    satisfies `value op threshold` (e.g. energy per order <= 12 Wh)."""
    if op not in COMPARISONS:
        raise ValueError(f'"{op}" is not a comparison (one of {", ".join(COMPARISONS)})')
    s, e = as_int_array(starts), as_int_array(ends)
    v = as_float_array(values)
    _check_buckets(s, e)
    grid = _grid(window, as_of, slice_s)
    bucket, slice_of, share = _spread(s, e, grid)
    seconds = share * (e - s)[bucket]
    n = grid[0].size
    weight = np.bincount(slice_of, seconds, minlength=n)
    weighted = np.bincount(slice_of, v[bucket] * seconds, minlength=n)
    has_data = weight > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(has_data, weighted / weight, np.nan)
    good_slices = has_data & COMPARISONS[op](mean, threshold)
    ratio = np.where(has_data, good_slices.astype(np.float64), np.nan)
    return SliceTable(
        grid[0], grid[1], has_data, good_slices, ratio, _window_slices(window, slice_s)
    )


def timeslices(table: SliceTable) -> SliResult:
    """Good slices / slices with data; slices without data are reported, not counted."""
    with_data = int(table.has_data.sum())
    good = float(table.good.sum())
    return SliResult(
        _percent(good, with_data), good, float(with_data), _no_data(table), table.starts.size
    )


def ratio_timeslices(table: SliceTable) -> SliResult:
    """The mean of the slice ratios over slices with data."""
    with_data = int(table.has_data.sum())
    ratio_sum = float(np.nansum(table.ratio))
    return SliResult(
        _percent(ratio_sum, with_data),
        ratio_sum,
        float(with_data),
        _no_data(table),
        table.starts.size,
    )


def slice_ledger(table: SliceTable, *, ratio: bool = False) -> Ledger:
    """Bad and total weight of judged slices, each spread over its slice (timeslices are a
    time budget). With `ratio`, a slice's bad weight is 1 − its ratio."""
    data = table.has_data
    starts, ends = table.starts[data], table.ends[data]
    bad = 1.0 - table.ratio[data] if ratio else (~table.good[data]).astype(np.float64)
    return Ledger(
        Cumulative.build(starts, ends, bad), Cumulative.build(starts, ends, np.ones(bad.size))
    )


def _counts(
    starts: npt.ArrayLike, ends: npt.ArrayLike, good: npt.ArrayLike, total: npt.ArrayLike
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    s, e = as_int_array(starts), as_int_array(ends)
    g, t = as_float_array(good), as_float_array(total)
    _check_buckets(s, e)
    if np.any(g < 0) or np.any(g > t):
        raise ValueError("bucket counts need 0 ≤ good ≤ total")
    return s, e, g, t


def _check_buckets(starts: IntArray, ends: IntArray) -> None:
    if np.any(ends <= starts):
        raise ValueError("every bucket must end after it starts")


def _share(starts: IntArray, ends: IntArray, lo: int, hi: int) -> FloatArray:
    """The fraction of each bucket inside [lo, hi): exactly 1.0 for a bucket inside."""
    inside = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None)
    share: FloatArray = inside / (ends - starts)
    return share


def _grid(window: tuple[int, int], as_of: int, slice_s: int) -> tuple[IntArray, IntArray]:
    """The judged slices: those of the window that have ended by `as_of`."""
    if slice_s <= 0:
        raise ValueError("a timeslice must be positive")
    lo, hi = window
    starts = np.arange(lo, hi, slice_s, dtype=np.int64)
    ends = np.minimum(starts + slice_s, hi)
    judged = ends <= as_of
    return starts[judged], ends[judged]


def _window_slices(window: tuple[int, int], slice_s: int) -> int:
    return max(0, -(-(window[1] - window[0]) // slice_s))


def _spread(
    starts: IntArray, ends: IntArray, grid: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray, FloatArray]:
    """(bucket, slice, share of the bucket) for every overlap of a bucket and a judged slice."""
    slice_starts, slice_ends = grid
    first = np.searchsorted(slice_ends, starts, side="right")
    last = np.searchsorted(slice_starts, ends, side="left")
    counts = np.maximum(last - first, 0)
    bucket = np.repeat(np.arange(starts.size, dtype=np.int64), counts)
    slice_of = expand_ranges(first.astype(np.int64), counts.astype(np.int64))
    overlap = np.minimum(ends[bucket], slice_ends[slice_of]) - np.maximum(
        starts[bucket], slice_starts[slice_of]
    )
    return bucket, slice_of, overlap / (ends - starts)[bucket]


def _no_data(table: SliceTable) -> int:
    return int((~table.has_data).sum())


def _percent(good: float, total: float) -> float | None:
    # Multiply first, so an exact 99.5 % comes out as the float 99.5.
    return good * 100.0 / total if total > 0 else None
