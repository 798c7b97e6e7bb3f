"""Periods (SEMANTICS §1, §4): calendar periods in a time zone across DST, labels, rolling."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from accord.engine.periods import (
    Period,
    PeriodSpec,
    current_period,
    local_to_utc,
    parse_period_label,
    parse_period_spec,
    period_containing,
    periods_overlapping,
    rolling_window,
)

HOUR = 3600
DAY = 86_400


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


LABELS = [
    # label, zone, start (UTC), end (UTC), length in hours
    ("2026-03", "Europe/London", "2026-03-01T00:00", "2026-03-31T23:00", 31 * 24 - 1),  # BST
    ("2026-10", "Europe/London", "2026-09-30T23:00", "2026-11-01T00:00", 31 * 24 + 1),  # GMT
    ("2026-Q1", "Europe/London", "2026-01-01T00:00", "2026-03-31T23:00", 90 * 24 - 1),
    ("2026-Q4", "Europe/London", "2026-09-30T23:00", "2027-01-01T00:00", 92 * 24 + 1),
    ("2026", "Europe/London", "2026-01-01T00:00", "2027-01-01T00:00", 365 * 24),
    # Brazil kept DST until 2019: it started at local midnight, which did not exist.
    ("2018-11", "America/Sao_Paulo", "2018-11-01T03:00", "2018-12-01T02:00", 30 * 24 - 1),
    ("2019-02", "America/Sao_Paulo", "2019-02-01T02:00", "2019-03-01T03:00", 28 * 24 + 1),
    ("2019-Q1", "America/Sao_Paulo", "2019-01-01T02:00", "2019-04-01T03:00", 90 * 24 + 1),
    ("2026-02", "UTC", "2026-02-01T00:00", "2026-03-01T00:00", 28 * 24),
]


@pytest.mark.parametrize(("label", "zone", "start", "end", "hours"), LABELS)
def test_calendar_periods_across_dst(
    label: str, zone: str, start: str, end: str, hours: int
) -> None:
    period = parse_period_label(label, zone)
    assert period == Period(label, utc(start), utc(end))
    assert period.duration_s == hours * HOUR


def test_local_midnight_in_a_gap_is_the_first_instant_after_it() -> None:
    # 2018-11-04 00:00 never happened in São Paulo: clocks jumped to 01:00 (−02:00).
    assert local_to_utc(date(2018, 11, 4), "America/Sao_Paulo") == utc("2018-11-04T03:00")
    london = "Europe/London"
    assert local_to_utc(date(2026, 3, 29), london, hour=1, minute=30) == utc("2026-03-29T01:00")
    # An ambiguous local time is its first occurrence (still BST).
    assert local_to_utc(date(2026, 10, 25), london, hour=1, minute=30) == utc("2026-10-25T00:30")


def test_period_containing_an_instant_uses_local_boundaries() -> None:
    london = "Europe/London"
    assert period_containing("month", utc("2026-03-31T22:59:59"), london).label == "2026-03"
    assert period_containing("month", utc("2026-03-31T23:00"), london).label == "2026-04"
    assert period_containing("quarter", utc("2026-05-17T12:00"), london).label == "2026-Q2"
    assert period_containing("year", utc("2026-12-31T23:59:59"), london).label == "2026"
    assert (
        period_containing("month", utc("2019-02-28T23:30"), "America/Sao_Paulo").label == "2019-02"
    )


def test_periods_overlapping_a_range() -> None:
    found = periods_overlapping(
        "month", utc("2026-01-15T00:00"), utc("2026-04-01T00:00"), "Europe/London"
    )
    assert [p.label for p in found] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert all(a.end == b.start for a, b in pairwise(found))
    assert periods_overlapping("year", 10, 10) == []


def test_rolling_windows_end_at_as_of() -> None:
    as_of = utc("2026-03-15T12:00")
    window = rolling_window(28 * DAY, as_of)
    assert (window.start, window.end) == (as_of - 28 * DAY, as_of)
    assert window.label == "28d to 2026-03-15T12:00:00Z"
    assert current_period(parse_period_spec({"rolling": "28d"}), as_of) == window
    assert current_period(PeriodSpec("month"), as_of, "UTC").label == "2026-03"


def test_specs_and_nominal_lengths() -> None:
    assert parse_period_spec("month") == PeriodSpec("month")
    assert parse_period_spec("rolling: 7d") == PeriodSpec("rolling", 7 * DAY)
    assert [PeriodSpec(k).nominal_s // DAY for k in ("month", "quarter", "year")] == [30, 90, 365]
    assert PeriodSpec("rolling", 28 * DAY).nominal_s == 28 * DAY


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "26-01", "March 2026", ""])
def test_bad_labels_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not a period label"):
        parse_period_label(bad)


def test_bad_specs_are_rejected() -> None:
    with pytest.raises(ValueError, match="not a period"):
        parse_period_spec("week")
    with pytest.raises(ValueError, match="rolling"):
        parse_period_spec({"every": "28d"})
    with pytest.raises(ValueError, match="calendar period"):
        period_containing("rolling", 0)
