"""Error budgets, burn rates, alerts (SEMANTICS §6) and target status."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.budget import (
    Budget,
    burn_rate,
    burn_rate_rules,
    error_budget,
    evaluate_burn_rate_alerts,
    event_budget,
    firing_severities,
    time_budget,
)
from accord.engine.ledger import ledger_from_clocks, ledger_from_counts
from accord.engine.status import Status, period_status
from tests.engine.reference_availability import Scenario
from tests.engine.test_availability import run

MINUTE, HOUR, DAY = 60, 3600, 86_400
MONTH = 30 * DAY


def test_error_budget_and_consumption() -> None:
    assert error_budget(99.9) == 0.001 and error_budget(100) == 0.0
    spent = time_budget(objective=99.9, bad=2592, total=MONTH // 2, period_total=MONTH)
    assert spent.consumed == 1.0 and spent.remaining == 0.0  # exactly the whole budget
    half = time_budget(objective=99.9, bad=1296, total=MONTH // 2, period_total=MONTH)
    assert half.consumed == 0.5 and half.error_ratio == 1296 / (MONTH // 2)
    tickets = event_budget(objective=95, bad=1, total=10)
    assert tickets.consumed == 2.0 and tickets.remaining == -1.0  # may exceed the budget
    assert Budget(100, 1, 10, 10).consumed == math.inf and Budget(100, 0, 10, 10).consumed == 0
    assert event_budget(objective=95, bad=0, total=0).consumed is None
    with pytest.raises(ValueError, match="percentage"):
        error_budget(101)


@pytest.mark.parametrize(
    ("period_s", "factors"),
    [
        (30 * DAY, [14.4, 6.0, 3.0, 1.0]),  # the defaults
        (7 * DAY, [3.36, 1.4, 0.7, 0.7 / 3]),
        (90 * DAY, [43.2, 18.0, 9.0, 3.0]),  # a quarter (nominal 90 days)
    ],
    ids=["30 days", "7 days", "quarter"],
)
def test_burn_rate_table(period_s: int, factors: list[float]) -> None:
    rules = burn_rate_rules(period_s)
    assert [rule.factor for rule in rules] == pytest.approx(factors, rel=1e-12)
    assert [(r.severity, r.long_window_s, r.short_window_s, r.budget_percent) for r in rules] == [
        ("page", HOUR, 5 * MINUTE, 2),
        ("page", 6 * HOUR, 30 * MINUTE, 5),
        ("ticket", DAY, 2 * HOUR, 10),
        ("ticket", 3 * DAY, 6 * HOUR, 10),
    ]
    if period_s == 30 * DAY:
        assert [rule.factor for rule in rules] == factors  # exactly, not approximately


def steady_with_spike(spike_errors: float) -> tuple[np.ndarray, ...]:
    """Four days of 1-minute buckets: 0.05 % errors (burn 0.5 at 99.9 %), then
    `spike_errors` in the last 20 minutes."""
    starts = np.arange(0, 4 * DAY, MINUTE)
    total = np.full(starts.size, 1000.0)
    bad = np.full(starts.size, 0.5)
    bad[-20:] = spike_errors * 1000
    return starts, starts + MINUTE, total - bad, total


def test_burn_rate_over_a_window() -> None:
    ledger = ledger_from_counts(*steady_with_spike(0.05))
    assert burn_rate(ledger, objective=99.9, start=0, end=DAY) == pytest.approx(0.5)
    assert burn_rate(ledger, objective=99.9, start=4 * DAY - 600, end=4 * DAY) == pytest.approx(50)
    assert burn_rate(ledger, objective=99.9, start=5 * DAY, end=6 * DAY) is None


def test_multi_window_alerts_fire_only_when_both_windows_burn() -> None:
    as_of = 4 * DAY
    spike = evaluate_burn_rate_alerts(
        ledger_from_counts(*steady_with_spike(0.05)), objective=99.9, as_of=as_of
    )
    # 1 h: (40 × 0.5 + 20 × 50) / 60 = 17 > 14.4 and 5 m: 50 > 14.4 → page; the longer
    # windows dilute the spike below their factors (3.25 < 6, 1.19 < 3, 0.73 < 1).
    assert [alert.firing for alert in spike] == [True, False, False, False]
    assert spike[0].long_burn == pytest.approx(17) and spike[1].long_burn == pytest.approx(3.25)
    assert firing_severities(spike) == ("page",)
    quiet = evaluate_burn_rate_alerts(
        ledger_from_counts(*steady_with_spike(0.001)), objective=99.9, as_of=as_of
    )
    assert not any(alert.firing for alert in quiet) and firing_severities(quiet) == ()
    # The spike ended 30 minutes ago: the 5-minute window has recovered, so no page.
    recovered = evaluate_burn_rate_alerts(
        ledger_from_counts(*steady_with_spike(0.05)), objective=99.9, as_of=as_of + 30 * MINUTE
    )
    assert not recovered[0].firing


def test_ticket_clocks_count_met_at_stop_and_breached_at_breach() -> None:
    ledger = ledger_from_clocks(met_at=[10, 20, 30], breached_at=[25])
    bad, total = ledger.window([0, 0, 26], [100, 25, 100])
    assert bad.tolist() == [1.0, 0.0, 0.0] and total.tolist() == [4.0, 2.0, 1.0]
    assert burn_rate(ledger, objective=95, start=0, end=100) == pytest.approx(5.0)


def test_availability_budget_from_an_evaluation() -> None:
    scenario = Scenario(
        {"svc": []},
        [("svc", 0, 1296, 1.0)],
        opening=[(0, MONTH)],
        periods=[(0, MONTH)],
        as_of=MONTH // 2,
    )
    result = run(scenario)
    budget = time_budget(
        objective=99.9,
        bad=float(result.downtime_s[0, 0]),
        total=float(result.measured_s[0, 0]),
        period_total=float(result.budget_basis_s[0, 0]),
    )
    assert budget.consumed == 0.5


STATUS_CASES = [
    # attainment, finished, budget, time-based, forecast → status
    (None, False, None, True, None, Status.NO_DATA),
    (99.95, True, None, True, None, Status.MET),
    (99.9, True, None, True, None, Status.MET),  # exactly the objective is met
    (99.8, True, None, True, None, Status.BREACHED),
    (
        99.99,
        False,
        time_budget(objective=99.9, bad=10, total=1, period_total=MONTH),
        True,
        None,
        Status.MET,
    ),
    (
        99.9,
        False,
        time_budget(objective=99.9, bad=2000, total=1, period_total=MONTH),
        True,
        None,
        Status.AT_RISK,
    ),  # 77 % of the budget spent
    (
        99.9,
        False,
        time_budget(objective=99.9, bad=2600, total=1, period_total=MONTH),
        True,
        None,
        Status.BREACHED,
    ),  # the month's whole budget is already gone
    (
        99.9,
        False,
        time_budget(objective=99.9, bad=10, total=1, period_total=MONTH),
        True,
        99.85,
        Status.AT_RISK,
    ),  # the forecast falls short
    (90.0, False, event_budget(objective=95, bad=1, total=10), False, None, Status.AT_RISK),
]


@pytest.mark.parametrize(
    ("attainment", "finished", "budget", "time_based", "forecast", "status"), STATUS_CASES
)
def test_status(
    attainment: float | None,
    finished: bool,
    budget: Budget | None,
    time_based: bool,
    forecast: float | None,
    status: Status,
) -> None:
    assert (
        period_status(
            attainment=attainment,
            objective=99.9 if time_based else 95,
            finished=finished,
            budget=budget,
            time_based=time_based,
            forecast=forecast,
        )
        == status
    )


def test_at_risk_threshold_is_configurable() -> None:
    budget = time_budget(objective=99.9, bad=1296, total=1, period_total=MONTH)  # 50 %
    assert (
        period_status(
            attainment=99.95,
            objective=99.9,
            finished=False,
            budget=budget,
            time_based=True,
            at_risk_consumed=0.5,
        )
        == Status.AT_RISK
    )
    assert (
        period_status(
            attainment=99.95, objective=99.9, finished=False, budget=budget, time_based=True
        )
        == Status.MET
    )


outage = st.tuples(st.integers(0, 100), st.integers(1, 40), st.sampled_from([0.3, 0.5, 1.0]))


@settings(max_examples=100, deadline=None)
@given(st.lists(outage, max_size=6), outage, st.integers(1, 150))
def test_consumed_budget_never_falls_when_failures_are_added(
    outages: list[tuple[int, int, float]], added: tuple[int, int, float], as_of: int
) -> None:
    def consumed(spans: list[tuple[int, int, float]]) -> float:
        scenario = Scenario(
            {"app": ["db"], "db": []},
            [("db" if i % 2 else "app", a, a + d, w) for i, (a, d, w) in enumerate(spans)]
            + [("db", 0, 0, 1.0)],
            opening=[(0, 150)],
            periods=[(0, 150)],
            as_of=as_of,
        )
        result = run(scenario)
        i = result.names.index("app")
        value = time_budget(
            objective=90,
            bad=float(result.downtime_s[i, 0]),
            total=1,
            period_total=float(result.budget_basis_s[i, 0]),
        ).consumed
        assert value is not None
        return value

    assert consumed([*outages, added]) >= consumed(outages) - 1e-12


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 100), max_size=10),
    st.lists(st.integers(0, 100), max_size=10),
    st.integers(0, 100),
)
def test_ticket_budget_never_falls_when_a_breach_is_added(
    met: list[int], breached: list[int], added: int
) -> None:
    def consumed(breaches: list[int]) -> float:
        bad, total = ledger_from_clocks(met, breaches).window([0], [101])
        return event_budget(objective=95, bad=float(bad[0]), total=float(total[0])).consumed or 0.0

    assert consumed([*breached, added]) >= consumed(breached)
