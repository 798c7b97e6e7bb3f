"""Ticket clocks: hand-worked cases and properties against the plain reference."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine import calendar_lookup
from accord.engine.calendar import CalendarSpec, CompiledCalendar, compile_calendar, weekly_hours
from accord.engine.clocks import NO_INSTANT, ClockResults, ClockStatus, evaluate_clocks
from tests.engine import reference_clocks as ref
from tests.engine.reference_clocks import calendars, days, utc

H = 3600
OFFICE = CalendarSpec(
    "Europe/London",
    weekly_hours({day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}),
)
# January 2026: London is on GMT, so local times read as UTC. Monday is the 5th.
CAL = compile_calendar(OFFICE, utc("2026-01-01 00:00"), utc("2026-02-01 00:00"))
RUNNING = NO_INSTANT


@dataclass(frozen=True)
class Clock:
    start: str
    stop: str | None
    threshold: int
    as_of: str
    pauses: Sequence[tuple[str, str | None]] = ()
    excluded: bool = False


def run(clock: Clock, cal: CompiledCalendar = CAL, **warnings: Sequence[float]) -> ClockResults:
    pauses = list(clock.pauses)
    return evaluate_clocks(
        cal,
        start=np.array([utc(clock.start)]),
        stop=np.array([RUNNING if clock.stop is None else utc(clock.stop)]),
        threshold=np.array([clock.threshold]),
        pause_owner=np.zeros(len(pauses), dtype=np.int64),
        pause_start=np.array([utc(a) for a, _ in pauses], dtype=np.int64),
        pause_end=np.array(
            [NO_INSTANT if b is None else utc(b) for _, b in pauses], dtype=np.int64
        ),
        as_of=utc(clock.as_of),
        excluded=np.array([clock.excluded]),
        **warnings,  # type: ignore[arg-type]
    )


def instant(text: str | None) -> int:
    return NO_INSTANT if text is None else utc(text)


CASES = {
    "met within the day": (
        Clock("2026-01-05 09:00", "2026-01-05 11:00", 4 * H, "2026-01-06 00:00"),
        (2 * H, 2 * H, None, ClockStatus.MET),
    ),
    "running overnight, breach ahead": (
        Clock("2026-01-05 17:00", None, 4 * H, "2026-01-06 09:00"),
        (2 * H, 16 * H, "2026-01-06 11:00", ClockStatus.OPEN),
    ),
    "threshold reached at closing breaches at the next opening": (
        Clock("2026-01-05 14:00", None, 4 * H, "2026-01-06 09:00"),
        (5 * H, 19 * H, "2026-01-06 08:00", ClockStatus.BREACHED),
    ),
    "stopped overnight, before that opening, is met": (
        Clock("2026-01-05 14:00", "2026-01-05 23:00", 4 * H, "2026-01-07 00:00"),
        (4 * H, 9 * H, None, ClockStatus.MET),
    ),
    "stopped at that next opening is met": (
        Clock("2026-01-05 14:00", "2026-01-06 08:00", 4 * H, "2026-01-07 00:00"),
        (4 * H, 18 * H, None, ClockStatus.MET),
    ),
    "stopped one second later is breached": (
        Clock("2026-01-05 14:00", "2026-01-06 08:00:01", 4 * H, "2026-01-07 00:00"),
        (4 * H + 1, 18 * H + 1, "2026-01-06 08:00", ClockStatus.BREACHED),
    ),
    "Friday evening to Monday": (
        Clock("2026-01-09 17:30", None, H, "2026-01-12 08:10"),
        (H // 2 + 600, 62 * H + 40 * 60, "2026-01-12 08:30", ClockStatus.OPEN),
    ),
    "pause across the night": (
        Clock(
            "2026-01-05 16:00",
            "2026-01-06 12:00",
            4 * H,
            "2026-01-07 00:00",
            pauses=[("2026-01-05 17:00", "2026-01-06 10:00")],
        ),
        (3 * H, 3 * H, None, ClockStatus.MET),
    ),
    "overlapping and nested pauses count once": (
        Clock(
            "2026-01-05 09:00",
            "2026-01-05 15:00",
            4 * H,
            "2026-01-06 00:00",
            pauses=[
                ("2026-01-05 11:00", "2026-01-05 13:00"),
                ("2026-01-05 10:00", "2026-01-05 12:00"),
                ("2026-01-05 12:30", "2026-01-05 12:45"),
            ],
        ),
        (3 * H, 3 * H, None, ClockStatus.MET),
    ),
    "pauses outside [start, stop) are clipped": (
        Clock(
            "2026-01-05 09:00",
            "2026-01-05 12:00",
            2 * H,
            "2026-01-06 00:00",
            pauses=[
                ("2026-01-05 07:00", "2026-01-05 10:00"),
                ("2026-01-05 11:30", "2026-01-05 16:00"),
            ],
        ),
        (H + H // 2, H + H // 2, None, ClockStatus.MET),
    ),
    "breach pushed past a pause": (
        Clock(
            "2026-01-05 09:00",
            None,
            2 * H,
            "2026-01-05 12:00",
            pauses=[("2026-01-05 10:00", "2026-01-05 11:30")],
        ),
        (H + H // 2, H + H // 2, "2026-01-05 12:30", ClockStatus.OPEN),
    ),
    "pause starting exactly at the would-be breach": (
        Clock(
            "2026-01-05 09:00",
            None,
            H,
            "2026-01-05 12:00",
            pauses=[("2026-01-05 10:00", "2026-01-05 11:00")],
        ),
        (2 * H, 2 * H, "2026-01-05 11:00", ClockStatus.BREACHED),
    ),
    "re-match to a stricter target already exceeded: one breach, in the past": (
        Clock("2026-01-05 09:00", None, 8 * H, "2026-01-06 12:00"),
        (13 * H, 27 * H, "2026-01-05 17:00", ClockStatus.BREACHED),
    ),
    "the same clock under the original, looser target": (
        Clock("2026-01-05 09:00", None, 24 * H, "2026-01-06 12:00"),
        (13 * H, 27 * H, "2026-01-07 13:00", ClockStatus.OPEN),
    ),
    "ongoing pause with no end: no breach predicted": (
        Clock(
            "2026-01-05 09:00", None, 4 * H, "2026-01-06 12:00", pauses=[("2026-01-05 10:00", None)]
        ),
        (H, H, None, ClockStatus.OPEN),
    ),
    "ongoing pause ended at as_of: prediction assumes it ends now": (
        Clock(
            "2026-01-05 09:00",
            None,
            4 * H,
            "2026-01-06 12:00",
            pauses=[("2026-01-05 10:00", "2026-01-06 12:00")],
        ),
        (H, H, "2026-01-06 15:00", ClockStatus.OPEN),
    ),
    "cancelled before it stopped": (
        Clock("2026-01-05 09:00", None, H, "2026-01-05 12:00", excluded=True),
        (3 * H, 3 * H, None, ClockStatus.EXCLUDED),
    ),
    "breach after the compiled calendar is unknown": (
        Clock("2026-01-30 09:00", None, 40 * H, "2026-01-30 10:00"),
        (H, H, None, ClockStatus.OPEN),
    ),
    "not started yet at as_of": (
        Clock("2026-01-05 09:00", None, H, "2026-01-05 08:00"),
        (0, 0, "2026-01-05 10:00", ClockStatus.OPEN),
    ),
}


@pytest.mark.parametrize(("clock", "expected"), CASES.values(), ids=CASES.keys())
def test_hand_worked_clocks(
    clock: Clock, expected: tuple[int, int, str | None, ClockStatus]
) -> None:
    business, actual, breach, status = expected
    result = run(clock)
    assert int(result.business_elapsed[0]) == business
    assert int(result.actual_elapsed[0]) == actual
    assert int(result.breach_at[0]) == instant(breach)
    assert ClockStatus(int(result.status[0])) is status
    assert float(result.percent_elapsed[0]) == pytest.approx(business / clock.threshold * 100)


def test_same_results_with_pauses_batched_among_other_clocks() -> None:
    clocks = list(CASES.values())
    singles = [run(c) for c, _ in clocks]
    pauses = [(i, p) for i, (c, _) in enumerate(clocks) for p in c.pauses]
    batch = evaluate_clocks(
        CAL,
        start=np.array([utc(c.start) for c, _ in clocks]),
        stop=np.array([instant(c.stop) for c, _ in clocks]),
        threshold=np.array([c.threshold for c, _ in clocks]),
        pause_owner=np.array([i for i, _ in pauses]),
        pause_start=np.array([utc(a) for _, (a, _) in pauses]),
        pause_end=np.array([instant(b) for _, (_, b) in pauses]),
        as_of=utc("2026-01-06 12:00"),
        excluded=np.array([c.excluded for c, _ in clocks]),
    )
    for index, (clock, _) in enumerate(clocks):
        if clock.as_of == "2026-01-06 12:00":
            assert int(batch.business_elapsed[index]) == int(singles[index].business_elapsed[0])
            assert int(batch.breach_at[index]) == int(singles[index].breach_at[0])


def test_dst_inside_a_clock() -> None:
    cal = compile_calendar(OFFICE, utc("2026-03-20 00:00"), utc("2026-04-10 00:00"))
    result = run(Clock("2026-03-27 17:00", None, 2 * H, "2026-03-30 12:00"), cal)
    assert int(result.breach_at[0]) == utc("2026-03-30 08:00")  # 09:00 BST
    assert int(result.business_elapsed[0]) == 6 * H  # 17-18 GMT, then 08-12 BST (07-11 UTC)


def test_warnings_by_percentage_and_lead_time() -> None:
    clock = Clock("2026-01-05 09:00", None, 4 * H, "2026-01-05 10:00")
    result = run(clock, warn_percents=[50, 75, 100, 33.3], warn_leads=[1800, 5 * H])
    assert result.warn_at.shape == (1, 6)
    expected = [
        utc("2026-01-05 11:00"),
        utc("2026-01-05 12:00"),
        utc("2026-01-05 13:00"),  # 100 % is the breach instant
        utc("2026-01-05 09:00") + 4795,  # floor(14400 × 33.3 / 100)
        utc("2026-01-05 12:30"),
        utc("2026-01-05 09:00"),  # a lead longer than the threshold falls due at once
    ]
    assert result.warn_at[0].tolist() == expected
    assert int(result.breach_at[0]) == expected[2]


def test_warnings_of_a_clock_stopped_before_they_fall_due() -> None:
    clock = Clock("2026-01-05 09:00", "2026-01-05 12:00", 4 * H, "2026-01-05 13:00")
    result = run(clock, warn_percents=[50, 75, 100])
    assert result.warn_at[0].tolist() == [utc("2026-01-05 11:00"), NO_INSTANT, NO_INSTANT]


def test_warnings_skip_pauses_like_the_breach() -> None:
    clock = Clock(
        "2026-01-05 09:00",
        None,
        4 * H,
        "2026-01-05 10:00",
        pauses=[("2026-01-05 10:00", "2026-01-05 12:00")],
    )
    result = run(clock, warn_percents=[50], warn_leads=[3 * H])
    assert result.warn_at[0].tolist() == [utc("2026-01-05 13:00"), utc("2026-01-05 12:00")]
    assert int(result.breach_at[0]) == utc("2026-01-05 15:00")


def test_empty_input() -> None:
    empty = np.array([], dtype=np.int64)
    result = evaluate_clocks(
        CAL,
        start=empty,
        stop=empty,
        threshold=empty,
        pause_owner=empty,
        pause_start=empty,
        pause_end=empty,
        as_of=0,
        warn_percents=[50],
    )
    assert result.business_elapsed.size == 0 and result.warn_at.shape == (0, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threshold": [0]}, "positive"),
        ({"stop": [1, 2]}, "same length"),
        ({"pause_owner": [3], "pause_start": [0], "pause_end": [1]}, "index the clocks"),
        ({"pause_owner": [0, 0], "pause_start": [0], "pause_end": [1]}, "same length"),
        ({"excluded": [True, False]}, "one entry per clock"),
        ({"warn_percents": [0]}, "must be > 0"),
    ],
)
def test_bad_input_is_rejected(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "start": [utc("2026-01-05 09:00")],
        "stop": [RUNNING],
        "threshold": [H],
        "pause_owner": [],
        "pause_start": [],
        "pause_end": [],
        "as_of": utc("2026-01-05 10:00"),
    }
    with pytest.raises(ValueError, match=message):
        evaluate_clocks(CAL, **{**arguments, **change})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties

PERCENTS = (50.0, 75.0, 100.0, 33.3)
LEADS = (0, 1800, 10**6)


@dataclass(frozen=True)
class Batch:
    start: list[int]
    stop: list[int]
    threshold: list[int]
    pauses: list[tuple[int, int, int]]  # owner, start, end
    as_of: int
    excluded: list[bool]

    def evaluate(
        self, cal: CompiledCalendar, *, only: int | None = None, as_of: int | None = None
    ) -> ClockResults:
        """All clocks, or clock `only` alone as a running clock."""
        picked = range(len(self.start)) if only is None else [only]
        pauses = [p for p in self.pauses if p[0] in picked]
        return evaluate_clocks(
            cal,
            start=np.array([self.start[i] for i in picked]),
            stop=np.array([self.stop[i] if only is None else RUNNING for i in picked]),
            threshold=np.array([self.threshold[i] for i in picked]),
            pause_owner=np.array(
                [0 if only is not None else o for o, _, _ in pauses], dtype=np.int64
            ),
            pause_start=np.array([s for _, s, _ in pauses], dtype=np.int64),
            pause_end=np.array([e for _, _, e in pauses], dtype=np.int64),
            as_of=self.as_of if as_of is None else as_of,
            excluded=None if only is not None else np.array(self.excluded),
            warn_percents=PERCENTS,
            warn_leads=LEADS,
        )


@st.composite
def clock_batches(draw: st.DrawFn, lo: int, hi: int) -> Batch:
    n = draw(st.integers(1, 12))
    starts = [draw(st.integers(lo - days(1), hi)) for _ in range(n)]
    stops = [draw(st.one_of(st.just(RUNNING), st.integers(s, s + days(4)))) for s in starts]
    pauses = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(lo - days(1), hi + days(1)),
                st.one_of(st.just(NO_INSTANT), st.integers(1, days(2))),
            ),
            max_size=3 * n,
        )
    )
    return Batch(
        start=starts,
        stop=stops,
        threshold=[draw(st.integers(1, days(2))) for _ in range(n)],
        pauses=[(o, s, NO_INSTANT if d == NO_INSTANT else s + d) for o, s, d in pauses],
        as_of=draw(st.integers(lo, hi + days(1))),
        excluded=[draw(st.booleans()) for _ in range(n)],
    )


def warn_amounts(threshold: int) -> tuple[int, ...]:
    by_percent = tuple(
        threshold * int(p) // 100 if p.is_integer() else math.floor(threshold * (p / 100))
        for p in PERCENTS
    )
    return by_percent + tuple(max(threshold - lead, 0) for lead in LEADS)


def check_against_reference(
    cal: CompiledCalendar, intervals: list[tuple[int, int]], batch: Batch
) -> None:
    result = batch.evaluate(cal)
    for i, (start, stop, threshold) in enumerate(
        zip(batch.start, batch.stop, batch.threshold, strict=True)
    ):
        expected = ref.evaluate(
            intervals,
            calendar_end=cal.end,
            start=start,
            stop=None if stop == RUNNING else stop,
            threshold=threshold,
            pauses=[(s, e) for o, s, e in batch.pauses if o == i],
            as_of=batch.as_of,
            excluded=batch.excluded[i],
            warn_amounts=warn_amounts(threshold),
        )
        assert int(result.business_elapsed[i]) == expected.business_elapsed
        assert int(result.actual_elapsed[i]) == expected.actual_elapsed
        assert int(result.breach_at[i]) == (
            NO_INSTANT if expected.breach_at is None else expected.breach_at
        )
        assert ClockStatus(int(result.status[i])).name.lower() == expected.status
        assert result.warn_at[i].tolist() == [
            NO_INSTANT if w is None else w for w in expected.warn_at
        ]


@settings(max_examples=40, deadline=None)
@given(calendars(), st.data())
def test_clocks_match_the_reference(
    case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    spec, lo, hi = case
    cal = compile_calendar(spec, lo, hi)
    check_against_reference(cal, ref.open_intervals(spec, lo, hi), data.draw(clock_batches(lo, hi)))


@pytest.mark.parametrize("buckets", [(60,), (900,), (86_400,)])
@settings(max_examples=15, deadline=None)
@given(case=calendars(), data=st.data())
def test_every_table_layout_gives_the_same_answers(
    buckets: tuple[int, ...], case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    # Force each bucket size and a tiny inverse table so the multi-piece and
    # multi-step lookups are exercised, not only the layout the heuristic picks.
    spec, lo, hi = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calendar_lookup, "_BUCKETS", buckets)
        patch.setattr(calendar_lookup, "_MAX_INVERSE_STEPS", 3)
        cal = compile_calendar(spec, lo, hi)
    check_against_reference(cal, ref.open_intervals(spec, lo, hi), data.draw(clock_batches(lo, hi)))


@settings(max_examples=40, deadline=None)
@given(calendars(), st.data())
def test_elapsed_is_monotone_additive_and_the_breach_inverts_it(
    case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    spec, lo, hi = case
    cal = compile_calendar(spec, lo, hi)
    batch = data.draw(clock_batches(lo, hi))
    first, threshold = batch.start[0], batch.threshold[0]
    times = sorted(data.draw(st.lists(st.integers(first, hi), min_size=2, max_size=8)))

    def elapsed_at(as_of: int) -> int:
        return int(batch.evaluate(cal, only=0, as_of=as_of).business_elapsed[0])

    values = [elapsed_at(t) for t in times]
    assert values == sorted(values)
    # additive over a split: [start, t2) = [start, t1) + the same clock restarted at t1
    split, later = times[0], times[-1]
    restarted = Batch(
        [split], [RUNNING], [threshold], [p for p in batch.pauses if p[0] == 0], later, [False]
    )
    assert elapsed_at(later) == elapsed_at(split) + int(restarted.evaluate(cal).business_elapsed[0])
    breach = int(batch.evaluate(cal, only=0, as_of=hi).breach_at[0])
    if breach != NO_INSTANT:
        assert elapsed_at(breach) == threshold
        assert elapsed_at(breach + 1) == threshold + 1
    else:
        assert elapsed_at(hi) <= threshold
