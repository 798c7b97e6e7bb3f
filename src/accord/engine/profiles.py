"""Impact profiles: step functions of weight in (0, 1] over half-open intervals.

Where inputs overlap the largest weight wins (SEMANTICS §4); an `anyOf` group keeps the
smallest weight, and only where every member is down. Composition never invents a new
weight — it only picks among the outages' impacts — so weights are replaced by integer
*levels* (ranks among the distinct impacts, 0 meaning up) and a sweep over sorted
events counts, per level, the intervals covering each elementary segment. The counts of
several levels are packed into bit fields of one uint64, so a single cumulative sum
tracks them all; with very many distinct impacts a segment tree takes over. Like
`intervals`, everything works on owner-encoded keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import (
    BoolArray,
    FloatArray,
    IntArray,
    IntervalSet,
    as_float_array,
    as_int_array,
    check_keys,
    coalesce,
)

MAX_SWEPT_LEVELS = 24  # beyond this many distinct impacts, the segment tree is cheaper
_WRAP = 1 << 64

LevelPieces = tuple[IntArray, IntArray, IntArray]


@dataclass(frozen=True, eq=False)
class Levels:
    """Distinct impact weights, ascending: level i + 1 stands for weights[i], 0 for up."""

    weights: FloatArray

    @classmethod
    def of(cls, values: npt.ArrayLike) -> Levels:
        distinct = np.unique(as_float_array(values))
        return cls(distinct[distinct > 0])

    def __len__(self) -> int:
        return int(self.weights.size)

    def level_of(self, values: FloatArray) -> IntArray:
        return np.searchsorted(self.weights, values).astype(np.int64) + 1

    def weight_of(self, levels: IntArray) -> FloatArray:
        return np.concatenate(([0.0], self.weights))[levels]


@dataclass(frozen=True, eq=False)
class Sweep:
    """Elementary segments and what covers each of them.

    Segment i is [keys[last[i]], keys[last[i] + 1]); its bounds are only gathered for the
    segments a caller keeps, which saves two full-size gathers on the hot path.
    """

    keys: IntArray
    last: IntArray
    top: IntArray  # highest level covering the segment, 0 if none
    bottom: IntArray  # lowest level covering it, 0 if none
    count: IntArray  # how many weighted intervals cover it
    in_mask: BoolArray  # whether the unweighted mask intervals cover it

    def segment_starts(self) -> IntArray:
        starts: IntArray = self.keys[self.last]
        return starts

    def pieces(self, values: IntArray) -> LevelPieces:
        """Runs of equal nonzero `values` (one per segment) as coalesced pieces.

        Consecutive segments always touch, so a piece starts where the value changes and
        ends where it changes next: no selection, then re-merging, of every segment.
        """
        if not values.size:
            return self.keys[:0], self.keys[:0], values
        change = np.flatnonzero(values[1:] != values[:-1]) + 1
        run_first = np.concatenate(([0], change))
        run_value = values[run_first]
        run_end_key = np.concatenate((self.keys[self.last[change]], self.keys[self.last[-1:] + 1]))
        kept = run_value > 0
        return self.keys[self.last[run_first[kept]]], run_end_key[kept], run_value[kept]


def level_sweep(
    starts: IntArray,
    ends: IntArray,
    levels: IntArray,
    n_levels: int,
    mask: tuple[IntArray, IntArray] | None = None,
    *,
    depth: int | None = None,
    with_count: bool = False,
    with_bottom: bool = False,
) -> Sweep:
    """Sweep weighted intervals (levels ≥ 1) and optional mask intervals (level 0) at once.

    `depth`, if the caller knows it, bounds how many intervals can cover one instant
    (e.g. the number of disjoint sources merged); otherwise it is measured. `count` and
    `bottom` are only filled when asked for.
    """
    if mask is not None:
        starts = np.concatenate((starts, mask[0]))
        ends = np.concatenate((ends, mask[1]))
        levels = np.concatenate((levels, np.zeros(mask[0].size, np.int64)))
    usable = ends > starts
    if not usable.all():
        starts, ends, levels = starts[usable], ends[usable], levels[usable]
    check_keys(starts, ends)
    if n_levels > MAX_SWEPT_LEVELS:
        return _tree_sweep(starts, ends, levels)
    keys, codes = _sorted_events(starts, ends, levels, (2 * n_levels + 1).bit_length())
    last = np.flatnonzero(keys[1:] != keys[:-1])  # its state holds until the next key
    n = last.size
    sweep = Sweep(
        keys,
        last,
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.zeros(n, dtype=bool),
    )
    counted = list(range(0 if mask is not None else 1, n_levels + 1))
    if depth is None:
        depth = int(np.cumsum((codes & 1) * 2 - 1).max(initial=0))
    per_word = max(1, min(len(counted), 64 // (depth.bit_length() + 1)))
    for first in range(0, len(counted), per_word):
        word = counted[first : first + per_word]
        _count_word(sweep, codes, last, word, 64 // per_word, (with_count, with_bottom))
    return sweep


def _sorted_events(
    starts: IntArray, ends: IntArray, levels: IntArray, code_bits: int
) -> tuple[IntArray, IntArray]:
    """Event keys in order, and their codes: 2 × level + (1 for a start, 0 for an end).

    The code is packed below the key in a power of two, so one integer sort orders the
    events and unpacking is a shift and a mask rather than an int64 division.
    """
    events = np.empty(2 * starts.size, np.int64)
    np.bitwise_or(starts << code_bits, 2 * levels + 1, out=events[: starts.size])
    np.bitwise_or(ends << code_bits, 2 * levels, out=events[starts.size :])
    events.sort()
    return events >> code_bits, events & ((1 << code_bits) - 1)


def _count_word(
    sweep: Sweep,
    codes: IntArray,
    last: IntArray,
    levels: list[int],
    bits: int,
    wanted: tuple[bool, bool],
) -> None:
    """Count several levels in `bits`-wide fields of one modular uint64 running sum.

    After all events at a key every field holds a count in [0, 2**bits) (bits exceed the
    overlap depth), so the modular sum decodes exactly even where it passed through
    negative fields on the way.
    """
    with_count, with_bottom = wanted
    # Codes of other words' levels index zeros, so they leave this word's sum alone.
    table = np.zeros(max(int(codes.max(initial=0)) + 1, 2 * max(levels) + 2), np.uint64)
    units = [1 << (bits * field) for field in range(len(levels))]
    for unit, level in zip(units, levels, strict=True):
        table[2 * level + 1] = unit
        table[2 * level] = (_WRAP - unit) % _WRAP
    # Reinterpreted as int64: the top bit stays clear because a field is one bit wider
    # than the deepest overlap, and signed comparisons are the fast path in NumPy.
    packed = np.cumsum(table[codes], dtype=np.uint64)[last].view(np.int64)
    if levels[0] == 0:  # the mask's field: record it, then clear it from the level fields
        sweep.in_mask[:] = (packed & (units[1] - 1 if len(units) > 1 else -1)) != 0
        packed &= -units[1] if len(units) > 1 else 0
    down = (packed != 0).view(np.uint8)
    # The highest non-empty field is how many field floors the value reaches, the lowest
    # how many prefixes (fields 0..f) are empty; bool views summed as uint8 stay cheap.
    by_field = np.concatenate(([0], levels)).astype(np.int64)
    highest = down.copy()
    for unit in units[1:]:
        highest += (packed >= unit).view(np.uint8)
    if levels == list(range(1, len(levels) + 1)):  # the usual one word: field f is level f+1
        np.maximum(sweep.top, highest, out=sweep.top)
    else:
        np.maximum(sweep.top, by_field[highest], out=sweep.top)  # words ascend: higher wins
    if with_bottom:
        lowest = np.ones(packed.size, np.uint8)
        for unit in units[1:]:
            lowest += ((packed & (unit - 1)) == 0).view(np.uint8)
        first_found = (sweep.bottom == 0) & down.view(bool)
        sweep.bottom[first_found] = by_field[lowest[first_found]]
    if with_count:
        field_mask = (1 << bits) - 1 if bits < 64 else -1
        for field, level in enumerate(levels):
            if level:
                np.add(sweep.count, (packed >> (bits * field)) & field_mask, out=sweep.count)


def _tree_sweep(starts: IntArray, ends: IntArray, levels: IntArray) -> Sweep:
    """The same answer through elementary segments and a segment tree: O(n log n) always."""
    points = np.concatenate((starts, ends))
    points.sort()
    points = points[np.concatenate(([True], points[1:] != points[:-1]))] if points.size else points
    n = max(points.size - 1, 0)
    lo, hi = np.searchsorted(points, starts), np.searchsorted(points, ends)
    weighted = levels > 0
    value = levels[weighted].astype(np.float64)
    top = range_max(n, lo[weighted], hi[weighted], value, 0.0)
    bottom = -range_max(n, lo[weighted], hi[weighted], -value, -np.inf)
    return Sweep(
        keys=points,
        last=np.arange(n, dtype=np.int64),
        top=top.astype(np.int64),
        bottom=np.where(np.isfinite(bottom), bottom, 0).astype(np.int64),
        count=_cover_count(n, lo[weighted], hi[weighted]),
        in_mask=_cover_count(n, lo[~weighted], hi[~weighted]) > 0,
    )


def _cover_count(n: int, lo: IntArray, hi: IntArray) -> IntArray:
    change = np.bincount(lo, minlength=n + 1) - np.bincount(hi, minlength=n + 1)
    return np.cumsum(change)[:n].astype(np.int64)


def range_max(
    n_segments: int, lo: IntArray, hi: IntArray, values: FloatArray, fill: float
) -> FloatArray:
    """Per segment, the largest value among the ranges [lo, hi) covering it (else `fill`).

    A segment tree applied bottom-up: each range lands on O(log n) nodes (one vectorised
    step per tree level, dropping finished ranges), then maxima are pushed down to the
    leaves one level at a time.
    """
    size = 1 << max(0, (n_segments - 1).bit_length())
    tree = np.full(2 * size, fill)
    alive = hi > lo
    lo, hi, values = lo[alive] + size, hi[alive] + size, values[alive]
    while lo.size:
        odd = (lo & 1) == 1
        np.maximum.at(tree, lo[odd], values[odd])
        lo = lo + odd
        odd = (hi & 1) == 1
        hi = hi - odd
        np.maximum.at(tree, hi[odd], values[odd])
        lo, hi = lo >> 1, hi >> 1
        alive = lo < hi
        lo, hi, values = lo[alive], hi[alive], values[alive]
    width = 1
    while width < size:
        children = tree[2 * width : 4 * width].reshape(-1, 2)
        np.maximum(children, tree[width : 2 * width, None], out=children)
        width *= 2
    return tree[size : size + n_segments]


def max_levels(
    starts: IntArray, ends: IntArray, levels: IntArray, n_levels: int, *, depth: int | None = None
) -> LevelPieces:
    """Overlapping leveled intervals → disjoint pieces, the highest level winning."""
    sweep = level_sweep(starts, ends, levels, n_levels, depth=depth)
    return sweep.pieces(sweep.top)


def all_covered_min_levels(
    starts: IntArray,
    ends: IntArray,
    levels: IntArray,
    n_levels: int,
    required: IntArray,
    *,
    stride: int | None,
) -> LevelPieces:
    """Per owner (`key // stride`, one owner when None), where `required[owner]` inputs
    cover, at the lowest covering level. Each input must be disjoint within itself, so
    the covering count is the number of group members down."""
    deepest = int(required.max(initial=1))
    sweep = level_sweep(
        starts, ends, levels, n_levels, depth=deepest, with_count=True, with_bottom=True
    )
    owner = sweep.segment_starts() // stride if stride else np.zeros(sweep.last.size, np.int64)
    down = (sweep.count > 0) & (sweep.count == required[owner])
    return sweep.pieces(np.where(down, sweep.bottom, 0))


def restrict_levels(
    starts: IntArray,
    ends: IntArray,
    levels: IntArray,
    n_levels: int,
    set_starts: IntArray,
    set_ends: IntArray,
    *,
    depth: int | None = None,
) -> LevelPieces:
    """Leveled intervals cut down to a sorted disjoint set, the highest level winning."""
    sweep = level_sweep(starts, ends, levels, n_levels, mask=(set_starts, set_ends), depth=depth)
    return sweep.pieces(np.where(sweep.in_mask, sweep.top, 0))


@dataclass(frozen=True, eq=False)
class Profile:
    """A step function: disjoint sorted pieces with weights in (0, 1], zero elsewhere."""

    starts: IntArray
    ends: IntArray
    weights: FloatArray

    @classmethod
    def empty(cls) -> Profile:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))

    @classmethod
    def of(cls, starts: npt.ArrayLike, ends: npt.ArrayLike, weights: npt.ArrayLike) -> Profile:
        """Overlapping weighted intervals; where they overlap the largest weight wins."""
        w = as_float_array(weights)
        if np.any((w < 0) | (w > 1)):
            raise ValueError("a weight (impact) must lie in [0, 1]")
        table = Levels.of(w)
        levels = np.where(w > 0, table.level_of(w), 0)
        s, e, lv = max_levels(as_int_array(starts), as_int_array(ends), levels, len(table))
        return cls(s, e, table.weight_of(lv))

    def __len__(self) -> int:
        return int(self.starts.size)

    def support(self) -> IntervalSet:
        return IntervalSet(*coalesce(self.starts, self.ends))

    def integral(self) -> float:
        return float((self.weights * (self.ends - self.starts)).sum())


def profile_max(*profiles: Profile) -> Profile:
    """Pointwise maximum: what a subject suffers from itself and its required dependencies."""
    return Profile.of(*_joined(profiles))


def profile_min(*profiles: Profile) -> Profile:
    """Pointwise minimum: what an `anyOf` group passes on (down only where all are)."""
    if not profiles:
        return Profile.empty()
    starts, ends, weights = _joined(profiles)
    table = Levels.of(weights)
    s, e, lv = all_covered_min_levels(
        starts,
        ends,
        table.level_of(weights),
        len(table),
        np.array([len(profiles)], np.int64),
        stride=None,
    )
    return Profile(s, e, table.weight_of(lv))


def restrict(profile: Profile, to: IntervalSet) -> Profile:
    """The profile where `to` holds, zero elsewhere."""
    table = Levels.of(profile.weights)
    s, e, lv = restrict_levels(
        profile.starts,
        profile.ends,
        table.level_of(profile.weights),
        len(table),
        to.starts,
        to.ends,
        depth=2,
    )
    return Profile(s, e, table.weight_of(lv))


def integrate(profile: Profile, over: IntervalSet | None = None) -> float:
    """∫ profile over `over` (everywhere when None): impact-weighted seconds."""
    return (profile if over is None else restrict(profile, over)).integral()


def _joined(profiles: tuple[Profile, ...]) -> tuple[IntArray, IntArray, FloatArray]:
    return (
        np.concatenate([p.starts for p in profiles] or [np.empty(0, np.int64)]),
        np.concatenate([p.ends for p in profiles] or [np.empty(0, np.int64)]),
        np.concatenate([p.weights for p in profiles] or [np.empty(0, np.float64)]),
    )
