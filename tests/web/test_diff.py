"""The pure pieces of the pages: version differences, service hours, sparklines."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.agreements.models import Calendar
from accord.web.agreement_page import describe_hours
from accord.web.burndown import instants
from accord.web.diff import Change, Snapshot, diff_versions
from accord.web.sparkline import Point, describe, sparkline

OLD = Snapshot(
    number=1,
    terms={"service_hours": "uk-office-hours", "period": "month", "charges": "12,000 GBP"},
    targets={
        "availability": {"metric": "availability", "objective": "99.9 %", "within": ""},
        "p1-resolution": {"metric": "resolution", "objective": "90 %", "within": "4h"},
        "checkout-success": {"metric": "ratio", "objective": "99.5 %"},
    },
)


def test_diff_names_terms_and_targets_added_removed_and_changed() -> None:
    new = Snapshot(
        number=2,
        terms={"service_hours": "24x7", "period": "month", "charges": "12,000 GBP"},
        targets={
            "availability": {"metric": "availability", "objective": "99.95 %", "within": ""},
            "p1-resolution": {"metric": "resolution", "objective": "90 %", "within": "2h"},
            "p2-resolution": {"metric": "resolution", "objective": "90 %", "within": "8h"},
        },
    )
    changes = diff_versions(OLD, new)
    assert changes == [
        Change("changed", "term", "service hours", "", "uk-office-hours", "24x7"),
        Change("changed", "target", "availability", "objective", "99.9 %", "99.95 %"),
        Change("changed", "target", "p1-resolution", "within", "4h", "2h"),
        Change("added", "target", "p2-resolution", "", "", "resolution within 8h, objective 90 %"),
        Change("removed", "target", "checkout-success", "", "ratio, objective 99.5 %", ""),
    ]
    assert str(changes[0]) == "term service hours: uk-office-hours → 24x7"
    assert str(changes[3]) == "target p2-resolution added"


def test_identical_versions_have_no_difference() -> None:
    assert diff_versions(OLD, Snapshot(2, dict(OLD.terms), dict(OLD.targets))) == []


def test_a_field_set_or_cleared_counts_as_a_change() -> None:
    new = Snapshot(2, {**OLD.terms, "credit_cap": "25 %"}, {})
    changes = diff_versions(Snapshot(1, OLD.terms, {}), new)
    assert changes == [Change("changed", "term", "credit cap", "", "", "25 %")]
    assert str(changes[0]) == "term credit cap: (none) → 25 %"


def test_service_hours_are_described_by_day_groups() -> None:
    office = Calendar(
        name="office",
        timezone="Europe/Berlin",
        weekly=[[[360, 1320]]] * 5 + [[[360, 840]], []],
        holiday_country="DE",
    )
    assert describe_hours(office) == (
        "Mon–Fri 06:00–22:00; Sat 06:00–14:00 (Europe/Berlin), closed on DE public holidays"
    )
    always = Calendar(name="always", timezone="UTC", weekly=[[[0, 1440]]] * 7)
    assert describe_hours(always) == "24 × 7 (UTC)"


def test_sparkline_describes_and_draws_the_periods() -> None:
    points = [
        Point("2026-09", 99.95, "met"),
        Point("2026-10", None, "no_data"),
        Point("2026-11", 99.1, "breached"),
    ]
    text = describe(points, 99.9)
    assert text == (
        "Last 3 periods against 99.90 %: 1 met, 1 no data, 1 breached; lowest 99.10 % in 2026-11"
    )
    svg = str(sparkline(points, 99.9))
    assert svg.startswith('<svg class="sparkline"') and f"<title>{text}</title>" in svg
    assert svg.count("<circle") == 1 and 'class="pt-breached"' in svg  # dots where it matters
    assert 'class="objective"' in svg and "<polyline" in svg
    assert describe([], None) == "No periods evaluated yet"


def test_burndown_instants_end_at_as_of_and_fall_on_whole_hours() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    as_of = datetime(2026, 11, 30, 12, tzinfo=UTC)
    moments = instants(start, as_of, 16)
    assert len(moments) == 16 and moments[-1] == as_of
    assert all(m.minute == 0 and m.second == 0 for m in moments)
    assert moments == sorted(moments) and moments[0] > start
    assert instants(start, start) == [start]
