"""Availability per subject and period (SEMANTICS §4), for every subject at once.

For a subject and a target: scheduled time = opening seconds of the target's calendar
minus the subject's (propagated) maintenance when the target excludes planned work;
unknown time = scheduled seconds without monitoring coverage; downtime = ∫ impact over
the measured rest (scheduled and covered). Availability % = (measured − downtime) /
measured × 100, None when nothing was measured. Time after `as_of` is not yet scheduled,
but `period_scheduled_s` counts the whole period (the basis of its error budget).

All subjects are evaluated together in one keyed pass; opening hours are given as plain
interval arrays so any calendar (or `24x7`) can supply them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.calendar import CompiledCalendar, opening_intervals
from accord.engine.composition import (
    ONGOING,
    ComposedImpacts,
    Coverage,
    Outages,
    SubjectIntervals,
    compose_impacts,
)
from accord.engine.dependencies import DependencyGraph
from accord.engine.intervals import (
    FloatArray,
    IntArray,
    IntervalSet,
    KeySpace,
    as_int_array,
    difference,
    normalize,
    sweep,
)
from accord.engine.ledger import (
    Cumulative,
    CumulativeFunction,
    Ledger,
    OwnerLedger,
    WeightedMeasure,
)

__all__ = [
    "ONGOING",
    "AvailabilityResult",
    "ComposedImpacts",
    "Coverage",
    "Outages",
    "SubjectAvailability",
    "SubjectIntervals",
    "availability",
    "calendar_opening",
    "compose_impacts",
    "evaluate_availability",
]


@dataclass(frozen=True)
class SubjectAvailability:
    """One subject in one period: what a report row shows."""

    subject: str
    period_start: int
    period_end: int
    scheduled_s: int
    unknown_s: int
    downtime_s: float
    period_scheduled_s: int
    availability: float | None


@dataclass(frozen=True, eq=False)
class AvailabilityResult:
    """Arrays of shape (subjects, periods); `ledger` gives bad/total in any window."""

    names: tuple[str, ...]
    subjects: IntArray
    period_starts: IntArray
    period_ends: IntArray
    scheduled_s: IntArray  # up to as_of
    unknown_s: IntArray  # scheduled but not covered by monitoring
    downtime_s: FloatArray  # impact-weighted, over measured time only
    period_scheduled_s: IntArray  # the whole period, including time after as_of
    ledger: Ledger  # keyed by subject: bad = downtime, total = measured seconds
    space: KeySpace

    @property
    def measured_s(self) -> IntArray:
        return self.scheduled_s - self.unknown_s

    @property
    def budget_basis_s(self) -> IntArray:
        """The whole period's scheduled time less the unknown time so far (SEMANTICS §6)."""
        return self.period_scheduled_s - self.unknown_s

    def availability_percent(self) -> FloatArray:
        """Availability in percent, NaN where nothing was measured."""
        measured = self.measured_s
        with np.errstate(divide="ignore", invalid="ignore"):
            # Multiply before dividing so an exact 99.9 % is the float 99.9, not 99.899…
            percent = (measured - self.downtime_s) * 100.0 / measured
        return np.where(measured > 0, percent, np.nan)

    def percent(self, subject: str, period: int = 0) -> float | None:
        value = float(self.availability_percent()[self._row(subject), period])
        return None if np.isnan(value) else value

    def rows(self) -> list[SubjectAvailability]:
        percent = self.availability_percent()
        return [
            SubjectAvailability(
                subject=name,
                period_start=int(self.period_starts[j]),
                period_end=int(self.period_ends[j]),
                scheduled_s=int(self.scheduled_s[i, j]),
                unknown_s=int(self.unknown_s[i, j]),
                downtime_s=float(self.downtime_s[i, j]),
                period_scheduled_s=int(self.period_scheduled_s[i, j]),
                availability=None if np.isnan(percent[i, j]) else float(percent[i, j]),
            )
            for i, name in enumerate(self.names)
            for j in range(self.period_starts.size)
        ]

    def ledger_of(self, subject: str) -> OwnerLedger:
        """Bad (downtime) and total (measured seconds) of one subject in any window."""
        return OwnerLedger(self.ledger, self.space, int(self.subjects[self._row(subject)]))

    def _row(self, subject: str) -> int:
        return self.names.index(subject)


def evaluate_availability(
    composed: ComposedImpacts,
    *,
    opening: IntervalSet,
    periods: tuple[npt.ArrayLike, npt.ArrayLike],
    exclude_planned: bool,
    coverage: Coverage | None = None,
    subjects: Sequence[str] | None = None,
) -> AvailabilityResult:
    """Scheduled, unknown and down time per subject (all by default) and period."""
    graph, space = composed.graph, composed.space
    if composed.within is not None and len(difference(opening, composed.within)):
        raise ValueError("opening hours reach outside the instants the impacts were composed in")
    chosen = np.arange(graph.size) if subjects is None else np.unique(graph.subjects(subjects))
    period_starts, period_ends = _periods(periods, composed.window)
    whole, scheduled, measured = _scheduled_sets(
        composed, chosen, opening, exclude_planned, coverage
    )
    measured_time = _measure(measured)
    down_s, down_e, down_levels = composed.down
    downtime = WeightedMeasure.build(
        down_s, down_e, composed.levels.weight_of(down_levels), measured_time
    )
    ledger = Ledger(downtime, measured_time)

    def per_period(cumulative: CumulativeFunction) -> FloatArray:
        starts = space.encode(chosen[:, None], period_starts[None, :])
        return cumulative.between(starts, space.encode(chosen[:, None], period_ends[None, :]))

    def seconds(cumulative: CumulativeFunction) -> IntArray:
        return np.rint(per_period(cumulative)).astype(np.int64)

    scheduled_s = seconds(_measure(scheduled))
    measured_s = seconds(ledger.total)
    return AvailabilityResult(
        names=tuple(graph.names[i] for i in chosen),
        subjects=chosen,
        period_starts=period_starts,
        period_ends=period_ends,
        scheduled_s=scheduled_s,
        unknown_s=scheduled_s - measured_s,
        # Downtime can exceed measured time only by float rounding of partial impacts.
        downtime_s=np.clip(per_period(ledger.bad), 0.0, measured_s),
        period_scheduled_s=seconds(_measure(whole)),
        ledger=ledger,
        space=space,
    )


def _scheduled_sets(
    composed: ComposedImpacts,
    chosen: IntArray,
    opening: IntervalSet,
    exclude_planned: bool,
    coverage: Coverage | None,
) -> tuple[tuple[IntArray, IntArray], ...]:
    """Keyed per subject: the whole period's scheduled time, the part up to as_of, and the
    measured (covered) part of that."""
    space = composed.space
    open_keys = _per_subject(space, chosen, opening.starts, opening.ends)
    whole = normalize(*open_keys)
    if exclude_planned:
        maintenance_starts, maintenance_ends = _owned(space, chosen, composed.maintenance)
        whole = sweep(*open_keys, maintenance_starts, maintenance_ends, _minus)
    so_far = _per_subject(
        space, chosen, as_int_array([composed.window[0]]), as_int_array([composed.as_of])
    )
    scheduled = sweep(*whole, *so_far, _both)
    measured = scheduled
    if coverage is not None:
        measured = sweep(*scheduled, *_covered(space, chosen, coverage), _both)
    return whole, scheduled, measured


def availability(
    graph: DependencyGraph,
    outages: Outages,
    maintenance: SubjectIntervals,
    *,
    opening: IntervalSet,
    periods: tuple[npt.ArrayLike, npt.ArrayLike],
    as_of: int,
    exclude_planned: bool,
    coverage: Coverage | None = None,
    subjects: Sequence[str] | None = None,
    window: tuple[int, int] | None = None,
) -> AvailabilityResult:
    """Compose and evaluate in one call; `window` (default: the periods' span) bounds the
    history kept in the ledger, e.g. to reach back 28 days for a forecast."""
    period_starts, period_ends = _periods(periods, None)
    if window is None:
        window = (int(period_starts.min(initial=as_of)), int(period_ends.max(initial=as_of)))
    composed = compose_impacts(
        graph, outages, maintenance, window=window, as_of=as_of, within=opening
    )
    return evaluate_availability(
        composed,
        opening=opening,
        periods=(period_starts, period_ends),
        exclude_planned=exclude_planned,
        coverage=coverage,
        subjects=subjects,
    )


def calendar_opening(calendar: CompiledCalendar, start: int, end: int) -> IntervalSet:
    """A compiled calendar's opening intervals in [start, end), as availability takes them
    (compile it over a range covering the periods, and the window for burn rates)."""
    return IntervalSet.of(*opening_intervals(calendar, start, end))


def _both(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    return a & b


def _minus(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    return a & ~b


def _periods(
    periods: tuple[npt.ArrayLike, npt.ArrayLike], window: tuple[int, int] | None
) -> tuple[IntArray, IntArray]:
    starts, ends = np.atleast_1d(as_int_array(periods[0])), np.atleast_1d(as_int_array(periods[1]))
    if starts.shape != ends.shape or np.any(ends < starts):
        raise ValueError("periods need as many ends as starts, each end at or after its start")
    if window is not None and starts.size and (starts.min() < window[0] or ends.max() > window[1]):
        raise ValueError("a period reaches outside the composition window")
    return starts, ends


def _per_subject(
    space: KeySpace, subjects: IntArray, starts: IntArray, ends: IntArray
) -> tuple[IntArray, IntArray]:
    """The same intervals for every chosen subject, keyed (sorted when subjects are)."""
    owner = np.repeat(subjects, starts.size)
    return (
        space.encode(owner, np.tile(starts, subjects.size)),
        space.encode(owner, np.tile(ends, subjects.size)),
    )


def _owned(
    space: KeySpace, subjects: IntArray, pieces: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray]:
    """Keyed pieces of the chosen subjects only (all of them when every subject is chosen)."""
    if subjects.size == space.owners or not pieces[0].size:
        return pieces
    wanted = np.zeros(space.owners + 1, dtype=bool)
    wanted[subjects] = True
    keep = wanted[space.owner_of(pieces[0])]
    return pieces[0][keep], pieces[1][keep]


def _covered(space: KeySpace, subjects: IntArray, coverage: Coverage) -> tuple[IntArray, IntArray]:
    """Covered time: coverage intervals of reporting subjects, everything for the rest."""
    reporting = np.zeros(space.owners + 1, dtype=bool)
    reporting[coverage.reporting] = True
    silent = subjects[~reporting[subjects]]
    whole = _per_subject(
        space, silent, as_int_array([space.origin]), as_int_array([space.origin + space.span])
    )
    listed = coverage.intervals
    keep = reporting[listed.subject]
    starts = space.encode(listed.subject[keep], listed.start[keep])
    ends = space.encode(listed.subject[keep], listed.end[keep])
    return normalize(np.concatenate((starts, whole[0])), np.concatenate((ends, whole[1])))


def _measure(keyed: tuple[IntArray, IntArray]) -> Cumulative:
    return Cumulative.measure(keyed[0], keyed[1])
