"""Reports respect access control in pages, the API and the CLI (`--user`)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.accounts.services import create_api_token
from accord.catalogue.models import Party
from accord.evaluation.models import ClockResult, ClockStatus
from accord.measurements.models import Ticket
from tests.accounts.helpers import manager

SLA = "retail-online-store-sla"


def _customer(name: str, party: str) -> User:
    user = User.objects.create_user(name)
    Membership.objects.create(user=user, role=Role.CUSTOMER, party=Party.objects.get(name=party))
    return user


def test_pages_api_and_cli_show_a_customer_only_their_own(
    demo_estate: datetime, client: Client, tmp_path: Path
) -> None:
    retail = _customer("rita", "retail-division")
    client.force_login(retail)
    own = client.get(f"/reports/agreements/{SLA}/2026-11/")
    assert own.status_code == 200
    own_json = client.get(f"/reports/agreements/{SLA}/2026-11/?format=json").json()
    html = own.content.decode()
    assert "Online Store — Retail Division SLA" in html and "<svg" in html
    assert "Add a reason" not in html  # customers read, they do not record reasons
    assert client.get("/reports/agreements/logistics-warehouse-sla/2026-11/").status_code == 404
    assert client.get("/reports/customers/logistics-division/2026-11/").status_code == 404
    assert client.get("/reports/customers/ostara-it/2026-11/").status_code == 404
    party = client.get("/reports/customers/retail-division/2026-11/")
    assert party.status_code == 200 and "logistics-warehouse-sla" not in party.content.decode()
    index = client.get("/reports/").content.decode()
    assert SLA in index and "logistics-warehouse-sla" not in index
    assert "/reports/customers/retail-division/current/" in index
    assert "/reports/customers/logistics-division/" not in index
    pdf = client.get(f"/reports/agreements/{SLA}/2026-11/?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    assert client.get(f"/reports/agreements/{SLA}/2026-13/").status_code == 400
    current = client.get(f"/reports/agreements/{SLA}/current/").content.decode()
    assert "Service level report · 2026-11" in current  # the period of the last evaluation
    picked = client.get(f"/reports/agreements/{SLA}/2026-11/?period=2026-Q3")
    assert picked.status_code == 302 and picked["Location"].endswith(f"/{SLA}/2026-Q3/")

    # On the corporate SLA shared with logistics, only the customer's own breached tickets
    # are listed; what was left out is said, and the figures still count it.
    shared = client.get("/reports/agreements/ostara-corporate/2026-11/?format=json").json()
    (corporate,) = shared["agreements"]
    listed = {c["ticket_id"] for c in corporate["clock_breaches"]}
    customers = set(Ticket.objects.filter(pk__in=listed).values_list("customer__name", flat=True))
    assert listed and customers <= {"retail-division", None}
    others = ClockResult.objects.filter(
        agreement__name="ostara-corporate",
        status=ClockStatus.BREACHED,
        period="2026-11",
        ticket__customer__name="logistics-division",
    ).count()
    assert others and f"{others} breached ticket" in " ".join(corporate["notes"])
    # Outages of internal components (web-a, web-b) are not listed to the customer.
    assert all(not row["outages"] for row in own_json["agreements"][0]["timeline"])
    assert "outages of components you do not see" in " ".join(own_json["agreements"][0]["notes"])

    # The API: the same rules with the customer's token.
    _, token = create_api_token(retail, name="t")
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get(f"/api/v1/reports/agreements/{SLA}/2026-11", headers=headers)
    assert mine.status_code == 200
    body = mine.json()
    assert body["name"] == SLA and body["agreements"][0]["period"]["label"] == "2026-11"
    # An underpinning OLA the customer may not see is left out of their report.
    assert body["agreements"][0]["underpinning"] == []
    for path in (
        "/api/v1/reports/agreements/logistics-warehouse-sla/2026-11",
        "/api/v1/reports/customers/logistics-division/2026-11",
        "/api/v1/reports/agreements/platform-ola/2026-11?format=pdf",
    ):
        assert client.get(path, headers=headers).status_code == 404, path
    listed = client.get(
        "/api/v1/reports/customers/retail-division/2026-10?format=csv", headers=headers
    )
    rows = list(csv.DictReader(io.StringIO(listed.content.decode())))
    assert {r["agreement"] for r in rows} == {SLA, "ostara-corporate"}
    assert client.get(f"/api/v1/reports/agreements/{SLA}/2026-11").status_code == 401

    # The CLI: --user applies the same access; without it the operator sees everything.
    out = tmp_path / "r.json"
    with pytest.raises(CommandError, match="no agreement named"):
        call_command(
            "report",
            "--agreement=logistics-warehouse-sla",
            "--period=2026-11",
            "--format=json",
            f"-o={out}",
            "--user=rita",
        )
    assert not out.exists()
    call_command("report", f"--agreement={SLA}", "--period=2026-11", "--format=json", f"-o={out}")
    full = json.loads(out.read_text())
    assert len(full["agreements"][0]["underpinning"]) == 4
    with pytest.raises(CommandError, match="no such user"):
        call_command("report", f"--agreement={SLA}", "--period=2026-11", f"-o={out}", "--user=x")


def test_managers_see_every_party_report(demo_estate: datetime, client: Client) -> None:
    client.force_login(manager("mona"))
    response = client.get("/reports/customers/ostara-it/2026-10/?format=json")
    assert response.status_code == 200
    names = {a["name"] for a in response.json()["agreements"]}
    assert {SLA, "platform-ola", "service-desk-ola", "logistics-warehouse-sla"} <= names
    page = client.get(f"/reports/agreements/{SLA}/2026-11/").content.decode()
    assert "Add a reason" in page and "Underpinning agreements" in page
