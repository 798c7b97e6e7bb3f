"""Credits owed and receivable per period, service costs, the CSV export and who sees
what (SEMANTICS §8)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accord.accounts.models import Role
from accord.accounts.services import create_user
from accord.agreements.models import Agreement
from accord.catalogue.models import Dependency, Party, Service, Subject
from accord.evaluation.models import PeriodResult
from accord.governance.credits import credits_report
from tests.governance.estates import build_estate

pytestmark = pytest.mark.django_db
MAY = datetime(2026, 5, 1, tzinfo=UTC)


def result(
    agreement: str, target: str, amount: float, *, subject: str = "", final: bool = True
) -> None:
    PeriodResult.objects.create(
        agreement=Agreement.objects.get(name=agreement),
        target_name=target,
        metric="availability" if subject else "resolution",
        subject=Subject.objects.get(name=subject) if subject else None,
        period="2026-05",
        period_start=MAY,
        period_end=MAY,
        objective=99,
        attainment=98,
        status="breached",
        credit_amount=amount,
        credit_percent=amount / 100,
        currency="GBP",
        as_of=MAY,
        evaluated_at=MAY,
        final=final,
    )


@pytest.fixture
def estate(tmp_path: Path) -> None:
    """May 2026: shop-sla owes 500 (availability) + 700 (p1-resolution); host-uc owes us
    300; a second live service, portal, relies on db (so on host) as shop does."""
    build_estate(tmp_path)
    result("shop-sla", "availability", 500, subject="shop")
    result("shop-sla", "p1-resolution", 700, final=False)
    result("host-uc", "availability", 300, subject="host")
    portal = Service.objects.create(name="portal", party=Party.objects.get(name="acme-it"))
    Dependency.objects.create(subject=portal, group=0, member=Subject.objects.get(name="db"))


def test_credits_and_costs_add_up(estate: None) -> None:
    report = credits_report("2026-05")
    lines = {c.agreement: c for c in report.credits}
    assert lines["shop-sla"].amount == 1200 and lines["shop-sla"].party == "shoppers"
    assert lines["shop-sla"].direction == "owed" and not lines["shop-sla"].final
    assert lines["shop-sla"].targets == "availability/shop 500.00; p1-resolution 700.00"
    assert (lines["host-uc"].direction, lines["host-uc"].party) == ("receivable", "hostco")
    assert report.totals() == [
        {"direction": "owed", "party": "shoppers", "currency": "GBP", "amount": 1200.0},
        {"direction": "receivable", "party": "hostco", "currency": "GBP", "amount": 300.0},
    ]
    # host-uc's 3,000 GBP is shared by shop and portal; ops-ola has no charge.
    costs = [(c.service, c.agreement, c.amount, c.share) for c in report.costs or []]
    assert costs == [("portal", "host-uc", 1500.0, 0.5), ("shop", "host-uc", 1500.0, 0.5)]
    assert report.service_totals() == [
        {"service": "portal", "currency": "GBP", "cost": 1500.0},
        {"service": "shop", "currency": "GBP", "cost": 1500.0},
    ]
    # Before host-uc began there is nothing to charge.
    assert credits_report("2024-05").costs == []


def test_accord_credits_formats(estate: None) -> None:
    out = StringIO()
    call_command("credits", "--period", "2026-05", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["agreement"], r["amount"], r["final"]) for r in rows] == [
        ("shop-sla", "1200.0", "False"),
        ("host-uc", "300.0", "True"),
    ]
    costs = StringIO()
    call_command("credits", "--period", "2026-05", "--format", "csv", "--costs", stdout=costs)
    assert sum(float(r["amount"]) for r in csv.DictReader(io.StringIO(costs.getvalue()))) == 3000
    as_json = StringIO()
    call_command("credits", "--period", "2026-05", "--format", "json", stdout=as_json)
    assert json.loads(as_json.getvalue())["totals"][0]["amount"] == 1200.0
    table = StringIO()
    call_command("credits", "--period", "2026-05", stdout=table)
    assert "1,200.00 GBP (period running: provisional)" in table.getvalue()
    with pytest.raises(CommandError, match="period '2026-13'"):
        call_command("credits", "--period", "2026-13", stdout=StringIO())


def test_customers_see_their_own_credits_and_no_costs(estate: None) -> None:
    customer = create_user(
        "cole",
        role=Role.CUSTOMER,
        party=Party.objects.get(name="shoppers"),
        password="a-long-passphrase-1",
    )
    client = Client()
    client.force_login(customer)
    page = client.get("/governance/credits/", {"period": "2026-05"})
    text = page.content.decode()
    assert page.status_code == 200 and "shop-sla" in text and "hostco" not in text
    assert "Service costs" not in text
    export = client.get("/governance/credits.csv", {"period": "2026-05"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [r["agreement"] for r in rows] == ["shop-sla"]
    assert export["Content-Disposition"] == 'attachment; filename="credits-2026-05.csv"'
    assert client.get("/governance/costs.csv", {"period": "2026-05"}).status_code == 403
    manager = create_user("mia", role=Role.MANAGER, password="a-long-passphrase-1")
    client.force_login(manager)
    costs = client.get("/governance/costs.csv", {"period": "2026-05"})
    assert costs.status_code == 200 and "portal,host-uc" in costs.content.decode()
