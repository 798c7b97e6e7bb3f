"""Ticket clocks, hand-worked (SEMANTICS §2, §3, §10): each case states its arithmetic."""

from __future__ import annotations

import pytest

from accord.evaluation.models import ClockStatus
from accord.evaluation.queries import clock_results
from accord.evaluation.services import evaluate_agreement
from tests.evaluation.conftest import (
    Apply,
    agreement,
    at,
    clock,
    make_ticket,
    result,
)

pytestmark = pytest.mark.django_db

H = 3600


def sla(targets: str, *, hours: str = "24x7", services: str = "[shop]") -> str:
    return f"""
    apiVersion: accord/v1
    kind: Agreement
    metadata: {{name: sla}}
    spec:
      type: SLA
      status: active
      provider: provider
      consumer: customer
      services: {services}
      effective: {{from: 2026-01-01}}
      serviceHours: {hours}
      period: month
      targets:
{targets}
    """


RESPONSE = """
        - {name: response, metric: response, within: 1h, objective: 50}
"""


def test_response_met_breached_and_running(apply: Apply) -> None:
    apply(sla(RESPONSE))
    met = make_ticket("r1", "2026-03-02 10:00", responded="2026-03-02 10:30", state="in-progress")
    # No explicit response: the first event that is not `new` answers it, 30 min late.
    late = make_ticket(
        "r2",
        "2026-03-02 10:00",
        state="in-progress",
        events=[("2026-03-02 10:00", "new"), ("2026-03-02 11:30", "in-progress")],
    )
    running = make_ticket("r3", "2026-03-02 11:30", events=[("2026-03-02 11:30", "new")])
    make_ticket("other-service", "2026-03-02 10:00", service="desk")
    make_ticket("other-customer", "2026-03-02 10:00", customer="other-customer")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00"))

    r1 = clock("sla", met, "response")
    assert (r1.status, r1.business_elapsed_s, r1.breach_at) == (ClockStatus.MET, 1800, None)
    assert (r1.counted_at, r1.period) == (at("2026-03-02 10:30"), "2026-03")
    r2 = clock("sla", late, "response")
    assert r2.status == ClockStatus.BREACHED and r2.business_elapsed_s == 5400
    assert r2.breach_at == r2.counted_at == at("2026-03-02 11:00")
    assert r2.percent_elapsed == 150.0
    r3 = clock("sla", running, "response")
    assert r3.status == ClockStatus.OPEN and r3.stopped_at is None and r3.counted_at is None
    assert r3.breach_at == at("2026-03-02 12:30") and r3.percent_elapsed == 50.0
    assert [w["label"] for w in r3.warnings] == ["50%", "75%", "100%"]
    assert [w["at"] for w in r3.warnings] == [
        "2026-03-02T12:00:00Z",
        "2026-03-02T12:15:00Z",
        "2026-03-02T12:30:00Z",
    ]
    assert len(clock_results()) == 3  # not the other service's, nor other customer's

    march = result("sla", "response", "2026-03")
    assert (march.met, march.breached, march.open, march.excluded) == (1, 1, 1, 0)
    assert march.attainment == 50.0
    # Running period, event budget: 1 bad of 2 with EB 0.5 is the whole budget → at risk.
    assert march.budget_consumed == 1.0 and march.status == "at_risk" and not march.final


PAUSED = """
        - name: resolution
          metric: resolution
          within: 4h
          objective: 50
          pauseWhen: [awaiting-customer]
"""


def _history(second_resolution: str) -> list[tuple[str, str]]:
    return [
        ("2026-03-02 09:00", "new"),
        ("2026-03-02 10:00", "in-progress"),
        ("2026-03-02 11:00", "awaiting-customer"),
        ("2026-03-02 13:00", "in-progress"),
        ("2026-03-02 14:00", "resolved"),
        ("2026-03-03 10:00", "in-progress"),  # reopened the next morning
        (second_resolution, "resolved"),
    ]


def test_resolution_with_pauses_and_a_reopen_under_office_hours(apply: Apply) -> None:
    apply(sla(PAUSED, hours="office"))
    # Mon 09-11 runs (2h), 11-13 awaits the customer, 13-14 runs (3h), resolved until the
    # reopen Tue 10:00 (paused), then runs again: 4h exactly at Tue 11:00.
    exact = make_ticket(
        "exact",
        "2026-03-02 09:00",
        state="resolved",
        resolved="2026-03-03 11:00",
        events=_history("2026-03-03 11:00"),
    )
    late = make_ticket(
        "late",
        "2026-03-02 09:00",
        state="resolved",
        resolved="2026-03-03 11:30",
        events=_history("2026-03-03 11:30"),
    )
    # 4h reached at Mon 17:00 (closing); stopped at the next opening: still met.
    closing = make_ticket(
        "closing",
        "2026-03-02 13:00",
        state="resolved",
        resolved="2026-03-03 09:00",
        events=[("2026-03-02 13:00", "new"), ("2026-03-03 09:00", "resolved")],
    )
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-31 12:00"))

    a = clock("sla", exact, "resolution")
    assert (a.status, a.business_elapsed_s, a.actual_elapsed_s) == (ClockStatus.MET, 4 * H, 4 * H)
    assert a.stopped_at == at("2026-03-03 11:00") and a.breach_at is None
    b = clock("sla", late, "resolution")
    assert b.status == ClockStatus.BREACHED and b.business_elapsed_s == 4 * H + 1800
    assert b.breach_at == at("2026-03-03 11:00")
    c = clock("sla", closing, "resolution")
    assert c.status == ClockStatus.MET and c.business_elapsed_s == 4 * H
    assert c.actual_elapsed_s == 20 * H  # wall clock 13:00 → 09:00, nothing paused
    march = result("sla", "resolution", "2026-03")
    assert (march.met, march.breached, march.attainment) == (2, 1, pytest.approx(200 / 3))


PRIORITIES = """
        - {name: p1-resolution, metric: resolution, where: {priority: "1"}, within: 1h,
           objective: 90}
        - {name: p3-resolution, metric: resolution, where: {priority: "3"}, within: 8h,
           objective: 90}
"""


def test_priority_raised_later_breaches_once_from_the_original_start(apply: Apply) -> None:
    apply(sla(PRIORITIES))
    ticket = make_ticket(
        "raised",
        "2026-03-02 10:00",
        priority="1",  # the current priority; it was 3 until 13:00
        state="in-progress",
        events=[("2026-03-02 10:00", "new"), ("2026-03-02 13:00", "in-progress")],
    )
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 14:00"))
    p1 = clock("sla", ticket, "p1-resolution")
    assert p1.status == ClockStatus.BREACHED and p1.breach_at == at("2026-03-02 11:00")
    assert not clock_results(target="p3-resolution")

    # Lowered again: the p1 clock goes, a p3 clock (5h of 8h at 15:00) takes its place.
    ticket.priority = "3"
    ticket.save()
    summary = evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 15:00"))
    assert not summary.full
    assert [(c.target_name, c.status) for c in clock_results()] == [
        ("p3-resolution", ClockStatus.OPEN)
    ]
    assert clock("sla", ticket, "p3-resolution").business_elapsed_s == 5 * H


BOTH = """
        - {name: response, metric: response, within: 1h, objective: 50}
        - {name: resolution, metric: resolution, within: 8h, objective: 50}
"""


def test_cancelled_before_the_stop_is_excluded(apply: Apply) -> None:
    apply(sla(BOTH))
    unanswered = make_ticket(
        "cancelled",
        "2026-03-02 10:00",
        state="cancelled",
        events=[("2026-03-02 10:00", "new"), ("2026-03-02 10:20", "cancelled")],
    )
    answered = make_ticket(
        "answered-then-cancelled",
        "2026-03-02 10:00",
        state="cancelled",
        events=[
            ("2026-03-02 10:00", "new"),
            ("2026-03-02 10:05", "in-progress"),
            ("2026-03-02 10:30", "cancelled"),
        ],
    )
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-31 12:00"))
    for target in ("response", "resolution"):
        excluded = clock("sla", unanswered, target)
        assert excluded.status == ClockStatus.EXCLUDED and excluded.breach_at is None
        assert excluded.counted_at == at("2026-03-02 10:20")  # where it is reported
    assert clock("sla", answered, "response").status == ClockStatus.MET
    assert clock("sla", answered, "resolution").status == ClockStatus.EXCLUDED
    response = result("sla", "response", "2026-03")
    assert (response.met, response.breached, response.excluded) == (1, 0, 1)
    resolution = result("sla", "resolution", "2026-03")
    assert (resolution.excluded, resolution.attainment, resolution.status) == (2, None, "no_data")


def test_a_ticket_keeps_the_version_in_force_at_its_opening(apply: Apply) -> None:
    target = "        - {name: resolution, metric: resolution, within: %s, objective: 50}\n"
    apply(sla(target % "4h"))
    apply(sla(target % "2h"), effective_from=at("2026-03-15 00:00"))
    before = make_ticket(
        "before", "2026-03-10 10:00", state="resolved", resolved="2026-03-10 13:00"
    )
    after = make_ticket("after", "2026-03-16 10:00", state="resolved", resolved="2026-03-16 13:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-31 12:00"))
    old = clock("sla", before, "resolution")
    new = clock("sla", after, "resolution")
    assert (old.status, old.threshold_s, old.version.number) == (ClockStatus.MET, 4 * H, 1)
    assert (new.status, new.threshold_s, new.version.number) == (ClockStatus.BREACHED, 2 * H, 2)
    assert new.breach_at == at("2026-03-16 12:00")


def test_inherited_and_overridden_targets(apply: Apply) -> None:
    corporate = """
    apiVersion: accord/v1
    kind: Agreement
    metadata: {name: corporate}
    spec:
      type: SLA
      structure: corporate
      status: active
      provider: provider
      consumers: [customer]
      effective: {from: 2026-01-01}
      serviceHours: 24x7
      targets:
        - {name: response, metric: response, within: 1h, objective: 90}
        - {name: resolution, metric: resolution, within: 8h, objective: 90}
    """
    child = """
    ---
    apiVersion: accord/v1
    kind: Agreement
    metadata: {name: %s}
    spec:
      type: SLA
      structure: customer
      parent: corporate
      status: active
      provider: provider
      consumer: customer
      services: [%s]
      effective: {from: 2026-01-01}
      serviceHours: 24x7
      targets: %s
    """
    strict = "[{name: resolution, metric: resolution, within: 2h, objective: 90}]"
    apply(corporate + child % ("shop-sla", "shop", strict) + child % ("desk-sla", "desk", "[]"))
    shop = make_ticket(
        "s",
        "2026-03-02 10:00",
        state="resolved",
        responded="2026-03-02 10:10",
        resolved="2026-03-02 13:00",
    )
    desk = make_ticket(
        "d",
        "2026-03-02 10:00",
        service="desk",
        state="resolved",
        responded="2026-03-02 10:10",
        resolved="2026-03-02 13:00",
    )
    for name in ("corporate", "shop-sla", "desk-sla"):
        evaluate_agreement(agreement(name), as_of=at("2026-03-31 12:00"))

    # The corporate SLA covers its customer SLAs' services, with its own targets.
    assert clock("corporate", shop, "resolution").status == ClockStatus.MET
    assert clock("corporate", desk, "resolution").status == ClockStatus.MET
    # The shop SLA inherits `response` and overrides `resolution` (2h: breached at 12:00).
    inherited = clock("shop-sla", shop, "response")
    assert inherited.status == ClockStatus.MET
    assert inherited.target.version.agreement.name == "corporate"
    assert inherited.version.agreement.name == "shop-sla"
    overridden = clock("shop-sla", shop, "resolution")
    assert overridden.status == ClockStatus.BREACHED and overridden.threshold_s == 2 * H
    assert clock("desk-sla", desk, "resolution").status == ClockStatus.MET
    assert not clock_results(agreement_ids=[agreement("desk-sla").pk], ticket_id=shop.pk)


def test_temporary_change_of_hours_and_threshold(apply: Apply) -> None:
    target = """
        - {name: p1-resolution, metric: resolution, within: 4h, objective: 50}
    """
    change = """
    ---
    apiVersion: accord/v1
    kind: TemporaryChange
    metadata: {name: weekend-cover}
    spec:
      agreement: sla
      from: 2026-03-07T00:00:00Z
      until: 2026-03-09T00:00:00Z
      reason: trading weekend
      serviceHours: 24x7
      targets: {p1-resolution: {within: 2h, objective: 99}}
      approvedBy: [a@example.com, b@example.com]
    """
    apply(sla(target, hours="office") + change)
    # Opened Saturday inside the change: 24x7 hours and 2h → breached at 12:00.
    inside = make_ticket("in", "2026-03-07 10:00", state="resolved", resolved="2026-03-07 12:30")
    # Opened Friday 16:00: 4h. Friday 16-17 is 1h; the weekend is open under the change, so
    # the other 3h run out on Saturday at 03:00.
    friday = make_ticket("fri", "2026-03-06 16:00", state="resolved", resolved="2026-03-09 10:00")
    # Opened after the change: office hours again, 4h from Mon 09:00 → met at 12:00.
    after = make_ticket("after", "2026-03-09 09:00", state="resolved", resolved="2026-03-09 12:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-31 12:00"))
    a = clock("sla", inside, "p1-resolution")
    assert (a.threshold_s, a.status, a.breach_at) == (
        2 * H,
        ClockStatus.BREACHED,
        at("2026-03-07 12:00"),
    )
    b = clock("sla", friday, "p1-resolution")
    assert (b.threshold_s, b.status, b.breach_at) == (
        4 * H,
        ClockStatus.BREACHED,
        at("2026-03-07 03:00"),
    )
    c = clock("sla", after, "p1-resolution")
    assert (c.status, c.business_elapsed_s) == (ClockStatus.MET, 3 * H)
    # The stricter objective judges the change's own window; March keeps the agreement's.
    window = result("sla", "p1-resolution", "weekend-cover")
    assert (window.objective, window.met, window.breached, window.status) == (
        99.0,
        0,
        2,
        "breached",
    )
    assert window.credit_amount is None and window.final
    march = result("sla", "p1-resolution", "2026-03")
    assert (march.objective, march.met, march.breached) == (50.0, 1, 2)


def test_where_on_an_attribute_and_breach_instant_in_epoch_seconds(apply: Apply) -> None:
    target = """
        - name: network
          metric: resolution
          where: {category: [network, wifi]}
          within: 1h
          objective: 50
    """
    apply(sla(target))
    wifi = make_ticket("w", "2026-03-02 10:00", attributes={"category": "wifi"})
    make_ticket("p", "2026-03-02 10:00", attributes={"category": "printer"})
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 10:30"))
    running = clock("sla", wifi, "network")
    assert running.status == ClockStatus.OPEN
    assert [c.breach_at for c in clock_results()].count(at("2026-03-02 11:00")) == 1
