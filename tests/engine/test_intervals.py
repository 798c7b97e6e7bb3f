"""Interval algebra and impact profiles: hand-worked tables, and sets of seconds as reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine import profiles
from accord.engine.intervals import (
    IntervalSet,
    KeySpace,
    clip,
    difference,
    expand_ranges,
    intersection,
    union,
)
from accord.engine.profiles import (
    Levels,
    Profile,
    integrate,
    level_sweep,
    profile_max,
    profile_min,
    restrict,
)

Spans = list[tuple[int, int]]


def of(spans: Spans) -> IntervalSet:
    return IntervalSet.of([a for a, _ in spans], [b for _, b in spans])


def pairs(s: IntervalSet) -> Spans:
    return list(zip(s.starts.tolist(), s.ends.tolist(), strict=True))


def seconds(s: IntervalSet) -> set[int]:
    return {t for a, b in pairs(s) for t in range(a, b)}


def per_second(p: Profile) -> dict[int, float]:
    return {
        t: w
        for a, b, w in zip(p.starts.tolist(), p.ends.tolist(), p.weights.tolist(), strict=True)
        for t in range(a, b)
    }


SET_CASES = [
    # a, b, union, intersection, a − b
    ([(0, 10)], [(5, 15)], [(0, 15)], [(5, 10)], [(0, 5)]),
    ([(0, 10)], [(10, 20)], [(0, 20)], [], [(0, 10)]),  # touching intervals coalesce
    ([(0, 10), (20, 30)], [(5, 25)], [(0, 30)], [(5, 10), (20, 25)], [(0, 5), (25, 30)]),
    (
        [(0, 100)],
        [(10, 20), (30, 40)],
        [(0, 100)],
        [(10, 20), (30, 40)],
        [(0, 10), (20, 30), (40, 100)],
    ),
    ([], [(1, 2)], [(1, 2)], [], []),
    ([(3, 3)], [], [], [], []),  # empty intervals vanish
]


@pytest.mark.parametrize(("a", "b", "joined", "common", "only_a"), SET_CASES)
def test_set_operations(a: Spans, b: Spans, joined: Spans, common: Spans, only_a: Spans) -> None:
    assert pairs(union(of(a), of(b))) == joined
    assert pairs(intersection(of(a), of(b))) == common
    assert pairs(difference(of(a), of(b))) == only_a


def test_normalising_and_clipping() -> None:
    assert pairs(of([(20, 30), (0, 10), (5, 12), (12, 13)])) == [(0, 13), (20, 30)]
    assert pairs(clip(of([(0, 10), (20, 30)]), 5, 25)) == [(5, 10), (20, 25)]
    assert of([(0, 10), (20, 25)]).measure() == 15


PROFILE_CASES = [
    # intervals (start, end, weight) → pieces of the largest-wins profile
    ([(0, 100, 0.5), (50, 150, 0.8)], [(0, 50, 0.5), (50, 150, 0.8)]),
    ([(0, 100, 1.0), (20, 40, 0.3)], [(0, 100, 1.0)]),
    ([(0, 10, 0.5), (10, 20, 0.5)], [(0, 20, 0.5)]),  # equal weights coalesce
    (
        [(0, 30, 0.2), (10, 20, 0.9), (5, 25, 0.5)],
        [(0, 5, 0.2), (5, 10, 0.5), (10, 20, 0.9), (20, 25, 0.5), (25, 30, 0.2)],
    ),
    ([(0, 10, 0.0)], []),  # no impact, no downtime
]


@pytest.mark.parametrize(("intervals", "pieces"), PROFILE_CASES)
def test_largest_impact_wins(
    intervals: list[tuple[int, int, float]], pieces: list[tuple[int, int, float]]
) -> None:
    p = Profile.of(*zip(*intervals, strict=True))
    assert list(zip(p.starts.tolist(), p.ends.tolist(), p.weights.tolist(), strict=True)) == pieces


def test_min_max_restrict_integrate() -> None:
    a = Profile.of([0, 50], [100, 150], [1.0, 0.4])
    b = Profile.of([50], [200], [0.5])
    assert per_second(profile_min(a, b)) == {t: 0.5 if t < 100 else 0.4 for t in range(50, 150)}
    assert integrate(profile_max(a, b)) == 100 * 1.0 + 100 * 0.5
    assert integrate(a, of([(90, 110)])) == 10 * 1.0 + 10 * 0.4
    assert len(restrict(a, of([(200, 300)]))) == 0
    assert len(profile_min()) == 0


def test_levels_and_keys() -> None:
    levels = Levels.of([0.5, 1.0, 0.5, 0.25])
    assert levels.weights.tolist() == [0.25, 0.5, 1.0]
    assert levels.level_of(np.array([1.0, 0.25])).tolist() == [3, 1]
    assert levels.weight_of(np.array([0, 2])).tolist() == [0.0, 0.5]
    space = KeySpace(origin=1000, span=100, owners=3)
    keys = space.encode([0, 2], [1000, 1100])
    assert keys.tolist() == [0, 2 * 101 + 100]
    assert space.owner_of(keys).tolist() == [0, 2] and space.instant_of(keys).tolist() == [
        1000,
        1100,
    ]
    assert expand_ranges(np.array([5, 0]), np.array([2, 3])).tolist() == [5, 6, 0, 1, 2]
    with pytest.raises(ValueError, match="do not fit"):
        KeySpace(origin=0, span=1 << 40, owners=1 << 20)


def test_deep_overlap_packs_fewer_levels_per_word() -> None:
    """5,000 copies of five weights overlapping: fields must widen, answers stay exact."""
    n = 5000
    starts = np.zeros(5 * n, np.int64)
    ends = np.tile(np.arange(1, 6, dtype=np.int64) * 10, n)
    levels = np.tile(np.arange(1, 6, dtype=np.int64), n)
    sweep = level_sweep(starts, ends, levels, 5, with_count=True, with_bottom=True)
    assert sweep.top.tolist() == [5, 5, 5, 5, 5]
    assert sweep.bottom.tolist() == [1, 2, 3, 4, 5]
    assert sweep.count.tolist() == [5 * n, 4 * n, 3 * n, 2 * n, n]


spans = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40)).map(sorted).map(tuple), max_size=8
)
weights = st.sampled_from([0.25, 0.5, 1.0]) | st.floats(0.001, 1.0)


@settings(max_examples=200, deadline=None)
@given(spans, spans)
def test_set_operations_agree_with_sets_of_seconds(a: Spans, b: Spans) -> None:
    sa, sb = of(a), of(b)
    plain_a = {t for x, y in a for t in range(x, y)}
    plain_b = {t for x, y in b for t in range(x, y)}
    assert seconds(sa) == plain_a
    assert seconds(union(sa, sb)) == plain_a | plain_b
    assert seconds(intersection(sa, sb)) == plain_a & plain_b
    assert seconds(difference(sa, sb)) == plain_a - plain_b
    for result in (union(sa, sb), intersection(sa, sb), difference(sa, sb)):
        assert np.all(result.starts[1:] > result.ends[:-1])  # sorted, disjoint, coalesced


@pytest.mark.parametrize("tree", [False, True], ids=["packed sweep", "segment tree"])
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), weights), max_size=10),
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), weights), max_size=10),
)
def test_profiles_agree_with_seconds(
    tree: bool,
    a: list[tuple[int, int, float]],
    b: list[tuple[int, int, float]],
) -> None:
    saved = profiles.MAX_SWEPT_LEVELS
    profiles.MAX_SWEPT_LEVELS = -1 if tree else saved
    try:
        pa = Profile.of([x for x, _, _ in a], [y for _, y, _ in a], [w for *_, w in a])
        pb = Profile.of([x for x, _, _ in b], [y for _, y, _ in b], [w for *_, w in b])
        top_a = {t: max(w for x, y, w in a if x <= t < y) for x, y, _ in a for t in range(x, y)}
        assert per_second(pa) == top_a
        top_b = per_second(pb)
        both = {t: max(top_a.get(t, 0.0), top_b.get(t, 0.0)) for t in set(top_a) | set(top_b)}
        assert per_second(profile_max(pa, pb)) == both
        low = {t: min(top_a[t], top_b[t]) for t in set(top_a) & set(top_b)}
        assert per_second(profile_min(pa, pb)) == low
    finally:
        profiles.MAX_SWEPT_LEVELS = saved
