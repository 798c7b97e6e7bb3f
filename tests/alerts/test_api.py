"""/api/v1/alerts and `accord alerts`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accord.accounts.services import create_api_token
from accord.agreements.models import Agreement
from accord.alerts.models import AlertEvent
from accord.alerts.services import acknowledge_alert, raise_alerts
from tests.accounts.helpers import manager
from tests.alerts.conftest import open_clock, running_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(agreement: Agreement) -> list[AlertEvent]:
    now = timezone.now()
    return raise_alerts(clocks=[open_clock(now)], periods=[running_period()], as_of=now)


@pytest.fixture
def auth() -> dict[str, str]:
    user = manager("oncall")
    _, plain = create_api_token(user, name="test")
    return {"Authorization": f"Bearer {plain}"}


def test_list_filters_and_paginates(
    client: Client, auth: dict[str, str], alerts: list[AlertEvent]
) -> None:
    everything = client.get("/api/v1/alerts", headers=auth).json()
    assert everything["count"] == 4 and len(everything["items"]) == 4
    occurred = [item["occurred_at"] for item in everything["items"]]
    assert occurred == sorted(occurred, reverse=True)
    first = everything["items"][0]
    assert {"id", "kind", "severity", "figures", "message", "acknowledged"} <= set(first)
    warnings = client.get("/api/v1/alerts?kind=ticket-warning", headers=auth).json()
    assert warnings["count"] == 3
    page = client.get("/api/v1/alerts?limit=2&offset=2", headers=auth).json()
    assert page["count"] == 4 and [i["id"] for i in page["items"]] == [
        i["id"] for i in everything["items"][2:]
    ]
    none = client.get("/api/v1/alerts?agreement=other", headers=auth).json()
    assert none["count"] == 0
    bad = client.get("/api/v1/alerts?kind=nonsense", headers=auth)
    assert bad.status_code == 422
    assert client.get("/api/v1/alerts").status_code == 401


def test_acknowledge_through_the_api(
    client: Client, auth: dict[str, str], alerts: list[AlertEvent]
) -> None:
    target = alerts[0]
    response = client.post(
        f"/api/v1/alerts/{target.pk}/ack",
        data={"note": "looking"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged"] is True
    assert body["acknowledgements"][0]["user"] == "oncall"
    assert body["acknowledgements"][0]["note"] == "looking"
    open_ = client.get("/api/v1/alerts?acknowledged=false", headers=auth).json()
    done = client.get("/api/v1/alerts?acknowledged=true", headers=auth).json()
    assert open_["count"] == 3 and [i["id"] for i in done["items"]] == [target.pk]
    missing = client.post(
        "/api/v1/alerts/999999/ack", data={}, content_type="application/json", headers=auth
    )
    assert missing.status_code == 404


def test_alerts_command(alerts: list[AlertEvent]) -> None:
    acknowledge_alert(alerts[0], user=User.objects.create_user("alice"))
    table = StringIO()
    call_command("alerts", stdout=table)
    lines = table.getvalue().splitlines()
    assert lines[0].split() == ["ID", "OCCURRED", "(UTC)", "SEVERITY", "KIND", "WHAT", "ACK"]
    assert len(lines) == 5 and any(line.endswith("alice") for line in lines)
    unacked = StringIO()
    call_command("alerts", "--unacknowledged", "--format", "json", stdout=unacked)
    documents = json.loads(unacked.getvalue())
    assert len(documents) == 3 and not any(d["acknowledged"] for d in documents)
    assert alerts[0].pk not in {d["id"] for d in documents}


def test_admin_lists_shows_and_acknowledges(client: Client, alerts: list[AlertEvent]) -> None:
    admin = User.objects.create_superuser("root", password="x" * 12)
    client.force_login(admin)
    assert client.get("/admin/alerts/alertevent/").status_code == 200
    page = client.get(f"/admin/alerts/alertevent/{alerts[0].pk}/change/")
    assert page.status_code == 200 and alerts[0].message.split(" (")[0] in page.content.decode()
    for model in ("acknowledgement", "channel", "delivery", "condition"):
        assert client.get(f"/admin/alerts/{model}/").status_code == 200
    assert client.get("/admin/alerts/channel/add/").status_code == 200
    response = client.post(
        "/admin/alerts/alertevent/",
        {"action": "acknowledge", "_selected_action": [a.pk for a in alerts[:2]]},
    )
    assert response.status_code == 302
    acknowledged = AlertEvent.objects.filter(acknowledgements__username="root")
    assert set(acknowledged.values_list("pk", flat=True)) == {a.pk for a in alerts[:2]}
