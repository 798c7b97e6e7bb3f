"""`accord import tickets --format servicenow` on small logs: each mapping rule of
tests/data/README.md, scattered rows, batches, later exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.catalogue.models import Subject
from accord.measurements.models import Ticket, TicketHistory
from tests.measurements.conftest import run_import

pytestmark = pytest.mark.django_db
Write = Callable[[str, str], Path]

COLUMNS = [
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_created_by",
    "sys_created_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "u_symptom",
    "cmdb_ci",
    "impact",
    "urgency",
    "priority",
    "assignment_group",
    "assigned_to",
    "knowledge",
    "u_priority_confirmation",
    "notify",
    "problem_id",
    "rfc",
    "vendor",
    "caused_by",
    "closed_code",
    "resolved_by",
    "resolved_at",
    "closed_at",
]


def log(*events: dict[str, str]) -> str:
    """A ServiceNow log: each event's columns, the others `?`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, restval="?", lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow({"opened_at": "1/3/2016 09:00", "priority": "3 - Moderate", **event})
    return out.getvalue()


def ev(number: str, mod: int, at: str, state: str, **more: str) -> dict[str, str]:
    return {
        "number": number,
        "sys_mod_count": str(mod),
        "sys_updated_at": at,
        "incident_state": state,
        **more,
    }


def sao_paulo(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2016 (UTC−3, no DST) as UTC."""
    return datetime(2016, 3, day, hour + 3, minute, tzinfo=UTC)


def servicenow(path: Path, *options: str) -> tuple[int, str, str]:
    outcome = run_import(
        "tickets",
        path,
        "--format",
        "servicenow",
        "--service",
        "itsm",
        "--timezone",
        "America/Sao_Paulo",
        *options,
    )
    return outcome.status, outcome.summary, outcome.err


@pytest.fixture(autouse=True)
def itsm(db: None) -> Subject:
    return Subject.objects.create(kind="service", name="itsm")


# INC1: rows out of order (mod count 1 twice, the later instant first); reopened;
# priority raised at the end; resolved_at missing, so resolved falls back to closed.
INC1 = [
    ev("INC1", 0, "1/3/2016 09:05", "New", assignment_group="Group 1", made_sla="true"),
    ev("INC1", 1, "1/3/2016 11:10", "Active"),
    ev("INC1", 1, "1/3/2016 09:52", "New", u_symptom="Symptom 9"),
    ev("INC1", 2, "1/3/2016 12:00", "Awaiting User Info"),
    ev("INC1", 3, "2/3/2016 08:00", "Resolved"),
    ev("INC1", 4, "2/3/2016 09:00", "Active", reopen_count="1"),
    ev(
        "INC1",
        5,
        "3/3/2016 10:00",
        "Closed",
        priority="2 - High",
        closed_at="3/3/2016 10:00",
        assignment_group="Group 2",
    ),
]
# INC2: ends cancelled (-100); equal mod count and instant keep file order.
INC2 = [
    ev("INC2", 0, "1/3/2016 10:00", "New"),
    ev("INC2", 1, "1/3/2016 10:30", "Awaiting Vendor", made_sla="true"),
    ev("INC2", 1, "1/3/2016 10:30", "Awaiting Vendor", made_sla="false"),
    ev("INC2", 2, "1/3/2016 11:00", "-100", resolved_at="1/3/2016 11:00"),
]


def test_each_mapping_rule(write: Write, itsm: Subject) -> None:
    status, summary, err = servicenow(write("log.csv", log(*INC1, *INC2)))
    assert status == 0, err
    assert summary == "read 11, created 2, updated 0, unchanged 0, rejected 0; events: created 11"
    inc1 = Ticket.objects.get(external_id="INC1")
    assert (inc1.service, inc1.state, inc1.priority) == (itsm, "closed", "2")
    assert inc1.opened_at == sao_paulo(1, 9)
    assert inc1.responded_at == sao_paulo(1, 11, 10)  # the first event not New, in order
    assert inc1.resolved_at == inc1.closed_at == sao_paulo(3, 10)
    assert inc1.attributes["assignment_group"] == "Group 2"
    assert inc1.attributes["sys_mod_count"] == "5"
    assert "u_symptom" not in inc1.attributes  # `?` is missing
    assert "opened_at" not in inc1.attributes  # a field of the ticket
    events = inc1.events()
    history = [(e.seq, e.state, e.at, e.priority) for e in events]
    assert history == [
        (0, "new", sao_paulo(1, 9, 5), "3"),
        (1, "new", sao_paulo(1, 9, 52), "3"),
        (2, "in-progress", sao_paulo(1, 11, 10), "3"),
        (3, "awaiting-customer", sao_paulo(1, 12), "3"),
        (4, "resolved", sao_paulo(2, 8), "3"),
        (5, "in-progress", sao_paulo(2, 9), "3"),
        (6, "closed", sao_paulo(3, 10), "2"),
    ]
    assert events[0].attributes == {
        "assignment_group": "Group 1",
        "made_sla": "true",
        "sys_mod_count": "0",
        "opened_at": "2016-03-01T12:00:00Z",
    }
    inc2 = Ticket.objects.get(external_id="INC2")
    assert (inc2.state, inc2.resolved_at, inc2.closed_at) == ("cancelled", sao_paulo(1, 11), None)
    vendor = [e for e in inc2.events() if e.state == "awaiting-vendor"]
    assert [(e.seq, e.attributes["made_sla"]) for e in vendor] == [(1, "true"), (2, "false")]


def test_scattered_rows_and_any_batch_size_give_the_same_tickets(write: Write) -> None:
    contiguous = write("a.csv", log(*INC1, *INC2))
    servicenow(contiguous)
    expected = _snapshot()
    Ticket.objects.all().delete()
    scattered = [
        INC1[3],
        INC2[0],
        INC1[0],
        INC1[6],
        INC2[2],
        INC1[1],
        INC2[1],
        INC1[2],
        INC1[4],
        INC2[3],
        INC1[5],
    ]
    status, summary, _ = servicenow(write("b.csv", log(*scattered)), "--batch-size", "2")
    assert status == 0
    assert summary.endswith("events: created 11")
    assert _snapshot() == expected
    again = servicenow(contiguous, "--batch-size", "3")[1]
    assert again == "read 11, created 0, updated 0, unchanged 2, rejected 0; events: created 0"


def _snapshot() -> dict[str, object]:
    fields = ("state", "priority", "opened_at", "responded_at", "resolved_at", "closed_at")
    tickets = {
        t.external_id: (*(getattr(t, f) for f in fields), t.attributes)
        for t in Ticket.objects.all()
    }
    events = sorted(
        (history.ticket.external_id, e.seq, e.at, e.state, e.priority)
        for history in TicketHistory.objects.select_related("ticket")
        for e in history.events()
    )
    return {"tickets": tickets, "events": events}


def test_a_later_export_updates_tickets_and_adds_only_new_events(write: Write) -> None:
    servicenow(write("early.csv", log(*INC1[:4], *INC2)))
    assert Ticket.objects.get(external_id="INC1").state == "awaiting-customer"
    summary = servicenow(write("later.csv", log(*INC1, *INC2)))[1]
    assert summary == "read 11, created 0, updated 1, unchanged 1, rejected 0; events: created 3"
    inc1 = Ticket.objects.get(external_id="INC1")
    assert (inc1.state, inc1.priority, inc1.closed_at) == ("closed", "2", sao_paulo(3, 10))
    assert len(inc1.events()) == 7


def test_bad_rows_are_rejected_by_column(write: Write) -> None:
    rows = [
        ev("INC3", 0, "1/3/2016 09:00", "New"),
        ev("INC3", 1, "1/3/2016 10:00", "Active"),
        ev("INC3", "x", "1/3/2016 11:00", "Resolved"),  # type: ignore[arg-type]
        ev("INC3", 3, "2016-03-01 12:00", "Closed"),
        ev("INC3", 4, "1/3/2016 13:00", "Closed", priority="High"),
        ev("INC3", 5, "1/3/2016 13:00", "Closed", opened_at="?"),
    ]
    status, summary, err = servicenow(write("log.csv", log(*rows)))
    assert status == 2
    assert summary == "read 6, created 1, updated 0, unchanged 0, rejected 4; events: created 2"
    assert "log.csv:4: column sys_mod_count expected a whole number" in err
    assert "log.csv:5: column sys_updated_at expected dd/mm/yyyy HH:MM" in err
    assert "log.csv:6: column priority expected a leading digit" in err
    assert "log.csv:7: column opened_at required" in err


def test_the_log_must_have_its_columns(write: Write) -> None:
    status, _, err = servicenow(write("log.csv", "number,state\nINC1,New\n"))
    assert status == 1
    assert "missing column incident_state, sys_mod_count" in err
