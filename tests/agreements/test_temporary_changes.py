"""Temporary changes through their workflow: requested, approved by every party, in
force exactly within their dates for the evaluation, activated and reverted by the
lifecycle job with the consumers told, and listed for reports."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from accord.accounts.models import Membership, Role
from accord.agreements import temporary
from accord.agreements.models import TemporaryChange
from accord.agreements.services import temporary_changes_in
from accord.agreements.workflow import TransitionRefused
from accord.alerts.models import AlertEvent
from accord.catalogue.models import Party
from accord.evaluation.services import evaluate_agreement
from accord.manifests.apply import apply_paths
from tests.evaluation.conftest import BASE, T0, agreement, at, clock, make_ticket

pytestmark = pytest.mark.django_db
H = 3600
SLA = """
apiVersion: accord/v1
kind: Agreement
metadata: {name: sla}
spec:
  type: SLA
  status: active
  provider: provider
  consumer: customer
  services: [shop]
  effective: {from: 2026-01-01}
  serviceHours: office
  period: month
  targets:
    - {name: p1-resolution, metric: resolution, within: 4h, objective: 50}
"""


@pytest.fixture
def _apply(tmp_path: Path, db: None) -> Callable[[str], None]:
    def run(text: str) -> None:
        path = tmp_path / "world.yaml"
        path.write_text(textwrap.dedent(BASE) + "\n---\n" + text)
        apply_paths([path], effective_from=T0)

    return run


START, END = at("2026-03-07 00:00"), at("2026-03-09 00:00")


def _person(name: str, role: Role, party: str) -> object:
    from django.contrib.auth.models import User

    person = User.objects.create_user(name, email=f"{name}@example.org")
    Membership.objects.create(user=person, role=role, party=Party.objects.get(name=party))
    return person


def _thresholds(*tickets: object) -> list[int]:
    return [clock("sla", t, "p1-resolution").threshold_s for t in tickets]  # type: ignore[arg-type]


def test_a_change_applies_only_once_approved_and_exactly_within_its_dates(
    _apply: Callable[[str], None],
) -> None:
    _apply(SLA)
    sla = agreement("sla")
    customer = _person("cora", Role.CUSTOMER, "customer")
    provider = _person("pete", Role.MANAGER, "provider")
    viewer = _person("vera", Role.VIEWER, "customer")
    with pytest.raises(PermissionDenied):
        temporary.request_change(sla, by=viewer, name="x", start=START, end=END, reason="r")
    with pytest.raises(TransitionRefused, match=r"targets\.nope"):
        temporary.request_change(
            sla,
            by=customer,
            name="bad",
            start=START,
            end=END,
            reason="r",
            targets={"nope": {"within": "2h"}},
        )
    change = temporary.request_change(
        sla,
        by=customer,
        name="weekend-cover",
        start=START,
        end=END,
        reason="trading weekend",
        service_hours="24x7",
        targets={"p1-resolution": {"within": "2h"}},
    )
    assert (change.status, change.target_overrides) == (
        "requested",
        {"p1-resolution": {"within": 7200, "objective": None}},
    )
    before = make_ticket(
        "before", "2026-03-06 16:59", state="resolved", resolved="2026-03-06 17:00"
    )
    first = make_ticket("first", "2026-03-07 00:00", state="resolved", resolved="2026-03-07 01:00")
    last = make_ticket("last", "2026-03-08 23:59", state="resolved", resolved="2026-03-09 00:30")
    after = make_ticket("after", "2026-03-09 00:00", state="resolved", resolved="2026-03-09 10:00")
    evaluate_agreement(sla, as_of=at("2026-03-31 12:00"), full=True)
    assert _thresholds(before, first, last, after) == [4 * H] * 4  # requested: not in force

    temporary.approve_change(change, by=customer, now=at("2026-03-01 09:00"))
    change.refresh_from_db()
    assert change.status == "requested" and change.approved_by == ["cora@example.org"]
    with pytest.raises(TransitionRefused, match="customer has already approved"):
        temporary.approve_change(change, by=customer, now=at("2026-03-01 09:00"))
    temporary.approve_change(change, by=provider, now=at("2026-03-02 09:00"))
    change.refresh_from_db()
    assert change.status == "approved"
    assert change.approved_by == ["cora@example.org", "pete@example.org"]

    evaluate_agreement(sla, as_of=at("2026-03-31 12:00"), full=True)
    # Opened at the change's first instant and its last minute: 2h; at its end: 4h again.
    assert _thresholds(before, first, last, after) == [4 * H, 2 * H, 2 * H, 4 * H]
    # Within the change the hours are 24x7: the Saturday hour counts (office hours: 0 s).
    assert clock("sla", first, "p1-resolution").business_elapsed_s == H


def test_the_job_activates_and_reverts_on_the_dates_and_tells_the_consumers(
    _apply: Callable[[str], None],
) -> None:
    _apply(SLA)
    sla = agreement("sla")
    change = TemporaryChange.objects.create(
        name="cover", agreement=sla, start=START, end=END, reason="r", status="approved"
    )
    assert temporary.step_changes(at("2026-03-06 23:59")) == {"activated": 0, "reverted": 0}
    assert temporary.step_changes(START) == {"activated": 1, "reverted": 0}
    change.refresh_from_db()
    assert change.status == "active"
    assert temporary.step_changes(at("2026-03-08 23:59")) == {"activated": 0, "reverted": 0}
    assert temporary.step_changes(END) == {"activated": 0, "reverted": 1}
    change.refresh_from_db()
    assert change.status == "reverted"
    alerts = AlertEvent.objects.filter(kind="temporary-change").order_by("id")
    assert [a.dedupe_key for a in alerts] == [
        "temporary-change:cover:in force",
        "temporary-change:cover:reverted",
    ]
    assert all(a.agreement_id == sla.pk for a in alerts)
    assert "Temporary change cover on sla in force" in alerts[0].message
    temporary.step_changes(END)
    assert AlertEvent.objects.filter(kind="temporary-change").count() == 2  # once each


def test_rejected_and_called_off_changes_and_the_periods_for_reports(
    _apply: Callable[[str], None],
) -> None:
    _apply(SLA)
    sla = agreement("sla")
    customer = _person("cora", Role.CUSTOMER, "customer")
    mk = {"agreement": sla, "reason": "r"}
    ran = TemporaryChange.objects.create(name="ran", start=START, end=END, status="reverted", **mk)
    TemporaryChange.objects.create(name="asked", start=START, end=END, status="requested", **mk)
    off = TemporaryChange.objects.create(
        name="off",
        start=at("2026-04-01 00:00"),
        end=at("2026-04-02 00:00"),
        status="approved",
        **mk,
    )
    temporary.reject_change(off, by=customer, now=at("2026-03-20 00:00"))
    off.refresh_from_db()
    assert off.status == "rejected"
    assert AlertEvent.objects.filter(dedupe_key="temporary-change:off:called off").exists()
    with pytest.raises(TransitionRefused, match="only a requested change"):
        temporary.reject_change(ran, by=customer)
    periods = temporary_changes_in(sla, at("2026-03-01 00:00"), at("2026-03-08 00:00"))
    assert [(p.name, p.start, p.end, p.status) for p in periods] == [
        ("ran", START, at("2026-03-08 00:00"), "reverted")
    ]
    assert temporary_changes_in(sla, at("2026-04-01 00:00"), at("2026-05-01 00:00")) == []
    assert datetime(2026, 1, 1, tzinfo=UTC) < START
