"""The early-warning rules on hand-made evaluation results (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from accord.alerts.inputs import BurnRateInput, WarningInstant, burn_rate_inputs
from accord.alerts.rules import burn_condition, evaluate_rules, period_alerts, ticket_alerts
from accord.engine.budget import evaluate_burn_rate_alerts
from accord.engine.ledger import ledger_from_counts
from tests.alerts.conftest import T0, open_clock, running_period

DAY = timedelta(days=1)
MAX_AGE = DAY


def test_ticket_warnings_fire_at_their_instants_and_the_next_one_is_scheduled() -> None:
    clock = open_clock(T0)
    outcome = ticket_alerts(clock, as_of=T0, max_age=MAX_AGE)
    by_label = {a.figures["warning"]: a for a in outcome.alerts}
    assert sorted(by_label) == ["30m before breach", "50%", "75%"]
    start = T0 - timedelta(hours=3, minutes=30)
    assert by_label["50%"].occurred_at == start + timedelta(hours=2)
    assert by_label["75%"].occurred_at == start + timedelta(hours=3)
    assert by_label["30m before breach"].occurred_at == T0
    assert {a.kind for a in outcome.alerts} == {"ticket-warning"}
    # The 100 % warning and the breach are 30 minutes ahead: wake up then.
    assert outcome.next_due == T0 + timedelta(minutes=30)
    assert outcome.next_due == clock.warnings[2].at
    warning = by_label["75%"]
    assert warning.dedupe_key == "ticket-warning|retail-sla|p1-resolution|servicenow:INC0001|75%"
    assert warning.figures["percent_elapsed"] == 87.5
    assert warning.figures["threshold_s"] == 4 * 3600
    assert "INC0001 has used 75 % of its 4h" in warning.message
    assert "breach due 2026-03-02 09:30 UTC" in warning.message


def test_default_warning_percentages_come_from_the_evaluation_instants() -> None:
    # The instants are the engine's; the rule only decides which are due and new.
    later = ticket_alerts(open_clock(T0), as_of=T0 + timedelta(minutes=30), max_age=MAX_AGE)
    labels = sorted(a.figures["warning"] for a in later.alerts)
    assert labels == ["100%", "30m before breach", "50%", "75%"]
    # At the breach instant elapsed equals the threshold; it exceeds it a second later.
    assert later.next_due == T0 + timedelta(minutes=30, seconds=1)


def test_a_predicted_breach_is_noticed_once_its_instant_passes_without_new_data() -> None:
    clock = open_clock(T0)
    outcome = ticket_alerts(clock, as_of=T0 + timedelta(minutes=31), max_age=MAX_AGE)
    (notice,) = outcome.alerts  # the breach only; the late warnings add nothing
    assert notice.kind == "ticket-breach" and notice.occurred_at == clock.breach_at
    assert notice.figures["predicted"] is True and outcome.next_due is None


def test_old_warnings_and_stopped_clocks_do_not_alert() -> None:
    weeks_later = T0 + 3 * 7 * DAY
    clock = open_clock(T0, breach_at=None, warnings=(WarningInstant(T0, percent=50),))
    assert ticket_alerts(clock, as_of=weeks_later, max_age=MAX_AGE).alerts == []
    met = open_clock(T0, status="met", running=False)
    assert ticket_alerts(met, as_of=T0, max_age=MAX_AGE).alerts == []
    excluded = open_clock(T0, status="excluded", running=False)
    assert ticket_alerts(excluded, as_of=T0, max_age=MAX_AGE).alerts == []


def test_a_breached_clock_gets_one_breach_notice_and_no_late_warnings() -> None:
    breached = open_clock(T0, status="breached", breach_at=T0 - timedelta(minutes=5))
    (notice,) = ticket_alerts(breached, as_of=T0, max_age=MAX_AGE).alerts
    assert notice.kind == "ticket-breach" and notice.severity == "critical"
    assert notice.occurred_at == T0 - timedelta(minutes=5)
    assert notice.dedupe_key == "ticket-breach|retail-sla|p1-resolution|servicenow:INC0001"
    history = replace(breached, breach_at=T0 - 30 * DAY)
    assert ticket_alerts(history, as_of=T0, max_age=MAX_AGE).alerts == []


def test_period_at_risk_by_consumed_budget_default_and_configured_levels() -> None:
    (risk,) = period_alerts(running_period(consumed=0.8), as_of=T0, max_age=MAX_AGE).alerts
    assert risk.kind == "period-at-risk" and risk.figures["level_percent"] == 75
    assert risk.figures["consumed"] == 0.8 and risk.figures["remaining"] == 0.19999999999999996
    assert "80 % of the error budget consumed" in risk.message
    assert risk.dedupe_key == (
        "period-at-risk|retail-sla|availability|online-store|2026-03|budget>=75%"
    )
    calm = running_period(consumed=0.74, status="met")
    assert period_alerts(calm, as_of=T0, max_age=MAX_AGE).alerts == []
    levels = running_period(consumed=0.6, warn_at=(50.0, 90.0))
    raised = period_alerts(levels, as_of=T0, max_age=MAX_AGE).alerts
    assert [a.figures["level_percent"] for a in raised] == [50.0]


def test_period_at_risk_by_forecast() -> None:
    period = running_period(
        consumed=0.3,
        forecast=99.85,
        forecast_assumption="Assumes the remaining 20d of scheduled time has downtime at …",
    )
    (alert,) = period_alerts(period, as_of=T0, max_age=MAX_AGE).alerts
    assert alert.kind == "forecast-at-risk" and alert.occurred_at == T0
    assert alert.figures["forecast"] == 99.85 and alert.figures["objective"] == 99.9
    assert "forecast to end at 99.85 %" in alert.message
    assert "Assumes the remaining" in alert.message
    on_track = replace(period, forecast=99.95)
    assert period_alerts(on_track, as_of=T0, max_age=MAX_AGE).alerts == []


def test_period_breach_notices() -> None:
    ended = running_period(finished=True, status="breached", attainment=99.5, consumed=5.0)
    at_end = ended.period_end + timedelta(minutes=10)
    (notice,) = period_alerts(ended, as_of=at_end, max_age=MAX_AGE).alerts
    assert notice.kind == "period-breach" and notice.occurred_at == ended.period_end
    assert "ended at 99.5 % against an objective of 99.9 %" in notice.message
    assert period_alerts(ended, as_of=at_end + 60 * DAY, max_age=MAX_AGE).alerts == []
    running = running_period(status="breached", consumed=1.2)
    (early,) = period_alerts(running, as_of=T0, max_age=MAX_AGE).alerts  # no at-risk besides
    assert early.kind == "period-breach" and "can no longer meet" in early.message


def steady_with_spike(spike_errors: float) -> tuple[np.ndarray, ...]:
    """Four days of 1-minute buckets at 0.05 % errors, then `spike_errors` for 20 minutes."""
    starts = np.arange(0, 4 * 86_400, 60)
    total = np.full(starts.size, 1000.0)
    bad = np.full(starts.size, 0.5)
    bad[-20:] = spike_errors * 1000
    return starts, starts + 60, total - bad, total


def test_burn_rate_page_fires_from_the_engine_figures() -> None:
    ledger = ledger_from_counts(*steady_with_spike(0.05))
    engine = evaluate_burn_rate_alerts(ledger, objective=99.9, as_of=4 * 86_400)
    period = running_period(consumed=0.2, status="met", burn_rates=burn_rate_inputs(engine))
    outcome = period_alerts(period, as_of=T0, max_age=MAX_AGE)
    (page,) = outcome.alerts
    assert page.kind == "burn-rate-page" and page.severity == "critical"
    assert page.figures["long_window_s"] == 3600 and page.figures["short_window_s"] == 300
    assert page.figures["factor"] == 14.4
    assert page.figures["long_burn"] == pytest.approx(17)
    assert page.figures["short_burn"] == pytest.approx(50)
    assert page.condition == burn_condition(period, "page", 3600, 300)
    assert page.dedupe_key == f"{page.condition}|{T0.isoformat()}"
    assert "1h/5m" in page.condition and "2026-03" not in page.condition
    assert len(outcome.cleared) == 3  # the other pairs were evaluated and are quiet


def test_burn_rate_ticket_severity_and_infinite_burn_is_json_safe() -> None:
    pair = BurnRateInput("ticket", 86_400, 7_200, 3.0, float("inf"), 4.0, firing=True)
    period = running_period(objective=100.0, consumed=None, status="met", burn_rates=(pair,))
    (alert,) = period_alerts(period, as_of=T0, max_age=MAX_AGE).alerts
    assert alert.kind == "burn-rate-ticket" and alert.severity == "warning"
    assert alert.figures["long_burn"] == "inf" and "∞× over 1d" in alert.message


def test_evaluate_rules_collects_everything_and_the_earliest_next_instant() -> None:
    outcome = evaluate_rules(
        clocks=[open_clock(T0), open_clock(T0 - timedelta(minutes=20), ticket="sn/INC0002")],
        periods=[running_period()],
        as_of=T0,
        max_age=MAX_AGE,
    )
    assert len(outcome.alerts) == 3 + 3 + 1
    assert outcome.next_due == T0 + timedelta(minutes=10)  # INC0002's 100 % warning
