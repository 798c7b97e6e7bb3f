"""`accord import events`: histories added idempotently, in order, never duplicated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.measurements.bulk import Bulk
from accord.measurements.importers.tickets import EventImporter
from accord.measurements.models import Ticket, TicketHistory
from tests.measurements.conftest import run_import

pytestmark = pytest.mark.django_db
Write = Callable[[str, str], Path]

TICKETS = "id,opened_at\nT1,2025-03-01T09:00:00Z\nT2,2025-03-01T10:00:00Z\n"
EVENTS = """ticket_id,at,state,priority,group
T1,2025-03-01T09:00:00Z,New,3,desk
T1,2025-03-01T09:30:00Z,In Progress,3,desk
T2,2025-03-01T10:00:00Z,new,2,
T1,2025-03-01T09:15:00Z,awaiting customer,3,desk
T1,2025-03-01T09:30:00Z,In Progress,2,network
"""

# T1's events in order of instant, file order on ties.
T1_HISTORY = [
    (0, "09:00", "new", "3", {"group": "desk"}),
    (1, "09:15", "awaiting-customer", "3", {"group": "desk"}),
    (2, "09:30", "in-progress", "3", {"group": "desk"}),
    (3, "09:30", "in-progress", "2", {"group": "network"}),
]


def history(ticket: str) -> list[tuple[int, str, str, str, dict[str, str]]]:
    return [
        (e.seq, e.at.strftime("%H:%M"), e.state, e.priority, e.attributes)
        for e in Ticket.objects.get(external_id=ticket).events()
    ]


def histories() -> list[tuple[object, ...]]:
    """Every stored history row, every column."""
    columns = [field.attname for field in TicketHistory._meta.concrete_fields]
    assert "updated_at" in columns
    return list(TicketHistory.objects.order_by("ticket_id").values_list(*columns))


@pytest.fixture
def tickets(write: Write) -> None:
    assert run_import("tickets", write("tickets.csv", TICKETS)).status == 0


def test_events_are_ordered_by_instant_with_file_order_on_ties(write: Write, tickets: None) -> None:
    outcome = run_import("events", write("events.csv", EVENTS))
    assert outcome.status == 0, outcome.err
    assert outcome.summary == "read 5, created 5, updated 0, unchanged 0, rejected 0"
    assert history("T1") == T1_HISTORY
    assert history("T2") == [(0, "10:00", "new", "2", {})]


def test_the_same_events_again_change_nothing(write: Write, tickets: None) -> None:
    path = write("events.csv", EVENTS)
    run_import("events", path)
    before = histories()
    assert len(before) == 2
    outcome = run_import("events", path)
    assert outcome.summary == "read 5, created 0, updated 0, unchanged 5, rejected 0"
    assert histories() == before  # not even rewritten: updated_at is the same


def test_a_later_full_export_adds_only_the_new_events(write: Write, tickets: None) -> None:
    run_import("events", write("events.csv", EVENTS))
    later = EVENTS + "T1,2025-03-01T11:00:00Z,Resolved,2,network\n"
    outcome = run_import("events", write("later.csv", later))
    assert outcome.summary == "read 6, created 1, updated 0, unchanged 5, rejected 0"
    assert history("T1")[-1] == (4, "11:00", "resolved", "2", {"group": "network"})


def test_an_incremental_export_is_appended(write: Write, tickets: None) -> None:
    run_import("events", write("events.csv", EVENTS))
    increment = "ticket_id,at,state\nT2,2025-03-01T10:20:00Z,in progress\n"
    outcome = run_import("events", write("more.csv", increment))
    assert outcome.summary == "read 1, created 1, updated 0, unchanged 0, rejected 0"
    assert [h[:3] for h in history("T2")] == [(0, "10:00", "new"), (1, "10:20", "in-progress")]


def test_a_late_event_takes_its_place_in_time(write: Write, tickets: None) -> None:
    run_import("events", write("events.csv", EVENTS))
    late = "ticket_id,at,state\nT1,2025-03-01T09:05:00Z,in progress\n"
    assert run_import("events", write("late.csv", late)).status == 0
    assert [h[:3] for h in history("T1")] == [
        (0, "09:00", "new"),
        (1, "09:05", "in-progress"),
        (2, "09:15", "awaiting-customer"),
        (3, "09:30", "in-progress"),
        (4, "09:30", "in-progress"),
    ]


def test_a_history_split_across_batches_is_whole(write: Write, tickets: None) -> None:
    path = write("events.csv", EVENTS)
    assert run_import("events", path, "--batch-size", "2").status == 0
    assert [h[:3] for h in history("T1")] == [
        (0, "09:00", "new"),
        (1, "09:15", "awaiting-customer"),
        (2, "09:30", "in-progress"),
        (3, "09:30", "in-progress"),
    ]
    outcome = run_import("events", path, "--batch-size", "3")
    assert outcome.summary == "read 5, created 0, updated 0, unchanged 5, rejected 0"


def test_events_of_unknown_tickets_and_bad_cells_are_rejected(write: Write, tickets: None) -> None:
    text = (
        "ticket_id,at,state\nT1,2025-03-01T09:00:00Z,new\nT9,2025-03-01T09:00:00Z,new\n"
        ",2025-03-01T09:00:00Z,new\nT1,,new\nT1,2025-03-01T09:05:00Z,\n"
    )
    outcome = run_import("events", write("events.csv", text))
    assert outcome.status == 2
    assert outcome.summary == "read 5, created 1, updated 0, unchanged 0, rejected 4"
    assert (
        "events.csv:3: column ticket_id no ticket with this id in source 'default'" in outcome.err
    )
    assert "events.csv:4: column ticket_id required" in outcome.err
    assert "events.csv:5: column at required" in outcome.err
    assert "events.csv:6: column state required" in outcome.err


def test_events_belong_to_the_tickets_of_their_source(write: Write, tickets: None) -> None:
    text = "ticket_id,at,state\nT1,2025-03-01T09:00:00Z,new\n"
    outcome = run_import("events", write("events.csv", text), "--source", "jira")
    assert outcome.status == 2
    assert "no ticket with this id in source 'jira'" in outcome.err


def test_jsonl_events(write: Write, tickets: None) -> None:
    text = '{"ticket_id": "T1", "at": "2025-03-01T09:00:00", "state": "New", "priority": 1}\n'
    assert run_import("events", write("e.jsonl", text), "--timezone", "Europe/Paris").status == 0
    (history,) = TicketHistory.objects.all()
    assert history.ticket == Ticket.objects.get(external_id="T1")
    assert [(e.seq, e.at, e.state, e.priority, e.attributes) for e in history.events()] == [
        (0, datetime(2025, 3, 1, 8, 0, tzinfo=UTC), "new", "1", {})
    ]


@pytest.mark.parametrize("code_point_order", [True, False])
@pytest.mark.parametrize("batch_size", ["2", "10000"])
def test_events_find_their_tickets_however_far_apart_their_ids_are(
    write: Write, batch_size: str, code_point_order: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's ticket ids are looked up by one scan of their range of the key when the
    range holds few other tickets and the database orders text as Python does, else one
    by one."""
    if not code_point_order:  # as a PostgreSQL database with a language's collation
        monkeypatch.setattr(Bulk, "orders_text_by_code_point", lambda self: False)
    ids = [f"T{i:02d}" for i in range(20)]
    text = "id,opened_at\n" + "".join(f"{t},2025-03-01T09:00:00Z\n" for t in ids)
    assert run_import("tickets", write("tickets.csv", text)).status == 0
    wanted = ["T05", "T06", "T00", "T19", "T07x", "T06"]
    events = "ticket_id,at,state\n" + "".join(
        f"{t},2025-03-01T1{i}:00:00Z,new\n" for i, t in enumerate(wanted)
    )
    outcome = run_import("events", write("events.csv", events), "--batch-size", batch_size)
    assert outcome.summary == "read 6, created 5, updated 0, unchanged 0, rejected 1"
    assert "events.csv:6: column ticket_id" in outcome.err  # T07x: in the range, no ticket
    counts = {t: len(Ticket.objects.get(external_id=t).events()) for t in ids}
    assert {t: n for t, n in counts.items() if n} == {"T00": 1, "T05": 1, "T06": 2, "T19": 1}


@pytest.mark.parametrize("parse_rows", [1, 2])
def test_events_parsed_in_chunks_are_grouped_as_one_batch(
    write: Write, tickets: None, parse_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ticket's events that fall in different chunks of one batch are one history,
    in order, as if the batch had been parsed at once (and bad rows keep their lines)."""
    monkeypatch.setattr(EventImporter, "parse_rows", parse_rows)
    text = EVENTS + "T1,not a date,new,1,desk\n"
    outcome = run_import("events", write("events.csv", text))
    assert outcome.summary == "read 6, created 5, updated 0, unchanged 0, rejected 1"
    assert "events.csv:7: column at" in outcome.err
    assert history("T1") == T1_HISTORY
    assert history("T2") == [(0, "10:00", "new", "2", {})]
