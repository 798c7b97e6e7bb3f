"""Credits, costs and a change's impact on the evaluated Northwind demo (2026-11-30)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.evaluation.models import PeriodResult
from accord.governance.change_file import Change
from accord.governance.credits import credits_report
from accord.governance.impact import assess_change

NOVEMBER_S = 30 * 86_400  # Europe/London keeps GMT all November


def test_demo_credits_costs_and_impact(demo_estate: datetime) -> None:
    september = credits_report("2026-09")
    lines = {c.agreement: c for c in september.credits}
    # retail: availability 99.86 % (below 99.9 → 5 %) and p1-resolution 87.5 % (below 90 →
    # 5 %), each 5 % of 12,000 GBP; cumulus: 99.86 % below 99.95 → 10 % of 8,000 GBP.
    assert lines["retail-online-store-sla"].amount == 1200
    assert lines["retail-online-store-sla"].party == "retail-division"
    assert lines["cumulus-hosting-uc"].amount == 800
    assert lines["cumulus-hosting-uc"].direction == "receivable"
    assert lines["logistics-warehouse-sla"].amount == 0
    assert [(c.service, c.amount) for c in september.costs or []] == [
        ("online-store", 4000.0),
        ("warehouse-system", 4000.0),
    ]
    assert credits_report("2026-11").costs == []  # cumulus ended on 2026-09-30

    # One more hour of online-store down after as_of, on top of November's stored 2040 s.
    stored = PeriodResult.objects.get(
        agreement__name="retail-online-store-sla", target_name="availability", period="2026-11"
    )
    change = Change(
        ("online-store",),
        datetime(2026, 11, 30, 13, tzinfo=UTC),
        datetime(2026, 11, 30, 14, tzinfo=UTC),
    )
    report = assess_change(change)
    [t] = report.targets
    assert t.downtime_s == 3600 and t.downtime_before_s == stored.downtime_s
    assert t.period_scheduled_s == NOVEMBER_S and stored.unknown_s == 0
    assert t.budget_s == pytest.approx(2592)
    assert t.budget_consumed == pytest.approx((stored.downtime_s + 3600) / 2592)
    assert t.projected == pytest.approx(100 - (stored.downtime_s + 3600) / NOVEMBER_S * 100)
    assert t.projected < 99.9 and t.recommendation == "will breach"
    # p1-resolution already earns 600 GBP; the change adds the availability band's 600.
    assert (t.credit_before, t.credit_after) == (pytest.approx(600), pytest.approx(1200))
    assert report.credits_at_stake == {"GBP owed": 600.0}
