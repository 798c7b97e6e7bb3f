"""The record API of services.py, as the REST API and connectors will call it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from accord.catalogue.models import Party, Subject
from accord.measurements import copybinary, services
from accord.measurements.batches import EventRow
from accord.measurements.bulk import COPY_SLICE_ROWS, Bulk
from accord.measurements.history import encode_history
from accord.measurements.models import MetricPoint, Outage, Ticket, TicketHistory
from accord.measurements.records import (
    Counts,
    EventRecord,
    OutageRecord,
    PointRecord,
    Rejection,
    TicketRecord,
)
from accord.measurements.storage import HISTORY_COLUMNS

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
    assert [(e.seq, e.at, e.state, e.priority) for e in Ticket.objects.get().events()] == [
        (0, T0, "new", "2"),
        (1, T0 + timedelta(minutes=5), "in-progress", "2"),
    ]
    assert services.add_ticket_events(events[:2]).counts == Counts(unchanged=2)
    assert TicketHistory.objects.get().size == 2


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
    services.upsert_tickets([TicketRecord("A-1", T0, "new"), TicketRecord("A-2", T0, "new")])
    a1, a2 = Ticket.objects.order_by("external_id")
    bulk = Bulk()
    now = "2025-03-01 12:00:00"  # UTC text, as Bulk.write takes instants

    def row(ticket: Ticket, *states: str) -> tuple[object, ...]:
        events = [EventRow(ticket.external_id, "2025-03-01 09:00:00", s, "", {}) for s in states]
        return (ticket.pk, *encode_history(events), now)

    columns = HISTORY_COLUMNS
    with transaction.atomic():
        bulk.write(TicketHistory, columns, [row(a1, "new")], conflict=columns[:1])
        # Believed new, but A-1's history exists: an upsert, not a duplicate (or an error).
        both = [row(a1, "new", "closed"), row(a2, "new")]
        bulk.write(TicketHistory, columns, both, conflict=columns[:1], update=columns[1:], new=True)
    assert TicketHistory.objects.count() == 2
    assert [(e.seq, e.state) for e in a1.events()] == [(0, "new"), (1, "closed")]
    assert [(e.seq, e.state) for e in a2.events()] == [(0, "new")]


AWKWARD = ["back\\slash", "tab\there", "new\nline", "cr\rhere", "\\N", "", "ünï €"]


@pytest.fixture(params=["binary", "text"])
def copy_format(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """PostgreSQL copies in binary, or as text where a column has no binary form here."""
    if request.param == "text":
        monkeypatch.setattr(copybinary, "layout", lambda *columns: None)
    return str(request.param)


def test_awkward_text_survives_the_bulk_path_unchanged(service: Subject, copy_format: str) -> None:
    """COPY's text format (PostgreSQL) escapes backslashes, tabs and line breaks, and
    reads \\N as null; its binary format takes UTF-8 as it is: every such value must come
    back as it went in."""
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
    histories = TicketHistory.objects.select_related("ticket")
    assert len(histories) == len(AWKWARD)
    for history in histories:
        text = AWKWARD[int(history.ticket.external_id[1])]
        assert [(e.at, e.state, e.priority, e.attributes) for e in history.events()] == [
            (T0, "new", text[:20], {"note": text} if text else {})
        ]
    assert TicketHistory.objects.filter(attributes__isnull=True).count() == 1  # the empty one


def test_a_batch_larger_than_a_copy_slice_arrives_whole(service: Subject, copy_format: str) -> None:
    """PostgreSQL receives a batch in slices of COPY_SLICE_ROWS (built one by one, in
    binary or as text); the rows at the slices' edges come through."""
    count = 2 * COPY_SLICE_ROWS + 7
    tickets = [TicketRecord(f"S{i:05}", T0 + timedelta(seconds=i), "new") for i in range(count)]
    assert services.upsert_tickets(tickets).counts == Counts(created=count)
    stored = dict(Ticket.objects.values_list("external_id", "opened_at"))
    assert stored == {t.external_id: t.opened_at for t in tickets}


def test_attributes_are_stored_null_only_when_no_event_has_any(service: Subject) -> None:
    services.upsert_tickets([TicketRecord(t, T0, "new") for t in ("A-1", "A-2", "A-3")])
    later = [T0 + timedelta(minutes=m) for m in range(3)]
    events = [
        EventRecord("A-1", later[0], "new"),
        EventRecord("A-1", later[1], "in-progress", attributes={"group": "desk"}),
        EventRecord("A-1", later[2], "resolved"),
        EventRecord("A-2", later[0], "new"),
        EventRecord("A-2", later[1], "closed"),
        EventRecord("A-3", later[0], "new"),
    ]
    assert services.add_ticket_events(events).counts == Counts(created=6)
    stored = {h.ticket.external_id: h for h in TicketHistory.objects.select_related("ticket")}
    assert json.loads(stored["A-1"].attributes) == [{}, {"group": "desk"}, {}]
    assert stored["A-2"].attributes is None and stored["A-3"].attributes is None
    # An event with attributes joining a history without: the earlier ones get `{}`.
    late = [EventRecord("A-3", later[1], "closed", attributes={"code": "ok"})]
    assert services.add_ticket_events(late).counts == Counts(created=1)
    a3 = TicketHistory.objects.get(ticket__external_id="A-3")
    assert json.loads(a3.attributes) == [{}, {"code": "ok"}]
    assert [e.attributes for e in a3.events()] == [{}, {"code": "ok"}]
    assert TicketHistory.objects.get(ticket__external_id="A-2").attributes is None
