"""The portfolio dashboard: content, order, access and a bounded number of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from bench.dashboard import build_portfolio
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Membership, Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Party
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.services import IN_FORCE
from accord.reviews.breaches import record_breach_reason
from accord.reviews.services import create_action
from tests.accounts.helpers import manager

pytestmark = pytest.mark.django_db

SEVERITY = {"breached": 0, "at_risk": 1, "met": 2, "no_data": 3}
LABEL = {"breached": "breached", "at_risk": "at risk", "met": "met", "no_data": "no data"}


def user_of(party: str, role: Role, name: str) -> User:
    user = User.objects.create_user(name)
    Membership.objects.create(user=user, role=role, party=Party.objects.get(name=party))
    return user


def expected_worst(agreement: Agreement) -> str:
    """The worst status among the agreement's latest period, read the slow, plain way."""
    windows = set(agreement.temporary_changes.values_list("name", flat=True))
    rows = [r for r in PeriodResult.objects.filter(agreement=agreement) if r.period not in windows]
    if not rows:
        return "no_data"
    latest = max(r.period_start for r in rows)
    statuses = [r.status for r in rows if r.period_start == latest]
    return min(statuses, key=SEVERITY.__getitem__)


def cards(html: str) -> list[tuple[str, str]]:
    """(agreement name, worst status) of each card, in page order."""
    return re.findall(r'class="agreement-card worst-(\w+)" id="agreement-([\w-]+)"', html)


def test_dashboard_orders_by_status_with_reasons_trends_and_overdue(
    demo_estate: datetime, client: Client
) -> None:
    mona = manager("mona")
    sla = Agreement.objects.get(name="retail-online-store-sla")
    # A reason for the breached period, one for a breached ticket clock of this period,
    # and an action past its due date.
    record_breach_reason(
        agreement=sla,
        target_name="energy-per-order",
        category="supplier",
        text="Cumulus moved us to older hosts",
        author=mona,
        period="2026-11",
    )
    clock = ClockResult.objects.filter(
        agreement=sla, status=ClockStatus.BREACHED, period="2026-11"
    ).first()
    assert clock is not None
    record_breach_reason(
        agreement=sla,
        target_name=clock.target_name,
        category="staffing",
        text="Two engineers off sick",
        author=mona,
        ticket=clock.ticket,
    )
    today = timezone.localdate()
    create_action(
        title="Replace the checkout load balancer",
        due=today - timedelta(days=3),
        user=mona,
        agreement=sla,
    )
    client.force_login(mona)

    html = client.get("/").content.decode()

    in_force = list(Agreement.objects.filter(status__in=IN_FORCE))
    shown = cards(html)
    assert {name for _, name in shown} == {a.name for a in in_force}
    for status, name in shown:
        assert status == expected_worst(Agreement.objects.get(name=name)), name
    ranks = [SEVERITY[status] for status, _ in shown]
    assert ranks == sorted(ranks), "breached first, then at risk, met, no data"
    assert shown[0][0] == "breached"
    # Status is written, not only coloured.
    for status, name in shown:
        card = html[html.index(f'id="agreement-{name}"') :]
        assert f'<span class="status status-{status}">{LABEL[status]}</span>' in card[:2000]
    # Reasons, under the target they explain.
    energy = html.index("energy-per-order")
    assert html.index("Cumulus moved us to older hosts") > energy
    assert "Two engineers off sick" in html and f"ticket {clock.ticket.external_id}" in html
    # Trend sparklines with a text alternative naming the periods.
    assert html.count('<svg class="sparkline"') >= 5
    assert re.search(r"<title>Last \d+ periods against 95\.00 %: .*lowest", html)
    # Overdue reviews: every visible agreement whose next review date has passed.
    overdue = html[html.index('id="overdue-reviews-h"') :]
    for agreement in Agreement.objects.filter(review_next__lt=today):
        assert agreement.title in overdue
    assert "Replace the checkout load balancer" in overdue
    # The other targets of a card load on request (HTMX), and also work as a page.
    others = client.get(f"/agreements/{sla.name}/targets/?show=others", HTTP_HX_REQUEST="true")
    assert others.status_code == 200 and "<html" not in others.content.decode()
    assert '<span class="status status-met">met</span>' in others.content.decode()


def test_customer_sees_only_their_agreements(demo_estate: datetime, client: Client) -> None:
    client.force_login(user_of("retail-division", Role.CUSTOMER, "rita"))
    html = client.get("/").content.decode()
    names = {name for _, name in cards(html)}
    assert "retail-online-store-sla" in names and "ostara-corporate" in names
    assert "logistics-warehouse-sla" not in names and "platform-ola" not in names
    assert "Warehouse Management" not in html
    # Another customer's agreement is a 404 on every page of it, not a 403.
    for path in ("", "burndown/", "targets/", "targets/p2-resolution/breaches/"):
        response = client.get(f"/agreements/logistics-warehouse-sla/{path}")
        assert response.status_code == 404, path
    assert client.get("/agreements/retail-online-store-sla/").status_code == 200


def test_user_without_role_sees_nothing(client: Client) -> None:
    client.force_login(User.objects.create_user("nobody"))
    html = client.get("/").content.decode()
    assert "has no role yet" in html
    assert cards(html) == []


def test_dashboard_queries_do_not_grow_with_agreements(
    client: Client, django_assert_max_num_queries: object
) -> None:
    built = build_portfolio(agreements=60, targets=10, periods=12)
    client.force_login(User.objects.get(username=built["manager"]))
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        html = client.get("/").content.decode()
    assert len(cards(html)) == 60
    # Twice as many agreements, the same number of queries.
    build_portfolio(agreements=60, targets=10, periods=12, prefix="more")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        html = client.get("/").content.decode()
    assert len(cards(html)) == 120
    assert "Bench reason for" in html
