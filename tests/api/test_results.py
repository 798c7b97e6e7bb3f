"""Results, tickets, outages and alerts through /api/v1 on the evaluated Northwind demo:
each role gets exactly the rows of the agreements it sees."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from accord.alerts.models import AlertEvent
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.queries import clock_results
from accord.measurements.models import Ticket
from tests.api.conftest import SEES, api_client, make_people


def all_items(call: object, who: str, path: str) -> list[dict]:
    """Every item of a list, page by page."""
    items: list[dict] = []
    while True:
        sep = "&" if "?" in path else "?"
        page = call(who, "get", f"{path}{sep}limit=500&offset={len(items)}").json()  # type: ignore[operator]
        items += page["items"]
        if len(items) >= page["count"]:
            return items


@pytest.mark.slow
def test_results_measurements_and_alerts_by_role(client: Client, demo_estate: datetime) -> None:
    call = api_client(client, make_people())

    # Period results: the manager gets every row, each scoped role only its agreements'.
    everything = all_items(call, "manager", "/results/periods")
    assert len(everything) == PeriodResult.objects.count() > 100
    row = everything[0]
    assert {"attainment", "status", "budget_remaining", "credit_amount", "final"} <= set(row)
    for who in ("owner", "retail", "logistics", "supplier"):
        rows = all_items(call, who, "/results/periods")
        assert rows and {r["agreement"] for r in rows} <= SEES[who], who
        expected = PeriodResult.objects.filter(agreement__name__in=SEES[who]).count()
        assert len(rows) == expected, who
    assert call("nobody", "get", "/results/periods").json()["count"] == 0

    breached = call("manager", "get", "/results/periods?status=breached&final=true").json()
    assert breached["count"] == PeriodResult.objects.filter(status="breached", final=True).count()
    assert all(r["status"] == "breached" and r["final"] for r in breached["items"])
    november = call(
        "retail", "get", "/results/periods?period=2026-11&agreement=retail-online-store-sla"
    )
    assert {r["period"] for r in november.json()["items"]} == {"2026-11"}

    # Ticket clocks.
    clocks = call("manager", "get", "/results/clocks?limit=1").json()
    everything = clock_results()  # rows and archived (met) clocks
    assert clocks["count"] == len(everything) > ClockResult.objects.count()
    latest = max(everything, key=lambda c: c.started_at)
    assert clocks["items"][0]["started_at"] == latest.started_at.isoformat().replace("+00:00", "Z")
    met = call("manager", "get", "/results/clocks?status=met&limit=1000").json()
    assert met["count"] == sum(c.status == ClockStatus.MET for c in everything)
    assert {c["status"] for c in met["items"]} == {"met"}
    second = call("manager", "get", "/results/clocks?status=met&limit=5&offset=5").json()
    assert second["items"] == met["items"][5:10]  # pages follow one order
    logistics = all_items(call, "logistics", "/results/clocks")
    assert logistics and {c["agreement"] for c in logistics} <= SEES["logistics"]
    running = call("manager", "get", "/results/clocks?running=true").json()
    assert all(c["stopped_at"] is None for c in running["items"])
    ticket = logistics[0]["ticket"]
    one = call("logistics", "get", f"/results/clocks?ticket={ticket}").json()
    assert one["count"] >= 1 and {c["ticket"] for c in one["items"]} == {ticket}

    # Tickets: a customer never sees another customer's ticket.
    retail_tickets = all_items(call, "retail", "/tickets")
    logistics_tickets = all_items(call, "logistics", "/tickets")
    assert retail_tickets and logistics_tickets
    assert {t["customer"] for t in retail_tickets} <= {"retail-division", None}
    assert {t["customer"] for t in logistics_tickets} <= {"logistics-division", None}
    assert not {t["id"] for t in retail_tickets} & {
        t["id"] for t in logistics_tickets if t["customer"]
    }
    # Nor its clocks or ticket alerts on the corporate SLA both customers share.
    retail_ids = {t["id"] for t in retail_tickets}
    shared = all_items(call, "retail", "/results/clocks?agreement=ostara-corporate")
    assert shared and {c["ticket"] for c in shared} <= retail_ids
    every_shared = call("manager", "get", "/results/clocks?agreement=ostara-corporate").json()
    assert every_shared["count"] > len(shared)
    ticket_alerts = [a for a in all_items(call, "retail", "/alerts") if a["ticket"]]
    printed = {
        t["id"] if t["source"] == "default" else f"{t['source']}:{t['id']}" for t in retail_tickets
    }
    assert ticket_alerts and {a["ticket"] for a in ticket_alerts} <= printed
    total = call("manager", "get", "/tickets?limit=1").json()["count"]
    assert total == Ticket.objects.count() > len(retail_tickets)
    assert call("supplier", "get", "/tickets").json()["count"] < total
    assert call("nobody", "get", "/tickets").json()["count"] == 0

    # Outages: of the subjects the role sees.
    outages = {o["target"] for o in all_items(call, "manager", "/outages")}
    supplier_outages = {o["target"] for o in all_items(call, "supplier", "/outages")}
    assert supplier_outages <= {"payment-gateway"} and len(outages) > len(supplier_outages)

    # Alerts: listed for the agreements the role sees; acknowledged by managers and owners.
    alerts = all_items(call, "manager", "/alerts")
    assert len(alerts) == AlertEvent.objects.count() > 0
    for who in ("retail", "logistics", "supplier", "owner"):
        seen = all_items(call, who, "/alerts")
        assert {a["agreement"] for a in seen} <= SEES[who], who
    retail_alert = next(a for a in alerts if a["agreement"] == "retail-online-store-sla")
    ack = f"/alerts/{retail_alert['id']}/ack"
    assert call("logistics", "post", ack, {}).status_code == 404  # not theirs: not there
    assert call("retail", "post", ack, {}).status_code == 403  # theirs, but read-only
    done = call("owner", "post", ack, {"note": "on it"})
    assert done.status_code == 200 and done.json()["acknowledged"]
    assert done.json()["acknowledgements"][0]["user"] == "owner"
