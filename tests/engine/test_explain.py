"""Explain: segments of one clock, consistent with evaluate_clocks."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.calendar import CalendarSpec, compile_calendar, weekly_hours
from accord.engine.clocks import NO_INSTANT, ClockStatus, evaluate_clocks
from accord.engine.explain import Segment, explain_clock
from tests.engine.reference_clocks import calendars, days, utc

H = 3600
OFFICE = CalendarSpec(
    "Europe/London",
    weekly_hours({day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}),
)
CAL = compile_calendar(OFFICE, utc("2026-01-01 00:00"), utc("2026-02-01 00:00"))


def test_segments_with_pause_closure_and_breach() -> None:
    explanation = explain_clock(
        CAL,
        start=utc("2026-01-05 16:00"),
        stop=utc("2026-01-06 09:00"),
        threshold=2 * H,
        pauses=[(utc("2026-01-05 16:30"), utc("2026-01-05 17:00"), "awaiting customer")],
        as_of=utc("2026-01-06 12:00"),
    )
    assert explanation.segments == (
        Segment(utc("2026-01-05 16:00"), utc("2026-01-05 16:30"), "running", "", 1800, 1800),
        Segment(
            utc("2026-01-05 16:30"),
            utc("2026-01-05 17:00"),
            "paused",
            "awaiting customer",
            1800,
            1800,
        ),
        Segment(utc("2026-01-05 17:00"), utc("2026-01-05 18:00"), "running", "", 3600, 5400),
        Segment(utc("2026-01-05 18:00"), utc("2026-01-06 08:00"), "outside-hours", "", 0, 5400),
        Segment(utc("2026-01-06 08:00"), utc("2026-01-06 08:30"), "running", "", 1800, 7200),
        Segment(utc("2026-01-06 08:30"), utc("2026-01-06 09:00"), "running", "", 1800, 9000),
    )
    assert explanation.business_elapsed == 9000
    assert explanation.actual_elapsed == 17 * H - 1800
    assert explanation.breach_at == utc("2026-01-06 08:30")
    assert explanation.status is ClockStatus.BREACHED
    assert explanation.percent_elapsed == 125.0


def test_overlapping_pauses_and_a_pause_across_the_night() -> None:
    explanation = explain_clock(
        CAL,
        start=utc("2026-01-05 17:00"),
        stop=NO_INSTANT,
        threshold=8 * H,
        pauses=[
            (utc("2026-01-05 17:30"), utc("2026-01-06 09:00"), "awaiting customer"),
            (utc("2026-01-06 08:30"), utc("2026-01-06 10:00"), "awaiting supplier"),
        ],
        as_of=utc("2026-01-06 11:00"),
    )
    assert [
        (s.kind, s.reason, s.business_seconds, s.elapsed_after) for s in explanation.segments
    ] == [
        ("running", "", 1800, 1800),
        (
            "paused",
            "awaiting customer",
            1800 + 1800,
            1800,
        ),  # across the night: 17:30-18 and 8-8:30 held
        ("paused", "awaiting customer + awaiting supplier", 1800, 1800),
        ("paused", "awaiting supplier", H, 1800),
        ("running", "", H, 1800 + H),
    ]
    assert explanation.breach_at == utc("2026-01-06 17:30")  # 30 min on Monday, 7.5 h from 10:00
    assert explanation.status is ClockStatus.OPEN
    assert explanation.end == utc("2026-01-06 11:00")


def test_excluded_clock() -> None:
    explanation = explain_clock(
        CAL,
        start=utc("2026-01-05 09:00"),
        stop=NO_INSTANT,
        threshold=H,
        pauses=[],
        as_of=utc("2026-01-05 12:00"),
        excluded=True,
    )
    assert explanation.status is ClockStatus.EXCLUDED and explanation.breach_at is None
    assert [s.kind for s in explanation.segments] == ["running"]


@settings(max_examples=30, deadline=None)
@given(calendars(), st.data())
def test_segments_add_up_to_the_evaluation(
    case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    spec, lo, hi = case
    cal = compile_calendar(spec, lo, hi)
    start = data.draw(st.integers(lo, hi))
    stop = data.draw(st.one_of(st.just(NO_INSTANT), st.integers(start, start + days(3))))
    pause_starts = data.draw(st.lists(st.integers(start - days(1), hi), max_size=4))
    pauses = [
        (s, s + data.draw(st.integers(1, days(1))), f"state {i % 2}")
        for i, s in enumerate(pause_starts)
    ]
    as_of = data.draw(st.integers(lo, hi + days(1)))
    threshold = data.draw(st.integers(1, days(2)))
    explanation = explain_clock(
        cal, start=start, stop=stop, threshold=threshold, pauses=pauses, as_of=as_of
    )
    result = evaluate_clocks(
        cal,
        start=[start],
        stop=[stop],
        threshold=[threshold],
        pause_owner=np.zeros(len(pauses), dtype=np.int64),
        pause_start=[p[0] for p in pauses],
        pause_end=[p[1] for p in pauses],
        as_of=as_of,
    )
    segments = explanation.segments
    running = sum(s.business_seconds for s in segments if s.kind == "running")
    assert running == explanation.business_elapsed == int(result.business_elapsed[0])
    assert all(a.end == b.start for a, b in pairwise(segments))
    if segments:
        assert segments[0].start == start and segments[-1].end == explanation.end
        assert segments[-1].elapsed_after == explanation.business_elapsed
    paused = sum(s.end - s.start for s in segments if s.kind == "paused")
    assert explanation.actual_elapsed == explanation.end - start - paused
