"""Wall-clock worst cases of business-time thresholds (SEMANTICS §9, first bullet).

The deadline of a clock started at s is the latest stop that still meets the
threshold, i.e. its breach instant advance(cal, s, threshold). As a function of s it
is piecewise linear (slope 1 while s and the deadline are both in open time, slope 0
while s is closed) with upward jumps where the deadline would land on a closing time
(the infimum rule moves it to the next opening). Extremes of deadline − s, or of the
difference of two such deadlines, therefore lie at breakpoints or just before them:
opening and closing instants, and the starts whose deadline lands exactly on a
closing time. Checking those instants is exact; sampling would not be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.engine import calendar_lookup as lookup
from accord.engine.calendar import CompiledCalendar, advance, cumulative
from accord.engine.calendar_lookup import NO_INSTANT, Instants


@dataclass(frozen=True)
class ThresholdComparison:
    """Is the underpinning target at least as strict as the SLA's, over `over`?

    `worst_margin` = min over SLA-open start instants of (SLA deadline − OLA deadline),
    reached first at `worst_start`; at least as strict ⇔ worst_margin >= 0.
    `uncovered_seconds`: SLA service hours in `over` outside the OLA's service hours.
    """

    at_least_as_strict: bool
    worst_margin: int
    worst_start: int
    sla_worst_wallclock: int
    ola_worst_wallclock: int
    uncovered_seconds: int


def worst_case_wallclock(cal: CompiledCalendar, threshold_s: int, *, over: tuple[int, int]) -> int:
    """Longest wall-clock time from a start in open time within `over` to its deadline."""
    starts = _open_starts(cal, _breakpoints(cal, threshold_s, over), over)
    return int((_deadlines(cal, starts, threshold_s) - starts).max())


def compare_thresholds(
    sla_cal: CompiledCalendar,
    sla_threshold: int,
    ola_cal: CompiledCalendar,
    ola_threshold: int,
    *,
    over: tuple[int, int],
) -> ThresholdComparison:
    """For every start within the SLA's service hours in `over`: OLA deadline <= SLA's?"""
    candidates = np.concatenate(
        [_breakpoints(sla_cal, sla_threshold, over), _breakpoints(ola_cal, ola_threshold, over)]
    )
    starts = _open_starts(sla_cal, np.unique(candidates), over)
    sla_deadline = _deadlines(sla_cal, starts, sla_threshold)
    ola_deadline = _deadlines(ola_cal, starts, ola_threshold)
    margin = sla_deadline - ola_deadline
    worst = int(np.argmin(margin))
    return ThresholdComparison(
        at_least_as_strict=bool(margin[worst] >= 0),
        worst_margin=int(margin[worst]),
        worst_start=int(starts[worst]),
        sla_worst_wallclock=worst_case_wallclock(sla_cal, sla_threshold, over=over),
        ola_worst_wallclock=int((ola_deadline - starts).max()),
        uncovered_seconds=_uncovered(sla_cal, ola_cal, over),
    )


def _breakpoints(cal: CompiledCalendar, threshold: int, over: tuple[int, int]) -> Instants:
    """Instants where deadline(s) − s may change slope or jump, and the instant before each."""
    lo, hi = over
    if hi <= lo:
        raise ValueError(f"`over` must end after it starts ({lo}..{hi})")
    # The starts whose deadline lands exactly on a closing time: open_before(s) equals
    # open_before(close) − threshold, and the first such s is an inverse lookup.
    targets = cumulative(cal, cal.closes) - threshold
    targets = targets[targets >= 0]
    onto_close = np.empty(targets.size, dtype=np.int64)
    lookup.inverse_into(cal.inverse, targets, onto_close)
    points = np.concatenate([[lo, hi - 1], cal.opens, cal.closes, onto_close])
    points = np.concatenate([points, points - 1])
    return np.unique(points[(points >= lo) & (points < hi)])


def _open_starts(cal: CompiledCalendar, candidates: Instants, over: tuple[int, int]) -> Instants:
    inside = candidates[(candidates >= over[0]) & (candidates < over[1])]
    index = np.searchsorted(cal.opens, inside, side="right") - 1
    is_open = (index >= 0) & (inside < cal.closes[np.maximum(index, 0)])
    starts = inside[is_open]
    if starts.size == 0:
        raise ValueError("the calendar has no service hours within `over`")
    return starts


def _deadlines(cal: CompiledCalendar, starts: Instants, threshold: int) -> Instants:
    deadlines = advance(cal, starts, threshold)
    if (deadlines == NO_INSTANT).any():
        raise ValueError(
            "a deadline falls after the compiled calendar ends; compile it further than `over`"
        )
    return deadlines


def _uncovered(sla: CompiledCalendar, ola: CompiledCalendar, over: tuple[int, int]) -> int:
    lo, hi = over
    opens, closes = lookup.subtract(sla.opens, sla.closes, ola.opens, ola.closes)
    return int((np.minimum(closes, hi) - np.maximum(opens, lo)).clip(min=0).sum())
