"""Wall-clock worst cases and SLA ↔ OLA threshold comparison (SEMANTICS §9)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.calendar import (
    TWENTY_FOUR_SEVEN,
    CalendarSpec,
    CompiledCalendar,
    advance,
    compile_calendar,
    weekly_hours,
)
from accord.engine.wallclock import compare_thresholds, worst_case_wallclock
from tests.engine.reference_clocks import days, utc

H = 3600
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
RANGE = (utc("2026-01-01 00:00"), utc("2026-03-01 00:00"))


def london(*hours: str, **kw: object) -> CompiledCalendar:
    spec = CalendarSpec("Europe/London", weekly_hours({d: list(hours) for d in WORKDAYS}), **kw)  # type: ignore[arg-type]
    return compile_calendar(spec, *RANGE)


OFFICE = london("08:00-18:00")
ALWAYS = compile_calendar(TWENTY_FOUR_SEVEN, *RANGE)
WEEK = (utc("2026-01-05 00:00"), utc("2026-01-12 00:00"))  # Monday to Monday


@pytest.mark.parametrize(
    ("cal", "threshold", "over", "expected"),
    [
        (OFFICE, 4 * H, WEEK, 66 * H),  # from Friday 14:00 the deadline is Monday 08:00
        (OFFICE, 4 * H, (utc("2026-01-05 00:00"), utc("2026-01-09 00:00")), 18 * H),
        (OFFICE, 10 * H, WEEK, 72 * H),  # Friday 08:00 + 10 h = closing → Monday 08:00
        (ALWAYS, 4 * H, WEEK, 4 * H),
        (
            london("08:00-18:00", closed_dates=frozenset({date(2026, 1, 12)})),
            4 * H,
            WEEK,
            90 * H,  # a Monday holiday pushes Friday afternoon's deadline to Tuesday
        ),
    ],
)
def test_worst_case_wallclock(
    cal: CompiledCalendar, threshold: int, over: tuple[int, int], expected: int
) -> None:
    assert worst_case_wallclock(cal, threshold, over=over) == expected


def test_24x7_ola_underpins_office_hours_sla() -> None:
    result = compare_thresholds(OFFICE, 8 * H, ALWAYS, 4 * H, over=WEEK)
    assert result.at_least_as_strict
    assert result.worst_margin == 4 * H
    assert result.worst_start == utc("2026-01-05 08:00")
    assert result.uncovered_seconds == 0
    assert result.ola_worst_wallclock == 4 * H


def test_looser_ola_on_the_same_hours_is_not_strict_enough() -> None:
    monday_to_thursday = (utc("2026-01-05 00:00"), utc("2026-01-09 00:00"))
    result = compare_thresholds(OFFICE, 4 * H, OFFICE, 6 * H, over=monday_to_thursday)
    assert not result.at_least_as_strict
    # started at 12:00 the SLA ends at 16:00, the OLA at 18:00 = next day's 08:00
    assert result.worst_margin == -16 * H
    assert result.worst_start == utc("2026-01-05 12:00")
    over_the_weekend = compare_thresholds(OFFICE, 4 * H, OFFICE, 6 * H, over=WEEK)
    assert over_the_weekend.worst_margin == -64 * H  # Friday 16:00 against Monday 08:00
    assert over_the_weekend.worst_start == utc("2026-01-09 12:00")


def test_shorter_ola_hours_leave_sla_hours_uncovered() -> None:
    result = compare_thresholds(OFFICE, 8 * H, london("09:00-17:00"), 4 * H, over=WEEK)
    assert result.uncovered_seconds == 5 * 2 * H
    # a ticket opened at 08:00 waits for the OLA's 09:00 opening: still within 8 h
    assert result.at_least_as_strict


def test_deadline_beyond_the_calendar_is_an_error() -> None:
    with pytest.raises(ValueError, match="compile it further"):
        worst_case_wallclock(
            OFFICE, 40 * H, over=(utc("2026-02-25 00:00"), utc("2026-03-01 00:00"))
        )


def test_no_service_hours_in_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="no service hours"):
        worst_case_wallclock(OFFICE, H, over=(utc("2026-01-10 00:00"), utc("2026-01-11 00:00")))


@st.composite
def office_like(draw: st.DrawFn) -> CompiledCalendar:
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "UTC"]))
    weekly = []
    for _ in range(7):
        points = sorted(draw(st.sets(st.integers(0, 48), max_size=4)))
        weekly.append(
            tuple((a * 30, b * 30) for a, b in zip(points[::2], points[1::2], strict=False))
        )
    if not any(weekly):
        weekly[0] = ((480, 1080),)
    spec = CalendarSpec(zone, tuple(weekly))
    # Far enough for the sparsest calendar drawn (half an hour a week) to reach a day's
    # threshold from the window below: 48 weeks.
    return compile_calendar(spec, utc("2026-03-01 00:00"), utc("2027-06-01 00:00"))


@settings(max_examples=25, deadline=None)
@given(
    office_like(),
    office_like(),
    st.integers(1, days(1)),
    st.integers(1, days(1)),
    st.integers(0, days(1)),
)
def test_breakpoints_find_the_exact_worst_margin(
    sla: CompiledCalendar, ola: CompiledCalendar, sla_threshold: int, ola_threshold: int, shift: int
) -> None:
    # The brute force checks every second of a 3-day window; it is exact by construction.
    lo = utc("2026-03-26 00:00") + shift  # spans the March DST changes
    over = (lo, lo + days(3))
    starts = np.arange(*over, dtype=np.int64)
    open_index = np.searchsorted(sla.opens, starts, side="right") - 1
    in_hours = starts[(open_index >= 0) & (starts < sla.closes[np.maximum(open_index, 0)])]
    if in_hours.size == 0:
        with pytest.raises(ValueError, match="no service hours"):
            compare_thresholds(sla, sla_threshold, ola, ola_threshold, over=over)
        return
    margin = advance(sla, in_hours, sla_threshold) - advance(ola, in_hours, ola_threshold)
    result = compare_thresholds(sla, sla_threshold, ola, ola_threshold, over=over)
    assert result.worst_margin == int(margin.min())
    assert result.worst_start == int(in_hours[np.argmin(margin)])
    wallclock = advance(sla, in_hours, sla_threshold) - in_hours
    assert result.sla_worst_wallclock == int(wallclock.max())
