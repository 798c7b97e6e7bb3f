"""The agreement page: terms, effective targets, versions and their differences,
underpinning, attainment, burn-down, credits and breaches, for those who may see it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accord.agreements.models import Agreement, AgreementVersion, Target
from accord.agreements.services import create_version
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.web.burndown import burndowns
from tests.accounts.helpers import manager

pytestmark = pytest.mark.django_db

SLA = "retail-online-store-sla"
COPIED = [
    f.name for f in Target._meta.concrete_fields if f.name not in ("id", "version", "position")
]


def fields_of(target: Target) -> dict[str, Any]:
    return {name: getattr(target, name) for name in COPIED}


def add_version(agreement: Agreement, at: datetime) -> AgreementVersion:
    """Version 2: 24x7 hours, a stricter availability, checkout-success dropped and a
    P2 resolution target added."""
    first = agreement.versions.get(number=1)
    targets = []
    for target in first.targets.all():
        fields = fields_of(target)
        if target.name == "checkout-success":
            continue
        if target.name == "availability":
            fields["objective"] = Decimal("99.95")
        targets.append(fields)
    targets.append(
        {"name": "p2-resolution", "metric": "resolution", "objective": 90, "within_seconds": 28800}
    )
    terms = {
        "service_hours": first.service_hours.__class__.objects.get(name="24x7"),
        "timezone": first.timezone,
        "period": first.period,
        "charges_per_period": first.charges_per_period,
        "currency": first.currency,
        "credit_cap": first.credit_cap,
    }
    return create_version(
        agreement, terms=terms, targets=targets, effective_from=at, note="Stricter in 2027"
    )


def test_agreement_page_shows_terms_targets_versions_and_results(
    demo_estate: datetime, client: Client
) -> None:
    agreement = Agreement.objects.get(name=SLA)
    add_version(agreement, demo_estate + timedelta(days=400))  # in the future: v1 in force
    client.force_login(manager("mona"))

    response = client.get(f"/agreements/{SLA}/")
    assert response.status_code == 200
    html = response.content.decode()
    # The navigation shows the section the page belongs to: the dashboard.
    assert '<a href="/" aria-current="page">Dashboard</a>' in html
    assert 'href="/catalogue/" aria-current' not in html
    assert f'href="/agreements/{SLA}/workflow/"' in html  # its lifecycle page

    # Terms of the version in force (1, since version 2 starts later).
    terms = html[html.index('id="terms-h"') : html.index('id="targets-h"')]
    assert "version 1" in terms and "Mon–Fri 08:00–18:00 (Europe/London)" in terms
    assert "12,000 GBP" in terms and "25 % of the period charge" in terms
    # Effective targets: the corporate SLA's are inherited and say so, with a link.
    targets = html[html.index('id="targets-h"') : html.index('id="attainment-h"')]
    p1 = targets[targets.index('id="target-p1-response"') :]
    p1 = p1[: p1.index("</tr>")]
    assert (
        'badge-inherited">inherited</span>' in p1 and 'href="/agreements/ostara-corporate/"' in p1
    )
    own = targets[targets.index('id="target-availability"') :]
    assert '<span class="badge">own</span>' in own[: own.index("</tr>")]
    for name in ("p2-response", "p3-resolution", "energy-per-order", "checkout-success"):
        assert f'id="target-{name}"' in targets
        assert f'href="/agreements/{SLA}/targets/{name}/breaches/"' in targets
    # Versions, newest first, with a readable difference.
    versions = html[html.index('id="versions-h"') :]
    assert versions.index("Version 2") < versions.index("Version 1")
    assert "Stricter in 2027" in versions
    assert (
        "<strong>Service hours</strong>: <del>uk-office-hours</del> → <ins>24x7</ins>" in versions
    )
    assert (
        "Target <strong>availability</strong>, objective: <del>99.9 %</del> → <ins>99.95 %</ins>"
        in versions
    )
    assert "<ins>Added</ins> target <strong>p2-resolution</strong>" in versions
    assert "<del>Removed</del> target <strong>checkout-success</strong>" in versions
    assert "The first version." in versions
    # Underpinning agreements with their status.
    under = html[html.index('id="underpinning-h"') : html.index('id="versions-h"')]
    for name in ("platform-ola", "service-desk-ola", "cumulus-hosting-uc", "paybridge-uc"):
        assert f'href="/agreements/{name}/"' in under
    assert re.search(r'class="status status-(breached|at_risk|met|no_data)"', under)
    # Attainment per period: the chart's data block, and the same figures as a table.
    data = re.search(r'<script id="attainment-data" type="application/json">(.*?)</script>', html)
    assert data
    series = {s["key"]: s for s in json.loads(data[1])}
    stored = PeriodResult.objects.get(
        agreement=agreement, target_name="p1-resolution", period="2026-11"
    )
    point = next(p for p in series["p1-resolution"]["points"] if p["period"] == "2026-11")
    assert point["attainment"] == pytest.approx(stored.attainment)
    assert point["status"] == stored.status
    assert "<script>" not in html  # no inline script: the CSP allows 'self' only
    # Credits owed, after the cap.
    credits = html[html.index('id="credits-h"') : html.index('id="underpinning-h"')]
    assert "below 99.9 %: 5 %" in credits
    assert f"{stored.credit_amount:,.2f}".replace(",", "") in credits.replace(",", "")
    # The burn-down loads after the page.
    assert f'hx-get="/agreements/{SLA}/burndown/"' in html


def test_burndown_is_recomputed_by_the_engine_up_to_the_stored_figures(
    demo_estate: datetime, client: Client
) -> None:
    agreement = Agreement.objects.get(name=SLA)
    latest, items = burndowns(agreement)
    assert latest is not None and latest.period == "2026-11"
    assert {i.label for i in items} >= {"p1-resolution", "availability · online-store"}
    stored = {
        (r.target_name if r.subject is None else f"{r.target_name} · {r.subject.name}"): r
        for r in PeriodResult.objects.filter(agreement=agreement, period="2026-11")
    }
    for item in items:
        moments = [at for at, _ in item.points]
        assert moments == sorted(moments) and moments[-1] == latest.as_of
        last = item.points[-1][1]
        expected = stored[item.label].budget_remaining
        if expected is None:
            assert last is None
        else:
            assert last == pytest.approx(expected * 100), item.label
    client.force_login(manager("mona"))
    fragment = client.get(f"/agreements/{SLA}/burndown/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert html.count('<svg class="chart burndown"') == len(items)
    page = client.get(f"/agreements/{SLA}/burndown/").content.decode()
    assert "<html" in page and "Error budget in the current period" in page


def test_breaches_page_links_each_breached_clock(demo_estate: datetime, client: Client) -> None:
    agreement = Agreement.objects.get(name=SLA)
    breached = ClockResult.objects.filter(
        agreement=agreement, target_name="p3-resolution", status=ClockStatus.BREACHED
    )
    assert breached.exists()
    client.force_login(manager("mona"))
    html = client.get(f"/agreements/{SLA}/targets/p3-resolution/breaches/").content.decode()
    for clock in breached[:20]:
        assert f'href="/tickets/{clock.ticket_id}/clocks/{SLA}/p3-resolution/"' in html
    assert client.get("/agreements/no-such-agreement/").status_code == 404


def test_temporary_changes_show_what_they_change_and_their_window(
    demo_estate: datetime, client: Client
) -> None:
    from accord.agreements.models import TemporaryChange
    from accord.evaluation.services import evaluate_agreement

    client.force_login(manager("mona"))
    html = client.get(f"/agreements/{SLA}/").content.decode()
    section = html[html.index('id="changes-h"') :]
    assert "Black Friday trading weekend" in section
    assert "p1-resolution: within 2h" in section and "service hours:" in section
    print(section[:1500])
    assert "judged with the agreement's periods" in section  # no objective changed

    # An objective changed for a while is judged as a window of its own, shown here.
    change = TemporaryChange.objects.get(name="black-friday-2026")
    change.target_overrides = {"p1-resolution": {"within": 7200, "objective": 75}}
    change.save()
    evaluate_agreement(change.agreement, as_of=demo_estate, full=True)
    section = client.get(f"/agreements/{SLA}/").content.decode()
    section = section[section.index('id="changes-h"') :]
    assert "objective 75 %" in section and "Target in this window" in section
    row = section[section.index("Target in this window") :]
    assert "p1-resolution" in row and "75 %" in row
