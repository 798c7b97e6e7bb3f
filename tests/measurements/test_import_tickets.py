"""`accord import tickets` from CSV and JSON Lines: upserts, every error class, exit codes."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.catalogue.models import Party, Subject
from accord.measurements import importers
from accord.measurements.importers.tickets import TicketImporter
from accord.measurements.models import Ticket
from tests.measurements.conftest import run_import

pytestmark = pytest.mark.django_db
Write = Callable[[str, str], Path]

HEADER = "id,service,customer,priority,opened_at,responded_at,resolved_at,closed_at,state,category"
TICKETS = f"""{HEADER}
T1,email,sales,1,2025-03-01T09:00:00Z,2025-03-01T09:10:00Z,2025-03-01T11:00:00Z,2025-03-02T09:00:00Z,Closed,network
T2,email,,3,2025-03-01 10:00:00,,,,In Progress,
T3,email,,4,2025-03-01T12:00:00+01:00,,,,,hardware
"""


def test_csv_tickets_are_created_with_their_attributes(
    write: Write, service: Subject, customer: Party
) -> None:
    outcome = run_import("tickets", write("t.csv", TICKETS))
    assert outcome.status == 0, outcome.err
    assert outcome.summary == "read 3, created 3, updated 0, unchanged 0, rejected 0"
    t1 = Ticket.objects.get(external_id="T1")
    assert (t1.source, t1.service, t1.customer, t1.priority, t1.state) == (
        "default",
        service,
        customer,
        "1",
        "closed",
    )
    assert t1.opened_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert t1.responded_at == datetime(2025, 3, 1, 9, 10, tzinfo=UTC)
    assert t1.resolved_at == datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    assert t1.closed_at == datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert t1.attributes == {"category": "network"}
    t2 = Ticket.objects.get(external_id="T2")
    assert (t2.state, t2.customer, t2.attributes, t2.responded_at) == (
        "in-progress",
        None,
        {},
        None,
    )
    t3 = Ticket.objects.get(external_id="T3")
    assert t3.opened_at == datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    assert t3.state == "new"  # no state and no later timestamp


def test_jsonl_tickets_keep_json_typed_attributes(write: Write, service: Subject) -> None:
    lines = [
        {
            "id": "J1",
            "service": "email",
            "priority": 2,
            "opened_at": "2025-03-01T09:00:00Z",
            "state": "awaiting customer",
            "vip": True,
            "tags": ["a", "b"],
            "note": None,
        },
        {"id": "J2", "opened_at": "2025-03-01T10:00:00Z", "resolved_at": "2025-03-01T12:00:00Z"},
    ]
    path = write("t.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    assert run_import("tickets", path).status == 0
    j1 = Ticket.objects.get(external_id="J1")
    assert (j1.priority, j1.state, j1.service) == ("2", "awaiting-customer", service)
    assert j1.attributes == {"vip": True, "tags": ["a", "b"]}
    j2 = Ticket.objects.get(external_id="J2")
    assert (j2.state, j2.service) == ("resolved", None)


def test_importing_the_same_file_twice_changes_nothing(
    write: Write, service: Subject, customer: Party
) -> None:
    path = write("t.csv", TICKETS)
    run_import("tickets", path)
    stamps = dict(Ticket.objects.values_list("external_id", "updated_at"))
    outcome = run_import("tickets", path)
    assert outcome.summary == "read 3, created 0, updated 0, unchanged 3, rejected 0"
    assert dict(Ticket.objects.values_list("external_id", "updated_at")) == stamps


def test_a_later_export_updates_the_tickets_that_changed(
    write: Write, service: Subject, customer: Party
) -> None:
    run_import("tickets", write("t.csv", TICKETS))
    later = TICKETS.replace(",,,,In Progress,", ",2025-03-01T10:05:00Z,,,In Progress,")
    later += "T4,email,,2,2025-03-02T08:00:00Z,,,,new,\n"
    outcome = run_import("tickets", write("later.csv", later))
    assert outcome.summary == "read 4, created 1, updated 1, unchanged 2, rejected 0"
    assert Ticket.objects.get(external_id="T2").responded_at == datetime(
        2025, 3, 1, 10, 5, tzinfo=UTC
    )


def test_sources_keep_their_ids_apart(write: Write, service: Subject, customer: Party) -> None:
    path = write("t.csv", TICKETS)
    run_import("tickets", path)
    outcome = run_import("tickets", path, "--source", "jira")
    assert outcome.summary == "read 3, created 3, updated 0, unchanged 0, rejected 0"
    assert Ticket.objects.filter(external_id="T1").count() == 2


def test_service_option_sets_every_rows_service(write: Write, component: Subject) -> None:
    path = write("t.csv", "id,service,opened_at\nT1,nonexistent,2025-03-01T09:00:00Z\n")
    assert run_import("tickets", path, "--service", "mail-relay").status == 0
    assert Ticket.objects.get().service == component  # a component may carry tickets too


def test_service_option_naming_nothing_imports_nothing(write: Write, db: None) -> None:
    outcome = run_import("tickets", write("t.csv", TICKETS), "--service", "payroll")
    assert outcome.status == 1
    assert "no service or component named 'payroll'" in outcome.err
    assert not Ticket.objects.exists()


def test_naive_timestamps_are_read_in_the_timezone_given(write: Write, db: None) -> None:
    path = write("t.csv", "id,opened_at\nT1,2025-07-01 09:00\nT2,2025-07-01T09:00:00Z\n")
    assert run_import("tickets", path, "--timezone", "Europe/Paris").status == 0
    opened = dict(Ticket.objects.values_list("external_id", "opened_at"))
    assert opened == {
        "T1": datetime(2025, 7, 1, 7, 0, tzinfo=UTC),
        "T2": datetime(2025, 7, 1, 9, 0, tzinfo=UTC),
    }


def test_an_unknown_timezone_is_a_clear_error(write: Write, db: None) -> None:
    outcome = run_import("tickets", write("t.csv", TICKETS), "--timezone", "Paris")
    assert outcome.status == 1
    assert "--timezone: unknown time zone 'Paris'" in outcome.err


BAD_ROWS = """id,service,customer,opened_at,resolved_at,state,priority
G1,email,,2025-03-01T09:00:00Z,,new,3
,email,,2025-03-01T09:00:00Z,,new,3
B2,email,,yesterday,,new,3
B3,email,,2025-03-01T09:00:00Z,2025-02-01T09:00:00Z,new,3
B4,billing,,2025-03-01T09:00:00Z,,new,3
B5,email,nobody,2025-03-01T09:00:00Z,,new,3
B6,email,,2025-03-01T09:00:00Z
B7,email,,,,new,3
B8,email,,2025-03-01T09:00:00Z,,new,{long}
G2,email,,2025-03-01T09:00:00Z,,new,3
""".format(long="9" * 21)


def test_bad_rows_are_reported_with_row_column_and_reason_and_the_rest_kept(
    write: Write, service: Subject, tmp_path: Path
) -> None:
    path = write("bad.csv", BAD_ROWS)
    errors = tmp_path / "errors.csv"
    outcome = run_import("tickets", path, "--errors", errors)
    assert outcome.status == 2
    assert outcome.summary == "read 10, created 2, updated 0, unchanged 0, rejected 8"
    assert set(Ticket.objects.values_list("external_id", flat=True)) == {"G1", "G2"}
    with errors.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file", "row", "column", "value", "reason"]
    found = {(int(r["row"]), r["column"]): r for r in rows}
    assert set(found) == {
        (3, "id"),
        (4, "opened_at"),
        (5, "resolved_at"),
        (6, "service"),
        (7, "customer"),
        (8, ""),
        (9, "opened_at"),
        (10, "priority"),
    }
    assert found[4, "opened_at"]["value"] == "yesterday"
    assert "ISO 8601" in found[4, "opened_at"]["reason"]
    assert "before opened_at" in found[5, "resolved_at"]["reason"]
    assert found[6, "service"]["reason"] == "no service or component named 'billing'"
    assert found[7, "customer"]["reason"] == "no party named 'nobody'"
    assert "4 fields where the header has 7" in found[8, ""]["reason"]
    assert found[9, "opened_at"]["reason"] == "required"
    assert all(r["file"] == str(path) for r in rows)
    assert f"{path}:4: column opened_at" in outcome.err
    assert "8 row(s) rejected" in outcome.err


def test_only_the_first_twenty_rejections_are_printed(write: Write, db: None) -> None:
    rows = "".join(f"T{i},not-a-date\n" for i in range(25))
    outcome = run_import("tickets", write("t.csv", "id,opened_at\n" + rows))
    assert outcome.status == 2
    printed = [line for line in outcome.err.splitlines() if "not-a-date" in line]
    assert len(printed) == 20
    assert "… and 5 more" in outcome.err


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("t.csv", "number,opened\n1,2\n", "missing column id, opened_at"),
        ("t.jsonl", "id,opened_at\nT1,2025-03-01\n", "not JSON"),
        ("t.txt", TICKETS, "cannot tell the format"),
        ("twice.csv", "id,id,opened_at\n", "column 'id' appears twice"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(
    write: Write, db: None, name: str, text: str, message: str
) -> None:
    good = write("good.csv", "id,opened_at\nT1,2025-03-01T09:00:00Z\n")
    outcome = run_import("tickets", good, write(name, text))
    assert outcome.status == 1
    assert message in outcome.err
    assert "nothing was imported" in outcome.err
    assert not Ticket.objects.exists()  # files are all checked before anything is written


def test_a_missing_file_imports_nothing(tmp_path: Path, db: None) -> None:
    outcome = run_import("tickets", tmp_path / "absent.csv")
    assert outcome.status == 1
    assert "No such file" in outcome.err


def test_the_format_option_overrides_the_file_name(write: Write, db: None) -> None:
    path = write("export.txt", '{"id": "T1", "opened_at": "2025-03-01T09:00:00Z"}\n')
    assert run_import("tickets", path, "--format", "jsonl").status == 0
    assert Ticket.objects.count() == 1


def test_jsonl_errors_name_the_line(write: Write, db: None) -> None:
    text = (
        '{"id": "T1", "opened_at": "2025-03-01T09:00:00Z"}\n{"id": "T2",\n[1]\n{"id": {"a": 1}}\n'
    )
    outcome = run_import("tickets", write("t.jsonl", text))
    assert outcome.status == 2
    assert "t.jsonl:2: not JSON" in outcome.err
    assert "t.jsonl:3: expected a JSON object" in outcome.err
    assert "t.jsonl:4: column id expected a single value" in outcome.err


def test_a_dry_run_counts_but_writes_nothing(
    write: Write, service: Subject, customer: Party
) -> None:
    outcome = run_import("tickets", write("t.csv", TICKETS), "--dry-run")
    assert outcome.status == 0
    assert outcome.summary == (
        "dry run, nothing written: read 3, created 3, updated 0, unchanged 0, rejected 0"
    )
    assert not Ticket.objects.exists()


def test_a_repeated_id_applies_in_file_order(write: Write, db: None) -> None:
    text = "id,opened_at,state\nT1,2025-03-01T09:00:00Z,new\nT1,2025-03-01T09:00:00Z,closed\n"
    outcome = run_import("tickets", write("t.csv", text))
    assert outcome.summary == "read 2, created 1, updated 1, unchanged 0, rejected 0"
    assert Ticket.objects.get().state == "closed"


def test_an_interrupted_import_completes_when_run_again(write: Write, db: None) -> None:
    rows = [f"T{i},2025-03-01T09:{i % 60:02d}:00Z,g{i % 7}\n" for i in range(95)]
    header = "id,opened_at,group\n"
    # The first 40 rows stand for an import killed after a few committed batches.
    run_import("tickets", write("part.csv", header + "".join(rows[:40])), "--batch-size", "7")
    outcome = run_import("tickets", write("all.csv", header + "".join(rows)), "--batch-size", "7")
    assert outcome.summary == "read 95, created 55, updated 0, unchanged 40, rejected 0"
    assert Ticket.objects.count() == 95


def test_cells_spanning_lines_keep_the_line_numbers_right(write: Write, db: None) -> None:
    text = 'id,opened_at,note\nT1,2025-03-01T09:00:00Z,"two\nlines"\nT2,bad,\n'
    outcome = run_import("tickets", write("t.csv", text))
    assert "t.csv:4: column opened_at" in outcome.err
    assert Ticket.objects.get().attributes == {"note": "two\nlines"}


def test_an_errors_file_that_cannot_be_written_imports_nothing(
    write: Write, tmp_path: Path, db: None
) -> None:
    outcome = run_import("tickets", write("t.csv", TICKETS), "--errors", tmp_path / "no" / "e.csv")
    assert outcome.status == 1
    assert "--errors:" in outcome.err
    assert not Ticket.objects.exists()


def test_plain_chunks_and_quoted_ones_read_alike(write: Write, db: None) -> None:
    rows = [f"T{i},2025-03-01T09:00:00Z,plain {i}" for i in range(5)]
    rows += ['T5,bad,"quoted, with a comma"', "T6,2025-03-01T09:00:00Z,after"]
    text = "id,opened_at,note\r\n" + "\r\n".join(rows)  # no line break at the end
    outcome = run_import("tickets", write("t.csv", text), "--batch-size", "2")
    assert "t.csv:7: column opened_at" in outcome.err  # T5: line numbers survive the switch
    notes = dict(Ticket.objects.values_list("external_id", "attributes"))
    assert notes == {f"T{i}": {"note": f"plain {i}"} for i in range(5)} | {"T6": {"note": "after"}}


def test_a_file_parsed_in_a_child_process_imports_alike(
    write: Write, service: Subject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "PARSE_IN_PROCESS_FROM_BYTES", 0)
    path = write("bad.csv", BAD_ROWS)
    outcome = run_import("tickets", path, "--batch-size", "3")
    assert outcome.summary == "read 10, created 2, updated 0, unchanged 0, rejected 8"
    assert f"{path}:4: column opened_at" in outcome.err
    assert f"{path}:8: 4 fields where the header has 7" in outcome.err
    assert set(Ticket.objects.values_list("external_id", flat=True)) == {"G1", "G2"}
    text = "id,opened_at,category,group\nT1,2025-03-01T09:00:00Z,a,\nT2,2025-03-01T09:00:00Z,b,c\n"
    assert run_import("tickets", write("t.csv", text)).status == 0
    assert dict(
        Ticket.objects.filter(external_id__startswith="T").values_list("external_id", "attributes")
    ) == {
        "T1": {"category": "a"},
        "T2": {"category": "b", "group": "c"},
    }


@pytest.mark.parametrize("parse_rows", [1, 3])
def test_a_batch_parsed_in_chunks_imports_as_one(
    write: Write, service: Subject, tmp_path: Path, parse_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows parsed a few at a time and joined into batches: the same rows, errors and
    line numbers, whatever falls in which chunk (bad rows, a row of another width, extra
    cells present in some chunks and blank in others)."""
    monkeypatch.setattr(TicketImporter, "parse_rows", parse_rows)
    errors = tmp_path / "errors.csv"
    outcome = run_import(
        "tickets", write("bad.csv", BAD_ROWS), "--errors", errors, "--batch-size", "4"
    )
    assert outcome.summary == "read 10, created 2, updated 0, unchanged 0, rejected 8"
    with errors.open(newline="") as handle:
        assert sorted(int(row["row"]) for row in csv.DictReader(handle)) == list(range(3, 11))
    text = "id,opened_at,category,group\n" + "".join(
        f"T{i},2025-03-01T09:00:00Z,c{i},{'' if i == 4 else f'g{i}'}\n" for i in range(7)
    )
    assert run_import("tickets", write("extras.csv", text), "--batch-size", "5").status == 0
    stored = dict(
        Ticket.objects.filter(external_id__startswith="T").values_list("external_id", "attributes")
    )
    assert stored == {
        f"T{i}": {"category": f"c{i}"} | ({} if i == 4 else {"group": f"g{i}"}) for i in range(7)
    }
