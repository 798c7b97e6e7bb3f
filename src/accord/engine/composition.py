"""Impacts composed through the dependency graph (SEMANTICS §4), for every subject at once.

`compose_impacts` turns each subject's own outages and agreed maintenance windows into
the impact it actually suffers: a required dependency passes its impact on, an `anyOf`
group passes the smallest impact of its members, and the largest impact wins. Subjects
are keyed (subject, instant) → one int64, and composed one topological depth at a time,
so the Python loop runs over depths, never over subjects or outages.

Maintenance windows are excuses, not downtime: what is down is what outages say (an
outage's `planned` flag is informational). Windows propagate like impacts (weight 1), so
one member of a redundant group in maintenance excuses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.dependencies import DependencyGraph
from accord.engine.intervals import (
    FloatArray,
    IntArray,
    IntervalSet,
    KeySpace,
    as_float_array,
    as_int_array,
    expand_ranges,
)
from accord.engine.profiles import (
    LevelPieces,
    Levels,
    Profile,
    all_covered_min_levels,
    max_levels,
    restrict_levels,
)

# The end of an outage still going on; it counts up to `as_of`.
ONGOING = int(np.iinfo(np.int64).max)


@dataclass(frozen=True, eq=False)
class Outages:
    """Outages by subject index; `end` is ONGOING (or anything after as_of) while ongoing."""

    subject: IntArray
    start: IntArray
    end: IntArray
    impact: FloatArray

    @classmethod
    def of(
        cls,
        subject: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        impact: npt.ArrayLike | None = None,
    ) -> Outages:
        subjects = as_int_array(subject)
        impacts = np.ones(subjects.size) if impact is None else as_float_array(impact)
        if np.any((impacts <= 0) | (impacts > 1)):
            raise ValueError("an outage's impact must lie in (0, 1]")
        outages = cls(subjects, as_int_array(start), as_int_array(end), impacts)
        _same_length(subjects, outages.start, outages.end, impacts)
        return outages


@dataclass(frozen=True, eq=False)
class SubjectIntervals:
    """Intervals by subject index: maintenance windows, or monitoring coverage."""

    subject: IntArray
    start: IntArray
    end: IntArray

    @classmethod
    def of(
        cls, subject: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike
    ) -> SubjectIntervals:
        intervals = cls(as_int_array(subject), as_int_array(start), as_int_array(end))
        _same_length(intervals.subject, intervals.start, intervals.end)
        return intervals

    @classmethod
    def none(cls) -> SubjectIntervals:
        return cls.of([], [], [])


def _same_length(*columns: npt.NDArray[np.generic]) -> None:
    if len({column.shape for column in columns}) > 1:
        raise ValueError("every column needs one value per row (and 1-D arrays)")


@dataclass(frozen=True, eq=False)
class Coverage:
    """Monitoring coverage: subjects in `reporting` are unknown outside their intervals;
    subjects whose source reports no coverage count as fully covered."""

    reporting: IntArray
    intervals: SubjectIntervals


@dataclass(frozen=True, eq=False)
class ComposedImpacts:
    """The impact each subject suffers and the maintenance that excuses it, keyed by subject.

    Impacts are held as levels of `levels` (0 = up); maintenance pieces all have level 1.
    """

    graph: DependencyGraph
    space: KeySpace
    as_of: int
    levels: Levels
    down: LevelPieces  # keyed, sorted, disjoint per subject; nothing after as_of
    maintenance: tuple[IntArray, IntArray]  # keyed, sorted, coalesced; may lie after as_of
    within: IntervalSet | None = None  # composed only inside these instants, if given

    @property
    def window(self) -> tuple[int, int]:
        return self.space.origin, self.space.origin + self.space.span

    def profile(self, subject: str) -> Profile:
        """The composed impact profile of one subject, in instants."""
        lo, hi = self._range(self.down[0], subject)
        s, e, lv = (part[lo:hi] for part in self.down)
        instant = self.space.instant_of
        return Profile(instant(s), instant(e), self.levels.weight_of(lv))

    def maintenance_of(self, subject: str) -> IntervalSet:
        """The maintenance that excuses one subject (its own and what it inherits)."""
        lo, hi = self._range(self.maintenance[0], subject)
        s, e = (part[lo:hi] for part in self.maintenance)
        return IntervalSet(self.space.instant_of(s), self.space.instant_of(e))

    def _range(self, starts: IntArray, subject: str) -> tuple[int, int]:
        owner = self.graph.subject(subject)
        stride = self.space.stride
        return (
            int(np.searchsorted(starts, owner * stride)),
            int(np.searchsorted(starts, (owner + 1) * stride)),
        )


def compose_impacts(
    graph: DependencyGraph,
    outages: Outages,
    maintenance: SubjectIntervals,
    *,
    window: tuple[int, int],
    as_of: int,
    within: IntervalSet | None = None,
) -> ComposedImpacts:
    """Compose every subject's impact through the dependency graph over `window`.

    Outages are cut at `as_of` (an ongoing one counts up to it); maintenance windows are
    agreed in advance and kept whole, so a period's full scheduled time is known.
    Composition is pointwise, so when only instants `within` a set matter (a target's
    opening hours) everything else can be dropped first, which makes it much cheaper.
    """
    start, end = window
    if end <= start:
        raise ValueError("the composition window must end after it starts")
    space = KeySpace(start, end - start, max(graph.size, graph.group_owner.size))
    keep = (
        None if within is None else (space.encode(0, within.starts), space.encode(0, within.ends))
    )
    levels = Levels.of(outages.impact)
    own_down = _own_pieces(
        space,
        keep,
        outages.subject,
        outages.start,
        np.minimum(outages.end, as_of),
        levels.level_of(outages.impact),
    )
    own_maintenance = _own_pieces(
        space,
        keep,
        maintenance.subject,
        maintenance.start,
        maintenance.end,
        np.ones(maintenance.subject.size, np.int64),
    )
    return ComposedImpacts(
        graph=graph,
        space=space,
        as_of=as_of,
        levels=levels,
        down=_propagate(graph, space, own_down, len(levels)),
        maintenance=_propagate(graph, space, own_maintenance, 1)[:2],
        within=within,
    )


def _own_pieces(
    space: KeySpace,
    keep: tuple[IntArray, IntArray] | None,
    subject: IntArray,
    start: IntArray,
    end: IntArray,
    levels: IntArray,
) -> LevelPieces:
    """Each subject's own intervals, keyed (so cut to the window) and merged, the highest
    level winning; cut to the instants kept (`keep`, encoded for owner 0, repeated for
    every subject) when given."""
    keyed_start = space.encode(subject, start)
    keyed_end = np.maximum(space.encode(subject, end), keyed_start)
    if keep is None:
        return max_levels(keyed_start, keyed_end, levels, int(levels.max(initial=1)))
    offsets = np.arange(space.owners, dtype=np.int64)[:, None] * space.stride
    kept_starts, kept_ends = (keep[0] + offsets).ravel(), (keep[1] + offsets).ravel()
    n_levels = int(levels.max(initial=1))
    return restrict_levels(keyed_start, keyed_end, levels, n_levels, kept_starts, kept_ends)


def _propagate(
    graph: DependencyGraph, space: KeySpace, own: LevelPieces, n_levels: int
) -> LevelPieces:
    """Each subject's impact: the highest of its own, its required dependencies' and, per
    anyOf group, the lowest of the members' — one topological depth per pass."""
    stride = space.stride
    bounds = np.searchsorted(own[0], np.arange(graph.size + 1, dtype=np.int64) * stride)
    store = _Store(graph.size)
    for depth in range(int(graph.depth.max(initial=-1)) + 1):
        subjects = np.flatnonzero(graph.depth == depth)
        take = expand_ranges(bounds[subjects], bounds[subjects + 1] - bounds[subjects])
        merged: LevelPieces = (own[0][take], own[1][take], own[2][take])
        if depth > 0:
            parts = (
                merged,
                _required(graph, depth, store, stride),
                _groups(graph, depth, store, stride, n_levels),
            )
            starts, ends, levels = (np.concatenate(p) for p in zip(*parts, strict=True))
            merged = max_levels(starts, ends, levels, n_levels, depth=_sources(graph, subjects))
        store.add(subjects, merged, stride)
    return store.sorted()


def _sources(graph: DependencyGraph, subjects: IntArray) -> int:
    """The most disjoint inputs one of `subjects` merges: itself, its required
    dependencies and its groups — bounding how deep the merged pieces can overlap."""
    inputs = 1 + np.bincount(graph.required_owner, minlength=graph.size)
    inputs += np.bincount(graph.group_owner, minlength=graph.size)
    return int(inputs[subjects].max(initial=1))


class _Store:
    """Composed pieces appended depth by depth, with each subject's slice of them."""

    def __init__(self, n_subjects: int) -> None:
        self.first = np.zeros(n_subjects, np.int64)
        self.count = np.zeros(n_subjects, np.int64)
        self.pieces: LevelPieces = (np.empty(0, np.int64),) * 3

    def add(self, subjects: IntArray, merged: LevelPieces, stride: int) -> None:
        per_subject = np.bincount(merged[0] // stride, minlength=self.first.size)
        self.first[subjects] = (
            self.pieces[0].size + (np.cumsum(per_subject) - per_subject)[subjects]
        )
        self.count[subjects] = per_subject[subjects]
        self.pieces = tuple(np.concatenate(p) for p in zip(self.pieces, merged, strict=True))  # type: ignore[assignment]

    def gather(self, source: IntArray, target: IntArray, stride: int) -> LevelPieces:
        """The composed pieces of each `source` subject, re-keyed to its `target` owner."""
        take = expand_ranges(self.first[source], self.count[source])
        shift = np.repeat((target - source) * stride, self.count[source])
        return self.pieces[0][take] + shift, self.pieces[1][take] + shift, self.pieces[2][take]

    def sorted(self) -> LevelPieces:
        """All pieces in key order: each subject's slice is sorted, so laying the slices
        out subject by subject sorts the whole without a sort."""
        order = expand_ranges(self.first, self.count)
        return self.pieces[0][order], self.pieces[1][order], self.pieces[2][order]


def _required(graph: DependencyGraph, depth: int, store: _Store, stride: int) -> LevelPieces:
    edges = graph.depth[graph.required_owner] == depth
    return store.gather(graph.required_dependency[edges], graph.required_owner[edges], stride)


def _groups(
    graph: DependencyGraph, depth: int, store: _Store, stride: int, n_levels: int
) -> LevelPieces:
    """The anyOf groups of this depth's subjects: keyed by group, then by their owner."""
    groups = np.flatnonzero(graph.depth[graph.group_owner] == depth)
    local = np.full(graph.group_owner.size, -1, np.int64)
    local[groups] = np.arange(groups.size)
    chosen = local[graph.member_group] >= 0
    members = graph.member_subject[chosen]
    s, e, lv = store.gather(members, local[graph.member_group[chosen]], stride)
    required = graph.group_sizes()[groups]
    s, e, lv = all_covered_min_levels(s, e, lv, n_levels, required, stride=stride)
    owner_shift = ((graph.group_owner[groups] - np.arange(groups.size)) * stride)[s // stride]
    return s + owner_shift, e + owner_shift, lv
