"""Ticket clocks, vectorised over all clocks at once (SEMANTICS §2).

elapsed(t) = open seconds of [start, t) outside the clock's pauses, for t <= stop.
The breach instant is inf{t : elapsed(t) > threshold}: the start of open, unpaused
second number `threshold`. It is found by inverting the calendar's cumulative
function, then pushing the target past each pause that begins before it.

Clocks without pauses are done in one chunked pass over the arrays; only clocks that
have pauses get a second, smaller pass (a loop over pause *rank*, not over tickets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.engine import calendar_lookup as lookup
from accord.engine.calendar import CompiledCalendar
from accord.engine.calendar_lookup import CHUNK, NO_INSTANT, Instants, Scratch
from accord.engine.clock_pauses import PauseSet, merge_pauses, paused_seconds, pushed_past_pauses

__all__ = ["NO_INSTANT", "ClockResults", "ClockStatus", "evaluate_clocks"]


class ClockStatus(IntEnum):
    OPEN = 0
    MET = 1
    BREACHED = 2
    EXCLUDED = 3


@dataclass(frozen=True, eq=False)
class ClockResults:
    """Per clock results; `warn_at[:, j]` is warning j (percentages first, then leads).

    `threshold` is the evaluated thresholds array (the caller's own when it was already
    int64 and contiguous); `percent_elapsed` is derived from it on first use.
    """

    business_elapsed: Instants
    actual_elapsed: Instants
    breach_at: Instants
    status: NDArray[np.int8]
    warn_at: Instants
    threshold: Instants

    @cached_property
    def percent_elapsed(self) -> NDArray[np.float64]:
        """elapsed / threshold × 100, unrounded; computed on first use, since it is
        derived and a fresh float array per clock costs a fifth of the evaluation.
        100 × elapsed is exact in float64, so the quotient is rounded once."""
        percent = np.multiply(self.business_elapsed, 100.0)
        return np.divide(percent, self.threshold, out=percent)


@dataclass(frozen=True)
class ClockWarning:
    """A warning falls due when elapsed exceeds `percent`% of the threshold, or the
    threshold minus `lead` seconds of business time; see docs/semantics-clocks.md."""

    percent: float | None = None
    lead: int | None = None

    def threshold(self, threshold: Instants, out: Instants) -> Instants:
        if self.lead is not None:
            np.subtract(threshold, self.lead, out=out)
            return np.maximum(out, 0, out=out)
        percent = float(self.percent or 0.0)
        if percent.is_integer():  # exact integer arithmetic for the usual 50 / 75 / 100
            np.multiply(threshold, int(percent), out=out)
            return np.floor_divide(out, 100, out=out)
        out[...] = np.floor(threshold * (percent / 100.0))
        return out


@dataclass(frozen=True, eq=False)
class _Clocks:
    start: Instants
    stop: Instants
    threshold: Instants
    excluded: NDArray[np.bool_] | None
    as_of: int
    warnings: tuple[ClockWarning, ...]


def evaluate_clocks(
    cal: CompiledCalendar,
    *,
    start: ArrayLike,
    stop: ArrayLike,
    threshold: ArrayLike,
    pause_owner: ArrayLike,
    pause_start: ArrayLike,
    pause_end: ArrayLike,
    as_of: int,
    excluded: ArrayLike | None = None,
    warn_percents: Sequence[float] = (),
    warn_leads: Sequence[int] = (),
) -> ClockResults:
    """Elapsed, breach instant, status and warning instants of every clock.

    `stop` is NO_INSTANT while a clock runs. Pauses are flat arrays; `pause_owner` is
    the clock index; they may overlap, be unsorted or stick out of [start, stop). An
    ongoing pause ends at NO_INSTANT (no breach is predicted while it lasts) or at
    `as_of` (the prediction assumes it ends now).
    """
    clocks = _validate(start, stop, threshold, excluded, as_of, warn_percents, warn_leads)
    results = _allocate(clocks.start.size, len(clocks.warnings), clocks.threshold)
    _evaluate_unpaused(cal, clocks, results)
    pauses = merge_pauses(
        pause_owner,
        pause_start,
        pause_end,
        clock_start=clocks.start,
        clock_stop=clocks.stop,
        horizon=max(cal.end, as_of),
    )
    if pauses.clocks.size:
        _evaluate_paused(cal, clocks, pauses, results)
    return results


def _validate(
    start: ArrayLike,
    stop: ArrayLike,
    threshold: ArrayLike,
    excluded: ArrayLike | None,
    as_of: int,
    warn_percents: Sequence[float],
    warn_leads: Sequence[int],
) -> _Clocks:
    arrays = [np.ascontiguousarray(a, dtype=np.int64) for a in (start, stop, threshold)]
    if any(a.ndim != 1 or a.size != arrays[0].size for a in arrays):
        raise ValueError("start, stop and threshold must be 1-D arrays of the same length")
    if arrays[2].size and int(arrays[2].min()) <= 0:
        raise ValueError("every threshold must be a positive number of seconds")
    if arrays[0].size and min(int(arrays[0].min()), int(arrays[1].min())) < 0:
        raise ValueError("start and stop must be epoch seconds from 1970 on")
    mask = None if excluded is None else np.ascontiguousarray(excluded, dtype=np.bool_)
    if mask is not None and mask.shape != arrays[0].shape:
        raise ValueError("excluded must be a boolean array with one entry per clock")
    if any(p <= 0 for p in warn_percents) or any(lead < 0 for lead in warn_leads):
        raise ValueError("warning percentages must be > 0 and lead times >= 0")
    warnings = tuple(ClockWarning(percent=float(p)) for p in warn_percents) + tuple(
        ClockWarning(lead=int(lead)) for lead in warn_leads
    )
    return _Clocks(arrays[0], arrays[1], arrays[2], mask, int(as_of), warnings)


def _allocate(n: int, warnings: int, threshold: Instants) -> ClockResults:
    # warn_at is stored one warning per row so that each is written contiguously;
    # the transposed view gives callers the (clock, warning) shape.
    return ClockResults(
        business_elapsed=np.empty(n, dtype=np.int64),
        actual_elapsed=np.empty(n, dtype=np.int64),
        breach_at=np.empty(n, dtype=np.int64),
        status=np.empty(n, dtype=np.int8),
        warn_at=np.empty((warnings, n), dtype=np.int64).T,
        threshold=threshold,
    )


class _Buffers(Scratch):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.open_before_start = np.empty(size, dtype=np.int64)
        self.end = np.empty(size, dtype=np.int64)
        self.target = np.empty(size, dtype=np.int64)


def _evaluate_unpaused(cal: CompiledCalendar, clocks: _Clocks, results: ClockResults) -> None:
    n = clocks.start.size
    buffers = _Buffers(min(CHUNK, max(n, 1)))
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        _unpaused_chunk(cal, clocks, _Outputs.of(results, slice(lo, hi)), slice(lo, hi), buffers)


def _unpaused_chunk(
    cal: CompiledCalendar, clocks: _Clocks, out: _Outputs, part: slice, buf: _Buffers
) -> None:
    k = part.stop - part.start
    start, stop, threshold = clocks.start[part], clocks.stop[part], clocks.threshold[part]
    open_before, end, target = buf.open_before_start[:k], buf.end[:k], buf.target[:k]
    clipped = lookup.within(start, cal.start, cal.end, target)
    lookup.cumulative_chunk(cal.forward, clipped, open_before, buf)
    np.minimum(stop, clocks.as_of, out=end)
    np.maximum(end, start, out=end)
    np.subtract(end, start, out=out.actual)
    # start <= end <= as_of, so end needs no clipping when start needed none
    if clipped is not start or clocks.as_of > cal.end:
        end = lookup.within(end, cal.start, cal.end, target)
    lookup.cumulative_chunk(cal.forward, end, out.elapsed, buf)
    np.subtract(out.elapsed, open_before, out=out.elapsed)
    # crossings are written straight into the outputs and settled there in place
    for index, instant in enumerate(out.instants):
        if index == 0:
            np.add(open_before, threshold, out=target)
        else:
            clocks.warnings[index - 1].threshold(threshold, target)
            np.add(target, open_before, out=target)
        lookup.inverse_chunk(cal.inverse, target, instant, buf)
    excluded = None if clocks.excluded is None else clocks.excluded[part]
    _settle(clocks.as_of, stop, threshold, excluded, out.instants, out, buf)


@dataclass(frozen=True)
class _Outputs:
    """Where one batch of clocks writes its results (views of ClockResults)."""

    elapsed: Instants
    actual: Instants
    status: NDArray[np.int8]
    instants: list[Instants]  # breach instant, then one per warning

    @classmethod
    def of(cls, results: ClockResults, part: slice) -> _Outputs:
        instants = [results.breach_at[part], *(row[part] for row in results.warn_at.T)]
        return cls(
            results.business_elapsed[part],
            results.actual_elapsed[part],
            results.status[part],
            instants,
        )


def _settle(
    as_of: int,
    stop: Instants,
    threshold: Instants,
    excluded: NDArray[np.bool_] | None,
    crossings: list[Instants],
    out: _Outputs,
    scratch: Scratch,
) -> None:
    """Turn crossing instants into breach and warning instants, and status.

    A crossing only counts if it comes before the stop: stopping exactly at the
    infimum leaves elapsed == threshold, which is met. Past the calendar's end no
    crossing is known.
    """
    k = stop.size
    sign, verdict = scratch.piece[:k], scratch.flag[:k]
    never = None if excluded is None else excluded.astype(np.int64) * NO_INSTANT
    for crossing, instant in zip(crossings, out.instants, strict=True):
        # Branch-free select (masked copies mispredict on random data): the sign of
        # crossing - stop is all ones when it counts; XOR turns NO_INSTANT into the
        # smallest int64, so the maximum keeps the crossing, else NO_INSTANT. All
        # instants are >= 0, so nothing overflows.
        np.subtract(crossing, stop, out=sign)
        np.right_shift(sign, 63, out=sign)
        np.bitwise_xor(sign, NO_INSTANT, out=sign)
        np.maximum(crossing, sign, out=instant)
        if never is not None:
            np.bitwise_or(instant, never, out=instant)  # an excluded clock never crosses
    stopped = out.status.view(np.bool_)
    np.less_equal(stop, as_of, out=stopped)  # MET = 1 else OPEN = 0
    breached = verdict.view(np.int8)
    np.greater(out.elapsed, threshold, out=verdict)
    np.add(breached, breached, out=breached)  # 2 × (NumPy has no fast int8 shift)
    np.maximum(out.status, breached, out=out.status)  # BREACHED = 2 wins over MET
    if excluded is not None:
        np.maximum(out.status, excluded.view(np.int8) * np.int8(3), out=out.status)


def _evaluate_paused(
    cal: CompiledCalendar, clocks: _Clocks, pauses: PauseSet, results: ClockResults
) -> None:
    owners = pauses.clocks
    start, stop = clocks.start[owners], clocks.stop[owners]
    threshold = clocks.threshold[owners]
    end = np.maximum(np.minimum(stop, clocks.as_of), start)
    business, actual = paused_seconds(cal, pauses, end)
    results.business_elapsed[owners] -= business
    results.actual_elapsed[owners] -= actual
    buffer = np.empty(owners.size, dtype=np.int64)
    targets = [threshold, *(w.threshold(threshold, buffer).copy() for w in clocks.warnings)]
    instants = pushed_past_pauses(cal, pauses, start, targets)
    excluded = None if clocks.excluded is None else clocks.excluded[owners]
    outputs = _Outputs(
        results.business_elapsed[owners],
        results.actual_elapsed[owners],
        np.empty(owners.size, dtype=np.int8),
        [np.empty(owners.size, dtype=np.int64) for _ in instants],
    )
    _settle(clocks.as_of, stop, threshold, excluded, instants, outputs, Scratch(owners.size))
    results.status[owners] = outputs.status
    for row, values in zip([results.breach_at, *results.warn_at.T], outputs.instants, strict=True):
        row[owners] = values
