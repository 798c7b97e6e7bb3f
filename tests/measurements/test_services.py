"""The record API of services.py, as the REST API and connectors will call it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from accord.catalogue.models import Party, Subject
from accord.measurements import services
from accord.measurements.bulk import Bulk
from accord.measurements.models import MetricPoint, Outage, Ticket, TicketEvent
from accord.measurements.records import (
    Counts,
    EventRecord,
    OutageRecord,
    PointRecord,
    Rejection,
    TicketRecord,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_tickets_by_record_are_upserted_and_unknown_names_refused(
    service: Subject, customer: Party
) -> None:
    tickets = [
        TicketRecord("A-1", T0, "new", "1", "email", "sales", attributes={"team": "desk"}),
        TicketRecord("A-2", T0, "new", service="payroll"),
        TicketRecord(
            "A-3", T0 + timedelta(hours=1), "resolved", resolved_at=T0 + timedelta(hours=2)
        ),
    ]
    result = services.upsert_tickets(tickets, source="api")
    assert result.counts == Counts(created=2)
    assert result.rejected == [
        Rejection(1, "service", "payroll", "no service or component named 'payroll'")
    ]
    a1 = Ticket.objects.get(external_id="A-1")
    assert (a1.source, a1.service, a1.customer, a1.opened_at) == ("api", service, customer, T0)
    again = services.upsert_tickets([tickets[0], tickets[2]._replace(state="closed")], source="api")
    assert again.counts == Counts(updated=1, unchanged=1)


def test_events_by_record(service: Subject) -> None:
    services.upsert_tickets([TicketRecord("A-1", T0, "new")])
    events = [
        EventRecord("A-1", T0 + timedelta(minutes=5), "in-progress", "2"),
        EventRecord("A-1", T0, "new", "2"),
        EventRecord("A-9", T0, "new"),
    ]
    result = services.add_ticket_events(events)
    assert result.counts == Counts(created=2)
    assert result.rejected == [
        Rejection(2, "ticket", "A-9", "no ticket with this id in source 'default'")
    ]
    assert list(TicketEvent.objects.order_by("seq").values_list("seq", "state")) == [
        (0, "new"),
        (1, "in-progress"),
    ]
    assert services.add_ticket_events(events[:2]).counts == Counts(unchanged=2)


def test_outages_by_record_with_their_own_origin(service: Subject) -> None:
    outage = OutageRecord("fp-1", "email", T0, None, False, 0.5, "alert")
    assert services.upsert_outages([outage], origin="alertmanager").counts == Counts(created=1)
    resolved = outage._replace(end=T0 + timedelta(minutes=30))
    assert services.upsert_outages([resolved], origin="alertmanager").counts == Counts(updated=1)
    assert services.upsert_outages([resolved], origin="alertmanager").counts == Counts(unchanged=1)
    assert services.upsert_outages([resolved], origin="api").counts == Counts(created=1)
    assert Outage.objects.get(origin="alertmanager").end == T0 + timedelta(minutes=30)
    unknown = services.upsert_outages([outage._replace(subject="nope")], origin="api")
    assert unknown.rejected[0].field == "subject"


def test_metric_points_by_record() -> None:
    points = [
        PointRecord("ok", T0, T0 + timedelta(minutes=1), good=9, total=10),
        PointRecord("ok", T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), value=3.0),
    ]
    result = services.upsert_metric_points(points)
    assert result.counts == Counts(created=1)
    assert result.rejected[0].position == 1
    assert MetricPoint.objects.get().good == 9


def test_rows_believed_new_that_exist_are_merged_not_duplicated(service: Subject) -> None:
    """A concurrent import may store a row between our check and our write."""
    services.upsert_tickets([TicketRecord("A-1", T0, "new")])
    ticket = Ticket.objects.get()
    bulk = Bulk()
    at = bulk.instant("2025-03-01 09:00:00")
    rows = [(ticket.pk, 0, at, "new", "", "{}"), (ticket.pk, 1, at, "closed", "", "{}")]
    columns = ("ticket_id", "seq", "at", "state", "priority", "attributes")
    with transaction.atomic():
        bulk.write(TicketEvent, columns, rows[:1], conflict=columns[:2])
        bulk.write(TicketEvent, columns, rows, conflict=columns[:2], new=True)
    assert list(TicketEvent.objects.order_by("seq").values_list("seq", "state")) == [
        (0, "new"),
        (1, "closed"),
    ]


AWKWARD = ["back\\slash", "tab\there", "new\nline", "cr\rhere", "\\N", "", "ünï €"]


def test_awkward_text_survives_the_bulk_path_unchanged(service: Subject) -> None:
    """COPY's text format (PostgreSQL) escapes backslashes, tabs and line breaks, and
    reads \\N as null: every such value must come back as it went in."""
    tickets = [
        TicketRecord(f"K{i}\\{text}", T0, "new", text[:20], attributes={"note": text, text: i})
        for i, text in enumerate(AWKWARD)
    ]
    assert services.upsert_tickets(tickets).counts == Counts(created=len(AWKWARD))
    stored = {t.external_id: t for t in Ticket.objects.all()}
    for i, text in enumerate(AWKWARD):
        ticket = stored[f"K{i}\\{text}"]
        assert (ticket.priority, ticket.attributes) == (text[:20], {"note": text, text: i})
    events = [
        EventRecord(
            f"K{i}\\{text}", T0, "new", text[:20], attributes={"note": text} if text else {}
        )
        for i, text in enumerate(AWKWARD)
    ]
    assert services.add_ticket_events(events).counts == Counts(created=len(AWKWARD))
    for event in TicketEvent.objects.select_related("ticket"):
        text = AWKWARD[int(event.ticket.external_id[1])]
        assert event.priority == text[:20]
        assert event.attributes == ({"note": text} if text else {})
    assert TicketEvent.objects.filter(attributes__isnull=True).count() == 1  # the empty one
