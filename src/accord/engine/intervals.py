"""Interval algebra over half-open [start, end) int64 intervals, vectorised.

An `IntervalSet` is sorted, disjoint and coalesced (no two intervals touch), so equal sets
have equal arrays. Weighted step functions (impact profiles) live in `profiles`.

Every operation here works on plain sorted int64 *keys*, not only on instants: callers
that need one set per owner (a service, a group) encode `owner * stride + offset` with a
`KeySpace`, so one vectorised pass handles every owner at once and owners never touch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Events are packed as key * 4 + kind and sorted as plain integers (much faster than an
# argsort); kinds 0-1 are ends, 2-3 starts, so at one instant ends sort before starts.
_PACK = 4
_KEY_LIMIT = 1 << 56  # leaves room to pack event kinds below a key


def as_int_array(values: npt.ArrayLike) -> IntArray:
    return np.ascontiguousarray(values, dtype=np.int64)


def as_float_array(values: npt.ArrayLike) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class IntervalSet:
    """Sorted, disjoint, coalesced half-open intervals."""

    starts: IntArray
    ends: IntArray

    @classmethod
    def empty(cls) -> IntervalSet:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64))

    @classmethod
    def of(cls, starts: npt.ArrayLike, ends: npt.ArrayLike) -> IntervalSet:
        """The union of arbitrary intervals (any order, overlapping; empty ones dropped)."""
        return cls(*normalize(as_int_array(starts), as_int_array(ends)))

    def __len__(self) -> int:
        return int(self.starts.size)

    def measure(self) -> int:
        return int((self.ends - self.starts).sum())


def union(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    return IntervalSet(*sweep(a.starts, a.ends, b.starts, b.ends, lambda x, y: x | y))


def intersection(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    return IntervalSet(*sweep(a.starts, a.ends, b.starts, b.ends, lambda x, y: x & y))


def difference(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    return IntervalSet(*sweep(a.starts, a.ends, b.starts, b.ends, lambda x, y: x & ~y))


def clip(a: IntervalSet, lo: int, hi: int) -> IntervalSet:
    """The part of `a` inside [lo, hi)."""
    return intersection(a, IntervalSet(as_int_array([lo]), as_int_array([max(lo, hi)])))


# --- array-level primitives (keys may be instants or owner-encoded keys) ---------------


def check_keys(*arrays: IntArray) -> None:
    for array in arrays:
        if array.size and (int(array.max()) >= _KEY_LIMIT or int(array.min()) <= -_KEY_LIMIT):
            raise ValueError("interval keys must lie within ±2**56")


def coalesce(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """Merge sorted disjoint intervals that touch (end == next start)."""
    if starts.size < 2:
        return starts, ends
    gap = starts[1:] != ends[:-1]
    first = np.concatenate(([True], gap))
    last = np.concatenate((gap, [True]))
    return starts[first], ends[last]


def normalize(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """Union of arbitrary intervals as a sorted coalesced set."""
    empty = np.empty(0, np.int64)
    return sweep(starts, ends, empty, empty, lambda x, _y: x)


def sweep(
    a_starts: IntArray,
    a_ends: IntArray,
    b_starts: IntArray,
    b_ends: IntArray,
    keep: Callable[[BoolArray, BoolArray], BoolArray],
) -> tuple[IntArray, IntArray]:
    """The coalesced set of instants where `keep(in_a, in_b)` holds.

    `a` and `b` may be unsorted and overlapping: membership is a positive count of the
    intervals covering an instant, so this is also the union of arbitrary intervals.
    """
    valid_a = a_ends > a_starts
    valid_b = b_ends > b_starts
    parts = (a_ends[valid_a], b_ends[valid_b], a_starts[valid_a], b_starts[valid_b])
    check_keys(*parts)
    events = np.concatenate([part * _PACK + kind for kind, part in enumerate(parts)])
    if events.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    events.sort()
    keys = events // _PACK
    kind = events - keys * _PACK
    step = np.where(kind >= 2, 1, -1)
    count_a = np.cumsum(np.where(kind % 2 == 0, step, 0))
    count_b = np.cumsum(np.where(kind % 2 == 1, step, 0))
    chosen = keep(count_a[:-1] > 0, count_b[:-1] > 0) & (keys[1:] > keys[:-1])
    return coalesce(keys[:-1][chosen], keys[1:][chosen])


def expand_ranges(first: IntArray, counts: IntArray) -> IntArray:
    """Concatenation of arange(first[i], first[i] + counts[i]) for every i."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    out_start = np.cumsum(counts) - counts
    expanded: IntArray = np.arange(total, dtype=np.int64) + np.repeat(first - out_start, counts)
    return expanded


@dataclass(frozen=True)
class KeySpace:
    """Encodes (owner, instant) as one sortable key so owners never overlap or touch."""

    origin: int
    span: int  # instants encoded lie in [origin, origin + span]
    owners: int

    def __post_init__(self) -> None:
        if self.span < 0 or (self.owners + 1) * self.stride >= _KEY_LIMIT:
            raise ValueError(f"{self.owners} owners over {self.span} s do not fit in a key")

    @property
    def stride(self) -> int:
        return self.span + 1

    def encode(self, owner: npt.ArrayLike, instant: npt.ArrayLike) -> IntArray:
        offset = np.clip(as_int_array(instant) - self.origin, 0, self.span)
        return as_int_array(owner) * self.stride + offset

    def owner_of(self, key: IntArray) -> IntArray:
        return key // self.stride

    def instant_of(self, key: IntArray) -> IntArray:
        return key % self.stride + self.origin
