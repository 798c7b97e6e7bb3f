"""The measurements REST API: POST batches (idempotent, per-item rejections, 422 with
paths, limits) and GET lists with filters and pagination."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone

from accord.accounts.services import create_api_token
from accord.catalogue.models import Party, Subject
from accord.evaluation.models import Job
from accord.evaluation.services import EVALUATE
from accord.manifests.apply import apply_paths
from accord.measurements.models import MetricPoint, Outage, Ticket, TicketHistory
from accord.measurements.schemas import MAX_ITEMS
from tests.accounts.helpers import manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Client) -> Any:
    """api(method, path, body=None) → the response, with a valid token."""
    Subject.objects.create(kind="service", name="email")
    Subject.objects.create(kind="component", name="mail-relay")
    Party.objects.create(role="customer", name="sales")
    _, token = create_api_token(manager("feeder"), name="test")
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: Any = None) -> Any:
        if method == "get":
            return client.get(f"/api/v1{path}", headers=headers)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=headers
        )

    return call


def ticket(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"INC{n:04}",
        "opened_at": "2026-03-02T09:00:00Z",
        "service": "email",
        "priority": 2,
        **fields,
    }


HISTORY = [
    {"at": "2026-03-02T09:00:00Z", "state": "New", "priority": "2"},
    {"at": "2026-03-02T09:20:00Z", "state": "In Progress", "priority": "2"},
    {"at": "2026-03-02T11:00:00+01:00", "state": "Resolved", "priority": "1"},
]


def test_a_token_is_required(client: Client) -> None:
    response = client.post("/api/v1/tickets", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_tickets_with_events_are_idempotent(api: Any) -> None:
    batch = {
        "source": "servicenow",
        "tickets": [
            ticket(1, customer="sales", resolved_at="2026-03-02T10:00:00Z", events=HISTORY),
            ticket(2, attributes={"category": "network", "vip": True}),
        ],
    }
    first = api("post", "/tickets", batch).json()
    assert first == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejections": [],
        "events": {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0},
        "dry_run": False,
    }
    again = api("post", "/tickets", batch).json()
    assert (again["created"], again["unchanged"], again["events"]["unchanged"]) == (0, 2, 3)
    stored = Ticket.objects.get(source="servicenow", external_id="INC0001")
    assert (stored.priority, stored.state, stored.customer.name) == ("2", "resolved", "sales")
    assert [e.state for e in stored.events()] == [
        "new",
        "in-progress",
        "resolved",
    ]
    assert Ticket.objects.get(external_id="INC0002").attributes == {
        "category": "network",
        "vip": True,
    }
    assert Ticket.objects.get(external_id="INC0002").state == "new"  # implied

    batch["tickets"][1]["priority"] = "1"
    changed = api("post", "/tickets", batch).json()
    assert (changed["updated"], changed["unchanged"]) == (1, 1)


def test_unknown_names_are_rejected_per_item(api: Any) -> None:
    batch = {
        "tickets": [
            ticket(1),
            ticket(2, service="billing"),
            ticket(3, customer="nobody", events=HISTORY),
            ticket(4, service="mail-relay"),
        ]
    }
    result = api("post", "/tickets", batch).json()
    assert (result["created"], result["rejected"]) == (2, 2)
    assert result["rejections"] == [
        {
            "path": "body.tickets.1.service",
            "value": "billing",
            "reason": "no service or component named 'billing'",
        },
        {"path": "body.tickets.2.customer", "value": "nobody", "reason": "no party named 'nobody'"},
    ]
    assert result["events"]["created"] == 0  # those of the refused ticket are not written
    assert set(Ticket.objects.values_list("external_id", flat=True)) == {"INC0001", "INC0004"}


@pytest.mark.parametrize(
    ("item", "path", "kind"),
    [
        (ticket(1, opened_at="2026-03-02T09:00:00"), "body.tickets.0.opened_at", "timezone_aware"),
        (
            ticket(1, responded_at="2026-03-02T08:00:00Z"),
            "body.tickets.0.responded_at",
            "value_error",
        ),
        (
            ticket(1, events=[{"at": "2026-03-02T10:00:00", "state": "new"}]),
            "body.tickets.0.events.0.at",
            "timezone_aware",
        ),
        (ticket(1, opend_at="2026-03-02T09:00:00Z"), "body.tickets.0.opend_at", "extra_forbidden"),
        (ticket(1, id=""), "body.tickets.0.id", "string_too_short"),
        (ticket(1, priority="x" * 21), "body.tickets.0.priority", "too_long"),
    ],
)
def test_bad_tickets_refuse_the_batch_with_the_path(
    api: Any, item: dict[str, Any], path: str, kind: str
) -> None:
    response = api("post", "/tickets", {"tickets": [ticket(9), item]})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["path"].replace(".1.", ".0.", 1), e["type"]) for e in errors] == [(path, kind)]
    assert not Ticket.objects.exists()


def test_limits(api: Any) -> None:
    many = [ticket(n) for n in range(MAX_ITEMS + 1)]
    response = api("post", "/tickets", {"tickets": many})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.tickets"
    assert api("post", "/tickets", {"tickets": []}).status_code == 422
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = api("post", "/tickets", {"tickets": [ticket(n) for n in range(20)]})
    assert response.status_code == 413
    assert "ACCORD_MAX_REQUEST_BYTES" in response.json()["detail"]
    assert api("post", "/tickets", "{not json").status_code == 400


def test_a_key_repeated_in_a_batch_applies_in_order(api: Any) -> None:
    batch = {"tickets": [ticket(1), ticket(2), ticket(1, state="closed")]}
    result = api("post", "/tickets", batch).json()
    assert (result["created"], result["updated"]) == (2, 1)
    assert Ticket.objects.get(external_id="INC0001").state == "closed"


def test_dry_run_counts_and_writes_nothing(api: Any) -> None:
    result = api("post", "/tickets", {"tickets": [ticket(1)], "dry_run": True}).json()
    assert (result["created"], result["dry_run"]) == (1, True)
    assert not Ticket.objects.exists()


def test_events_of_unknown_tickets_are_rejected(api: Any) -> None:
    api("post", "/tickets", {"tickets": [ticket(1)]})
    events = [{"ticket": "INC0001", **e} for e in HISTORY]
    events.insert(1, {"ticket": "INC0404", "at": "2026-03-02T09:05:00Z", "state": "new"})
    result = api("post", "/events", {"events": events}).json()
    assert (result["created"], result["rejected"]) == (3, 1)
    assert result["rejections"][0]["path"] == "body.events.1.ticket"
    assert "send the ticket first" in result["rejections"][0]["reason"]
    again = api("post", "/events", {"events": events}).json()
    assert (again["created"], again["unchanged"]) == (0, 3)
    assert [e.state for e in Ticket.objects.get(external_id="INC0001").events()] == [
        "new",
        "in-progress",
        "resolved",
    ]
    assert TicketHistory.objects.aggregate(events=Sum("size"))["events"] == 3


def test_outages(api: Any) -> None:
    outages = [
        {"id": "CHG-1", "target": "email", "start": "2026-03-01T10:00:00Z"},
        {
            "target": "mail-relay",
            "start": "2026-03-01T11:00:00Z",
            "end": "2026-03-01T11:30:00Z",
            "planned": True,
            "impact": 0.5,
            "reference": "CHG-2",
        },
        {"target": "billing", "start": "2026-03-01T12:00:00Z"},
    ]
    result = api("post", "/outages", {"outages": outages}).json()
    assert (result["created"], result["rejected"]) == (2, 1)
    assert result["rejections"][0]["path"] == "body.outages.2.target"
    outages[0]["end"] = "2026-03-01T10:45:00Z"
    again = api("post", "/outages", {"outages": outages[:2]}).json()
    assert (again["updated"], again["unchanged"]) == (1, 1)
    keys = set(Outage.objects.values_list("origin", "key"))
    assert keys == {("api", "CHG-1"), ("api", "mail-relay@2026-03-01T11:00:00Z")}
    bad = {"target": "email", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T09:00:00Z"}
    response = api("post", "/outages", {"outages": [bad]})
    assert response.json()["errors"][0]["path"] == "body.outages.0.end"
    response = api("post", "/outages", {"outages": [{**bad, "end": None, "impact": 0}]})
    assert response.json()["errors"][0]["path"] == "body.outages.0.impact"


def test_metric_points(api: Any) -> None:
    points = [
        {
            "series": "checkout",
            "start": "2026-03-01T10:00:00Z",
            "end": "2026-03-01T10:05:00Z",
            "good": 995,
            "total": 1000,
        },
        {
            "series": "lag",
            "start": "2026-03-01T10:00:00Z",
            "end": "2026-03-01T11:00:00Z",
            "value": 12.5,
        },
        {
            "series": "lag",
            "start": "2026-03-01T11:00:00Z",
            "end": "2026-03-01T12:00:00Z",
            "good": 1,
            "total": 1,
        },
    ]
    result = api("post", "/metrics", {"points": points}).json()
    assert (result["created"], result["rejected"]) == (2, 1)
    assert result["rejections"][0]["path"] == "body.points.2.series"
    assert api("post", "/metrics", {"points": points[:2]}).json()["unchanged"] == 2
    assert MetricPoint.objects.count() == 2
    for wrong in ({"good": 2, "total": 1}, {"good": 1, "total": 1, "value": 3}, {"good": 1}):
        point = {"series": "s", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"}
        response = api("post", "/metrics", {"points": [point | wrong]})
        assert response.status_code == 422
        assert response.json()["errors"][0]["path"] == "body.points.0"


def test_list_tickets_with_filters_and_pages(api: Any) -> None:
    tickets = [ticket(n, opened_at=f"2026-03-{n:02}T09:00:00Z") for n in range(1, 6)]
    tickets[0] |= {"resolved_at": "2026-03-01T10:00:00Z", "events": HISTORY[:1]}
    tickets[1] |= {"service": "mail-relay", "customer": "sales"}
    api("post", "/tickets", {"source": "jira", "tickets": tickets})
    page = api("get", "/tickets?limit=2&offset=1").json()
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [t["id"] for t in page["items"]] == ["INC0004", "INC0003"]
    assert page["items"][0]["events"] is None and page["items"][0]["source"] == "jira"
    one = api("get", "/tickets?service=mail-relay").json()["items"]
    assert [(t["id"], t["customer"]) for t in one] == [("INC0002", "sales")]
    resolved = api("get", "/tickets?resolved=true&events=true").json()["items"]
    assert [len(t["events"]) for t in resolved] == [1]
    window = "opened_from=2026-03-02T00:00:00Z&opened_until=2026-03-04T00:00:00%2B00:00"
    assert api("get", f"/tickets?{window}").json()["count"] == 2
    naive = api("get", "/tickets?opened_from=2026-03-02T00:00:00")
    assert naive.status_code == 422 and naive.json()["errors"][0]["path"] == "query.opened_from"


def test_list_outages(api: Any) -> None:
    api(
        "post",
        "/outages",
        {
            "outages": [
                {"target": "email", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"},
                {"target": "email", "start": "2026-03-03T10:00:00Z"},
                {
                    "target": "mail-relay",
                    "start": "2026-03-02T10:00:00Z",
                    "end": "2026-03-02T10:10:00Z",
                    "planned": True,
                },
            ]
        },
    )
    everything = api("get", "/outages").json()
    assert [o["start"][:10] for o in everything["items"]] == [
        "2026-03-03",
        "2026-03-02",
        "2026-03-01",
    ]
    assert api("get", "/outages?ongoing=true").json()["items"][0]["end"] is None
    assert api("get", "/outages?target=mail-relay").json()["items"][0]["planned"] is True
    overlap = api("get", "/outages?start=2026-03-01T10:30:00Z&end=2026-03-02T00:00:00Z").json()
    assert [o["start"][:10] for o in overlap["items"]] == ["2026-03-01"]
    assert api("get", "/outages?origin=alertmanager").json()["count"] == 0
    assert api("get", "/outages?limit=0").status_code == 422


def test_changes_ask_for_evaluation(api: Any, northwind: Path) -> None:
    apply_paths([northwind], effective_from=timezone.now())
    outage = {"target": "web-a", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T10:30:00Z"}
    api("post", "/outages", {"outages": [outage], "dry_run": True})
    assert not Job.objects.filter(kind=EVALUATE).exists()  # nothing was written
    api("post", "/outages", {"outages": [outage]})
    queued = set(Job.objects.filter(kind=EVALUATE).values_list("key", flat=True))
    assert {"retail-online-store-sla", "platform-ola"} <= queued
    Job.objects.all().delete()
    api("post", "/outages", {"outages": [outage]})  # unchanged: nothing to evaluate again
    assert not Job.objects.exists()


def test_the_openapi_description_lists_the_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/tickets",
        "/api/v1/events",
        "/api/v1/outages",
        "/api/v1/metrics",
        "/api/v1/hooks/alertmanager",
    } <= set(paths)
    assert set(paths["/api/v1/tickets"]) == {"get", "post"}
