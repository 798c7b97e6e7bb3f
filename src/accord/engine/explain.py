"""Explain one ticket clock: its segments with running totals (SEMANTICS §2, Explain).

The totals, breach instant and status come from `evaluate_clocks` on a one-clock
array, and the segments' business seconds from the same compiled calendar's
`cumulative`, so an explanation can never disagree with the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from accord.engine.calendar import CompiledCalendar, cumulative, opening_intervals
from accord.engine.clocks import NO_INSTANT, ClockStatus, evaluate_clocks

SegmentKind = Literal["running", "paused", "outside-hours"]


@dataclass(frozen=True)
class Segment:
    """[start, end) of one kind. `business_seconds` are the service-hours seconds inside
    it: counted for a running segment, held back for a paused one, 0 outside hours."""

    start: int
    end: int
    kind: SegmentKind
    reason: str
    business_seconds: int
    elapsed_after: int


@dataclass(frozen=True)
class Explanation:
    start: int
    end: int  # where the clock is evaluated up to: min(stop, as_of)
    threshold: int
    business_elapsed: int
    actual_elapsed: int
    percent_elapsed: float
    breach_at: int | None
    status: ClockStatus
    segments: tuple[Segment, ...]


def explain_clock(
    cal: CompiledCalendar,
    *,
    start: int,
    stop: int,
    threshold: int,
    pauses: Sequence[tuple[int, int, str]],
    as_of: int,
    excluded: bool = False,
) -> Explanation:
    """Segments of a clock in time order; `pauses` are (start, end, reason)."""
    result = evaluate_clocks(
        cal,
        start=np.array([start]),
        stop=np.array([stop]),
        threshold=np.array([threshold]),
        pause_owner=np.zeros(len(pauses), dtype=np.int64),
        pause_start=np.array([p[0] for p in pauses], dtype=np.int64),
        pause_end=np.array([p[1] for p in pauses], dtype=np.int64),
        as_of=as_of,
        excluded=np.array([excluded]),
    )
    end = max(min(stop, as_of), start)
    breach_at = int(result.breach_at[0])
    segments = _segments(cal, start, end, stop, pauses, breach_at)
    return Explanation(
        start=start,
        end=end,
        threshold=threshold,
        business_elapsed=int(result.business_elapsed[0]),
        actual_elapsed=int(result.actual_elapsed[0]),
        percent_elapsed=float(result.percent_elapsed[0]),
        breach_at=None if breach_at == NO_INSTANT else breach_at,
        status=ClockStatus(int(result.status[0])),
        segments=segments,
    )


def _segments(
    cal: CompiledCalendar,
    start: int,
    end: int,
    stop: int,
    pauses: Sequence[tuple[int, int, str]],
    breach_at: int,
) -> tuple[Segment, ...]:
    # Pauses count only inside [start, stop), as in evaluate_clocks.
    held = [(max(s, start), min(e, stop, end), why) for s, e, why in pauses]
    held = sorted((s, e, why) for s, e, why in held if e > s)
    opens, closes = opening_intervals(cal, start, end)
    cuts = {start, end, *opens.tolist(), *closes.tolist()}
    cuts.update(t for s, e, _ in held for t in (s, e))
    if start < breach_at < end:
        cuts.add(breach_at)  # so the running total shows the threshold being passed
    points = np.array(sorted(cuts), dtype=np.int64)
    open_seconds = np.diff(cumulative(cal, points))
    pieces: list[tuple[int, int, SegmentKind, str, int]] = []
    for left, right, seconds in zip(points[:-1], points[1:], open_seconds, strict=True):
        reasons = _reasons(held, int(left))
        kind: SegmentKind = "paused" if reasons else "running" if seconds else "outside-hours"
        pieces.append((int(left), int(right), kind, reasons, int(seconds)))
    return _joined(pieces, breach_at)


def _reasons(held: list[tuple[int, int, str]], at: int) -> str:
    reasons = dict.fromkeys(why for s, e, why in held if s <= at < e)
    return " + ".join(reasons)


def _joined(
    pieces: list[tuple[int, int, SegmentKind, str, int]], breach_at: int
) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    elapsed = 0
    for left, right, kind, reason, seconds in pieces:
        counted = seconds if kind == "running" else 0
        elapsed += counted
        last = segments[-1] if segments else None
        if last and last.kind == kind and last.reason == reason and left != breach_at:
            segments[-1] = Segment(
                last.start, right, kind, reason, last.business_seconds + seconds, elapsed
            )
        else:
            segments.append(Segment(left, right, kind, reason, seconds, elapsed))
    return tuple(segments)
