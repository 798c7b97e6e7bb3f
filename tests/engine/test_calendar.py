"""Calendars: hand-worked cases (DST both ways, exceptions, overrides) and properties."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.calendar import (
    TWENTY_FOUR_SEVEN,
    CalendarOverride,
    CalendarSpec,
    advance,
    business_seconds,
    compile_calendar,
    cumulative,
    opening_intervals,
    weekly_hours,
)
from accord.engine.calendar_lookup import NO_INSTANT
from tests.engine import reference_clocks as ref
from tests.engine.reference_clocks import calendars, days, local, utc

H = 3600
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = weekly_hours({day: ["08:00-18:00"] for day in WORKDAYS})
EVERY_DAY = (((0, 1440),),) * 7


def london(weekly: tuple[tuple[tuple[int, int], ...], ...] = OFFICE, **kw: object) -> CalendarSpec:
    return CalendarSpec("Europe/London", weekly, **kw)  # type: ignore[arg-type]


def sundays(text: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    return weekly_hours({"sun": [text]})


def intervals(spec: CalendarSpec, lo: str, hi: str) -> list[tuple[int, int]]:
    cal = compile_calendar(spec, utc(lo), utc(hi))
    return list(zip(cal.opens.tolist(), cal.closes.tolist(), strict=True))


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/London", "2026-03-29", 23),  # spring forward
        ("Europe/London", "2026-10-25", 25),  # fall back
        ("Europe/London", "2026-03-28", 24),
        ("America/Sao_Paulo", "2018-11-04", 23),  # DST starts at midnight
        ("America/Sao_Paulo", "2019-02-16", 25),  # 23:00-24:00 happens twice
        ("Australia/Lord_Howe", "2026-04-05", 24.5),  # a half-hour DST
    ],
)
def test_a_whole_local_day_is_real_elapsed_seconds(zone: str, day: str, hours: float) -> None:
    spec = CalendarSpec(zone, EVERY_DAY)
    the_day = date.fromisoformat(day)
    cal = compile_calendar(spec, utc(day) - days(3), utc(day) + days(3))
    lo = local(f"{the_day - timedelta(days=1)} 23:59", zone) + 60
    hi = local(f"{the_day + timedelta(days=1)} 00:01", zone) - 60
    assert int(business_seconds(cal, lo, hi)) == hours * H


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        # 01:30 does not exist on 2026-03-29: it opens at the first instant after the gap
        (sundays("01:30-04:00"), [("2026-03-29 01:00", "2026-03-29 03:00")]),
        (sundays("01:15-01:45"), []),  # wholly inside the gap
        (sundays("00:30-03:00"), [("2026-03-29 00:30", "2026-03-29 02:00")]),
    ],
)
def test_london_spring_forward_nonexistent_times(weekly, expected) -> None:  # type: ignore[no-untyped-def]
    got = intervals(london(weekly), "2026-03-28 00:00", "2026-03-30 00:00")
    assert got == [(utc(a), utc(b)) for a, b in expected]


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        # 01:30 happens twice on 2026-10-25: its first occurrence is 00:30 UTC (BST)
        (sundays("01:30-03:00"), [("2026-10-25 00:30", "2026-10-25 03:00")]),
        (sundays("00:00-01:30"), [("2026-10-24 23:00", "2026-10-25 00:30")]),
        # ends at 02:00 GMT, so it spans both passes through 01:30-02:00
        (sundays("01:30-02:00"), [("2026-10-25 00:30", "2026-10-25 02:00")]),
    ],
)
def test_london_fall_back_ambiguous_times(weekly, expected) -> None:  # type: ignore[no-untyped-def]
    got = intervals(london(weekly), "2026-10-24 00:00", "2026-10-26 00:00")
    assert got == [(utc(a), utc(b)) for a, b in expected]


def test_a_skipped_local_day_has_no_hours() -> None:
    spec = CalendarSpec("Pacific/Apia", weekly_hours({"fri": ["09:00-17:00"]}))
    assert intervals(spec, "2011-12-26 00:00", "2012-01-06 00:00") == [
        (utc("2012-01-05 19:00"), utc("2012-01-06 00:00"))  # Friday 6 Jan, cut at the range end
    ]  # Friday 30 December 2011 never happened in Samoa


def test_sao_paulo_midnight_that_does_not_exist() -> None:
    spec = CalendarSpec("America/Sao_Paulo", weekly_hours({"sun": ["00:00-06:00"]}))
    got = intervals(spec, "2018-11-03 00:00", "2018-11-06 00:00")
    assert got == [(utc("2018-11-04 03:00"), utc("2018-11-04 08:00"))]  # 01:00-06:00 at -02


def test_sao_paulo_repeated_hour_opens_at_first_occurrence() -> None:
    spec = CalendarSpec("America/Sao_Paulo", weekly_hours({"sat": ["23:30-24:00"]}))
    got = intervals(spec, "2019-02-15 00:00", "2019-02-18 00:00")
    assert got == [(utc("2019-02-17 01:30"), utc("2019-02-17 03:00"))]


def test_office_hours_follow_the_local_clock_across_dst() -> None:
    got = intervals(london(), "2026-03-27 00:00", "2026-03-31 00:00")
    assert got == [
        (utc("2026-03-27 08:00"), utc("2026-03-27 18:00")),  # GMT
        (utc("2026-03-30 07:00"), utc("2026-03-30 17:00")),  # BST
    ]


# --------------------------------------------------------------------------- shapes of hours


def test_24_00_joins_midnight_with_the_next_day() -> None:
    spec = london(weekly_hours({"mon": ["18:00-24:00"], "tue": ["00:00-02:00"]}))
    got = intervals(spec, "2026-01-05 00:00", "2026-01-07 00:00")
    assert got == [(utc("2026-01-05 18:00"), utc("2026-01-06 02:00"))]


def test_several_intervals_a_day() -> None:
    spec = london(weekly_hours({day: ["08:00-12:00", "13:00-17:00"] for day in WORKDAYS}))
    cal = compile_calendar(spec, utc("2026-01-05 00:00"), utc("2026-01-10 00:00"))
    monday = utc("2026-01-05 00:00")
    assert int(business_seconds(cal, monday, monday + days(1))) == 8 * H
    assert int(cumulative(cal, utc("2026-01-05 12:30"))) == 4 * H
    assert int(cumulative(cal, utc("2026-01-05 13:30"))) == 4 * H + 1800
    assert int(advance(cal, utc("2026-01-05 11:00"), H)) == utc("2026-01-05 13:00")


def test_holidays_and_dated_exceptions() -> None:
    spec = london(
        closed_dates=frozenset({date(2026, 4, 3), date(2026, 4, 6)}),  # Good Friday, Easter Monday
        extra_open=((date(2026, 4, 4), 600, 840), (date(2026, 4, 6), 600, 660)),
        extra_closed=((date(2026, 4, 7), 480, 720),),
    )
    got = intervals(spec, "2026-04-02 00:00", "2026-04-08 00:00")
    assert got == [
        (utc("2026-04-02 07:00"), utc("2026-04-02 17:00")),
        (utc("2026-04-04 09:00"), utc("2026-04-04 13:00")),  # extra Saturday opening
        (utc("2026-04-06 09:00"), utc("2026-04-06 10:00")),  # extra hour on a holiday
        (utc("2026-04-07 11:00"), utc("2026-04-07 17:00")),  # morning closed
    ]


def test_temporary_24x7_override_inside_office_hours() -> None:
    override = CalendarOverride(
        utc("2026-01-06 12:00"), utc("2026-01-07 12:00:30"), TWENTY_FOUR_SEVEN
    )
    got = intervals(london(overrides=(override,)), "2026-01-05 00:00", "2026-01-09 00:00")
    assert got == [
        (utc("2026-01-05 08:00"), utc("2026-01-05 18:00")),
        (utc("2026-01-06 08:00"), utc("2026-01-07 18:00")),  # extended through the night
        (utc("2026-01-08 08:00"), utc("2026-01-08 18:00")),
    ]


def test_reduced_hours_override_with_seconds_precision() -> None:
    reduced = london(weekly_hours({day: ["10:00-12:00"] for day in WORKDAYS}))
    override = CalendarOverride(utc("2026-01-06 00:00"), utc("2026-01-06 11:00:30"), reduced)
    cal = compile_calendar(
        london(overrides=(override,)), utc("2026-01-06 00:00"), utc("2026-01-07 00:00")
    )
    assert list(zip(cal.opens.tolist(), cal.closes.tolist(), strict=True)) == [
        (utc("2026-01-06 10:00"), utc("2026-01-06 18:00")),
    ]
    assert int(cumulative(cal, utc("2026-01-06 11:00:30"))) == H + 30


def test_always_open() -> None:
    cal = compile_calendar(TWENTY_FOUR_SEVEN, 1_000, 1_000_000)
    assert business_seconds(cal, [1_000, 5_000], [2_000, 4_000]).tolist() == [1_000, 0]
    assert advance(cal, 1_000, 10).tolist() == 1_010
    assert int(advance(cal, 999_990, 10)) == NO_INSTANT  # beyond the compiled range


# --------------------------------------------------------------------------- queries


def test_threshold_reached_at_closing_advances_to_next_opening() -> None:
    cal = compile_calendar(london(), utc("2026-01-05 00:00"), utc("2026-01-20 00:00"))
    monday_8 = utc("2026-01-05 08:00")
    assert int(advance(cal, monday_8, 10 * H)) == utc("2026-01-06 08:00")
    assert int(advance(cal, monday_8, 10 * H - 1)) == utc("2026-01-05 17:59:59")
    friday = utc("2026-01-09 17:00")
    assert int(advance(cal, friday, H)) == utc("2026-01-12 08:00")
    assert int(advance(cal, utc("2026-01-10 12:00"), 0)) == utc("2026-01-12 08:00")


def test_queries_outside_the_range_are_clamped() -> None:
    cal = compile_calendar(london(), utc("2026-01-05 00:00"), utc("2026-01-06 00:00"))
    assert cumulative(cal, [0, utc("2026-01-05 09:00"), NO_INSTANT]).tolist() == [0, H, 10 * H]
    assert int(business_seconds(cal, utc("2026-01-05 10:00"), utc("2026-01-05 09:00"))) == 0


def test_opening_intervals_are_clipped() -> None:
    cal = compile_calendar(london(), utc("2026-01-05 00:00"), utc("2026-01-10 00:00"))
    opens, closes = opening_intervals(cal, utc("2026-01-05 12:00"), utc("2026-01-07 09:00"))
    assert opens.tolist() == [
        utc("2026-01-05 12:00"),
        utc("2026-01-06 08:00"),
        utc("2026-01-07 08:00"),
    ]
    assert closes.tolist() == [
        utc("2026-01-05 18:00"),
        utc("2026-01-06 18:00"),
        utc("2026-01-07 09:00"),
    ]


def test_ten_years_compile_to_the_expected_hours() -> None:
    cal = compile_calendar(london(), utc("2016-01-01 00:00"), utc("2026-01-01 00:00"))
    assert cal.opens.size == 2609  # weekdays in 2016..2025
    assert cal.total_open == 2609 * 10 * H


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": ((),) * 6}, "7 days"),
        ({"weekly": (((600, 500),),) + ((),) * 6}, "0 <= start < end <= 1440"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_bad_specs_are_rejected(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"timezone": "UTC", "weekly": OFFICE, **kwargs}
    with pytest.raises(ValueError, match=message):
        compile_calendar(CalendarSpec(**fields), 0, days(7))  # type: ignore[arg-type]


def test_weekly_hours_rejects_unknown_days() -> None:
    with pytest.raises(ValueError, match="unknown weekday"):
        weekly_hours({"monday": ["08:00-18:00"]})


# --------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(calendars(), st.data())
def test_compiled_calendar_matches_the_reference(
    case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    spec, lo, hi = case
    cal = compile_calendar(spec, lo, hi)
    expected = ref.open_intervals(spec, lo, hi)
    assert list(zip(cal.opens.tolist(), cal.closes.tolist(), strict=True)) == expected
    times = np.array(data.draw(st.lists(st.integers(lo - 100, hi + 100), min_size=1, max_size=30)))
    counted = cumulative(cal, times)
    assert counted.tolist() == [ref.business_seconds(expected, lo, int(t)) for t in times]
    budget = np.array(
        data.draw(st.lists(st.integers(0, days(3)), min_size=times.size, max_size=times.size))
    )
    reached = advance(cal, times, budget)
    for t, b, u in zip(times.tolist(), budget.tolist(), reached.tolist(), strict=True):
        walk = ref.crossing(ref.clip(expected, max(t, lo), hi), b)
        assert u == (NO_INSTANT if walk is None else walk)


@settings(max_examples=40, deadline=None)
@given(calendars(), st.data())
def test_business_seconds_is_additive_and_monotone(
    case: tuple[CalendarSpec, int, int], data: st.DataObject
) -> None:
    spec, lo, hi = case
    cal = compile_calendar(spec, lo, hi)
    a, b, c = sorted(data.draw(st.lists(st.integers(lo, hi), min_size=3, max_size=3)))
    assert int(business_seconds(cal, a, c)) == int(
        business_seconds(cal, a, b) + business_seconds(cal, b, c)
    )
    grid = np.sort(
        np.array(data.draw(st.lists(st.integers(lo - 10, hi + 10), min_size=2, max_size=50)))
    )
    assert (np.diff(cumulative(cal, grid)) >= 0).all()
