"""End-of-period forecasts (SEMANTICS §7): the number and the assumption beside it."""

from __future__ import annotations

import pytest

from accord.engine.availability import Outages, SubjectIntervals, availability
from accord.engine.dependencies import build_dependency_graph
from accord.engine.forecast import (
    forecast_availability,
    forecast_events,
    forecast_timeslices,
    project,
)
from accord.engine.intervals import IntervalSet
from accord.engine.ledger import Ledger, ledger_from_clocks

DAY, MINUTE = 86_400, 60
MARCH_1 = 1_772_323_200  # 2026-03-01T00:00Z
APRIL_1 = MARCH_1 + 31 * DAY
MAY_1 = APRIL_1 + 30 * DAY
AS_OF = APRIL_1 + 10 * DAY  # ten days into April


def test_availability_worked_example() -> None:
    """36 min down on 20 March and 20 min on 5 April; as of 11 April (24x7, UTC).

    Trailing 28 days: 56 min in 28 days = 2 min a day, so the remaining 20 days are
    assumed to bring 40 min: 60 min in April's 43,200 → 99.8611 %.
    """
    graph = build_dependency_graph({"svc": []})
    outages = Outages.of(
        [0, 0],
        [MARCH_1 + 19 * DAY, APRIL_1 + 4 * DAY],
        [MARCH_1 + 19 * DAY + 36 * MINUTE, APRIL_1 + 4 * DAY + 20 * MINUTE],
    )
    result = availability(
        graph,
        outages,
        SubjectIntervals.none(),
        opening=IntervalSet.of([MARCH_1], [MAY_1]),
        periods=([APRIL_1], [MAY_1]),
        as_of=AS_OF,
        exclude_planned=True,
        window=(MARCH_1, MAY_1),
    )
    rest = int(result.period_scheduled_s[0, 0] - result.scheduled_s[0, 0])
    forecast = forecast_availability(
        result.ledger_of("svc"), period=(APRIL_1, MAY_1), as_of=AS_OF, rest_scheduled_s=rest
    )
    assert forecast.attainment == pytest.approx((43_200 - 60) / 43_200 * 100)
    assert forecast.assumption == (
        "Assumes the remaining 20d of scheduled time has downtime at the trailing 28-day "
        "rate of 0.139 %."
    )


def test_ticket_worked_example() -> None:
    """March 14-31: 30 met, 4 breached; April 1-10: 18 met, 2 breached; as of 11 April.

    Trailing 28 days: 54 clocks, 6 breached. The remaining 20 days bring 54 × 20/28 clocks
    with 6/54 breached: (20 + 270/7) counted, (2 + 30/7) breached → 366/410 met.
    """
    march, april = MARCH_1 + 14 * DAY, APRIL_1 + DAY
    met = [march + i * 3600 for i in range(30)] + [april + i * 3600 for i in range(18)]
    breached = [march + i * 7200 for i in range(4)] + [april + i * 7200 for i in range(2)]
    forecast = forecast_events(
        ledger_from_clocks(met, breached), period=(APRIL_1, MAY_1), as_of=AS_OF, noun="clocks"
    )
    assert forecast.attainment == pytest.approx(366 / 410 * 100)
    assert forecast.assumption == (
        "Assumes the remaining 20d bring the trailing 28-day volume (54 clocks per 28 days, "
        "so 39 more) with its mix of 11.1 % bad."
    )


def test_without_trailing_events_the_rest_brings_none() -> None:
    ledger = ledger_from_clocks([], [])
    forecast = forecast_events(ledger, period=(APRIL_1, MAY_1), as_of=AS_OF)
    assert forecast.attainment is None
    assert forecast.assumption.startswith("No events in the trailing 28 days")


def test_a_finished_period_forecasts_its_final_attainment() -> None:
    ledger = ledger_from_clocks([APRIL_1 + DAY] * 9, [APRIL_1 + DAY])
    forecast = forecast_events(ledger, period=(APRIL_1, MAY_1), as_of=MAY_1 + DAY)
    assert forecast.attainment == 90.0 and "ended" in forecast.assumption


def test_timeslices_forecast() -> None:
    bad = ledger_from_clocks([], [])  # no bad slices
    ledger = Ledger(bad.bad, ledger_from_clocks(list(range(100)), []).total)
    forecast = forecast_timeslices(ledger, period=(0, 1000), as_of=100, rest_slices=900)
    assert forecast.attainment == 100.0 and "remaining 900 slices" in forecast.assumption


def test_project() -> None:
    assert (
        project(bad_so_far=1, total_so_far=10, trailing_bad=1, trailing_total=10, rest_total=10)
        == 90.0
    )
    assert (
        project(bad_so_far=0, total_so_far=0, trailing_bad=0, trailing_total=0, rest_total=0)
        is None
    )
