"""Service improvement plans: status changes as events, and the measured attainment
before and after the plan's start, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from accord.reviews import services
from accord.reviews.models import Action, ImprovementPlan, StatusEvent
from accord.reviews.plans import plan_effects
from tests.reviews import review_support as world

pytestmark = pytest.mark.django_db


def test_before_and_after_the_start() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla")
    web_a, web_b = world.service("web-a"), world.service("web-b")
    world.results(shop, "p1-resolution",
                  [("2025-12", 50.0, "breached"), ("2026-01", 80.0, "breached"),
                   ("2026-02", 70.0, "breached"), ("2026-03", 90.0, "met"),
                   ("2026-04", 10.0, "breached"),  # runs across the start: neither side
                   ("2026-05", 95.0, "met"), ("2026-06", 100.0, "met"),
                   ("2026-07", 20.0, "breached")],  # running: not counted
                  objective=90, metric="resolution", running=["2026-07"])  # fmt: skip
    for subject, values in ((web_a, [99.0, 99.5]), (web_b, [98.0, 100.0])):
        world.results(shop, "availability",
                      [("2026-03", values[0], "met"), ("2026-05", values[1], "met")],
                      objective=99, subject=subject)  # fmt: skip
    plan = services.create_plan(
        title="Faster P1 fixes", goal="Resolve P1 within 4h", user=boss,
        expected_effect="P1 resolution ≥ 90 % every month", services=[web_a],
        targets=[(shop, "p1-resolution"), (shop, "availability"), (shop, "energy")],
    )  # fmt: skip
    assert plan.status == ImprovementPlan.Status.PROPOSED

    not_started = {e.label: e for e in plan_effects(plan)}
    assert len(not_started["shop-sla/p1-resolution"].before) == 7  # all finished periods
    assert not_started["shop-sla/p1-resolution"].after == []

    services.set_plan_status(plan, status="active", user=boss, on=date(2026, 4, 10))
    plan.refresh_from_db()
    effects = {e.label: e for e in plan_effects(plan)}
    p1 = effects["shop-sla/p1-resolution"]
    assert [p for p, _ in p1.before] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert p1.mean_before == pytest.approx((50 + 80 + 70 + 90) / 4)  # 72.5
    assert [p for p, _ in p1.after] == ["2026-05", "2026-06"]
    assert p1.mean_after == pytest.approx(97.5)
    assert p1.change == pytest.approx(25.0) and p1.across_start == ["2026-04"]
    assert effects["shop-sla/availability / web-a"].change == pytest.approx(0.5)
    assert effects["shop-sla/availability / web-b"].change == pytest.approx(2.0)
    energy = effects["shop-sla/energy"]  # linked, but never measured
    assert energy.before == [] and energy.mean_before is None and energy.change is None

    # Once the plan ends, later periods are no longer its effect.
    services.set_plan_status(plan, status="completed", user=boss, on=date(2026, 6, 1))
    plan.refresh_from_db()
    assert plan.ended == date(2026, 6, 1) and plan.started == date(2026, 4, 10)
    ended = {e.label: e for e in plan_effects(plan)}["shop-sla/p1-resolution"]
    assert [p for p, _ in ended.after] == ["2026-05"]

    history = [(e.old, e.new) for e in StatusEvent.objects.filter(plan=plan)]
    assert history == [("", "proposed"), ("proposed", "active"), ("active", "completed")]
    with pytest.raises(services.ReviewError):
        services.set_plan_status(plan, status="finished", user=boss)


def test_plan_actions_share_the_action_register() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla")
    plan = services.create_plan(title="SIP", goal="g", user=boss, targets=[(shop, "p1")],
                                started=date(2026, 1, 1))  # fmt: skip
    assert plan.status == ImprovementPlan.Status.ACTIVE
    action = services.create_action(title="Hire", due=date(2026, 2, 1), user=boss, plan=plan,
                                    agreement=shop, owner=boss)  # fmt: skip
    assert list(Action.objects.overdue(date(2026, 2, 2))) == [action]
    assert list(Action.objects.overdue(date(2026, 2, 1))) == []
    assert action.owner_label == boss.username
    assert list(services.overdue_actions(boss, today=date(2026, 3, 1))) == [action]
