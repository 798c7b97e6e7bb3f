"""Breach reasons: recorded on breached clocks and periods by those who may change the
agreement (service, page form, API), kept across re-evaluation, grouped in reports."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.accounts.services import create_api_token
from accord.agreements.models import Agreement
from accord.catalogue.models import Party
from accord.evaluation.models import ClockResult, ClockStatus
from accord.evaluation.queries import clock_results
from accord.evaluation.services import evaluate_agreement
from accord.reviews.breaches import BreachReasonInvalid, record_breach_reason
from accord.reviews.models import BreachReason
from accord.reviews.reports.gather import single_report
from tests.accounts.helpers import manager

SLA = "retail-online-store-sla"


def _clocks(agreement: Agreement, status: int) -> list[ClockResult]:
    """Stored clocks, rows and archived (met) ones, counted in November."""
    found = [
        c
        for c in clock_results(agreement_ids=[agreement.pk])
        if c.status == status and c.period == "2026-11"
    ]
    return sorted(found, key=lambda c: (c.counted_at, c.ticket_id, c.target_name))


def test_reasons_are_recorded_kept_and_grouped(demo_estate: datetime, client: Client) -> None:
    agreement = Agreement.objects.get(name=SLA)
    mona = manager("mona")
    breached = _clocks(agreement, ClockStatus.BREACHED)
    assert len(breached) >= 4
    first, second = breached[0], breached[1]
    for clock in (first, second):
        record_breach_reason(
            agreement=agreement,
            target_name=clock.target_name,
            category="capacity",
            text="Too few engineers on the rota",
            author=mona,
            ticket=clock.ticket,
        )
    # The period result of energy-per-order is breached in November: a period reason.
    record_breach_reason(
        agreement=agreement,
        target_name="energy-per-order",
        category="supplier",
        text="Cumulus moved us to older hosts",
        author=mona,
        period="2026-11",
    )

    # The page form (a manager may change the agreement) and the API.
    client.force_login(mona)
    page = f"/reports/agreements/{SLA}/2026-11/"
    posted = client.post(
        "/reports/breach-reasons/",
        {
            "agreement": SLA,
            "target": breached[2].target_name,
            "ticket_id": breached[2].ticket_id,
            "category": "change",
            "text": "Release 4.2 broke the queue",
            "next": page,
        },
    )
    assert posted.status_code == 302 and posted["Location"] == page
    _, token = create_api_token(mona, name="t")
    headers = {"Authorization": f"Bearer {token}"}
    api = client.post(
        "/api/v1/reports/breach-reasons",
        {
            "agreement": SLA,
            "target": breached[3].target_name,
            "ticket": str(breached[3].ticket),
            "category": "change",
            "text": "Same release",
        },
        content_type="application/json",
        headers=headers,
    )
    assert api.status_code == 201, api.content
    assert api.json()["author"] == "mona" and api.json()["ticket"] == str(breached[3].ticket)

    # Reasons name what the results stand for: they survive a full re-evaluation.
    evaluate_agreement(agreement, as_of=demo_estate, full=True)
    (item,) = single_report(agreement, period="2026-11").agreements
    groups = {g.category: g for g in item.reasons}
    assert (groups["capacity"].clocks, groups["capacity"].periods) == (2, 0)
    assert (groups["change"].clocks, groups["change"].periods) == (2, 0)
    assert (groups["supplier"].clocks, groups["supplier"].periods) == (0, 1)
    unexplained = len(item.clock_breaches) - 4
    assert groups[""].clocks == unexplained and item.reasons[-1].category == ""
    assert sum(g.clocks for g in item.reasons) == len(item.clock_breaches)
    by_ticket = {(c.target, c.ticket_id): c for c in item.clock_breaches}
    reason = by_ticket[(first.target_name, first.ticket_id)].reasons[0]
    assert (reason.category, reason.author) == ("capacity", "mona")
    (period,) = item.period_breaches
    assert period.target == "energy-per-order" and period.reasons[0].category == "supplier"
    html = client.get(page).content.decode()
    assert "Too few engineers on the rota" in html and "Cumulus moved us to older hosts" in html


def test_what_cannot_be_recorded(demo_estate: datetime, client: Client) -> None:
    agreement = Agreement.objects.get(name=SLA)
    mona = manager("mona")
    met = _clocks(agreement, ClockStatus.MET)[0]
    breached = _clocks(agreement, ClockStatus.BREACHED)[0]
    cases = [
        ({"ticket": breached.ticket, "category": "weather"}, "category"),
        ({"ticket": breached.ticket, "text": "  "}, "text"),
        ({"ticket": met.ticket, "target_name": met.target_name}, "ticket"),
        ({"period": "2026-11", "target_name": "p2-response"}, "period"),  # met period
        ({"period": "2026-11", "ticket": breached.ticket}, "ticket"),  # both
        ({}, "ticket"),  # neither
    ]
    for changes, field in cases:
        options = {
            "agreement": agreement,
            "target_name": breached.target_name,
            "category": "capacity",
            "text": "why",
            "author": mona,
            **changes,
        }
        with pytest.raises(BreachReasonInvalid) as error:
            record_breach_reason(**options)
        assert error.value.field == field, changes

    # A customer reads reports but may not explain breaches: 403 in the API and service.
    rita = User.objects.create_user("rita")
    Membership.objects.create(
        user=rita, role=Role.CUSTOMER, party=Party.objects.get(name="retail-division")
    )
    with pytest.raises(PermissionDenied):
        record_breach_reason(
            agreement=agreement,
            target_name=breached.target_name,
            category="capacity",
            text="why",
            author=rita,
            ticket=breached.ticket,
        )
    _, token = create_api_token(rita, name="t")
    body = {
        "agreement": SLA,
        "target": breached.target_name,
        "ticket": str(breached.ticket),
        "category": "capacity",
        "text": "why",
    }
    headers = {"Authorization": f"Bearer {token}"}
    denied = client.post(
        "/api/v1/reports/breach-reasons", body, content_type="application/json", headers=headers
    )
    assert denied.status_code == 403
    hidden = client.post(
        "/api/v1/reports/breach-reasons",
        {**body, "agreement": "platform-ola"},
        content_type="application/json",
        headers=headers,
    )
    assert hidden.status_code == 404
    missing = client.post(
        "/api/v1/reports/breach-reasons",
        {k: v for k, v in body.items() if k != "category"},
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 422
    assert [e["path"] for e in missing.json()["errors"]] == ["body.category"]
    client.force_login(rita)
    form = client.post(
        "/reports/breach-reasons/",
        {**body, "ticket_id": breached.ticket_id, "next": "/reports/"},
    )
    assert form.status_code == 403
    assert BreachReason.objects.count() == 0
