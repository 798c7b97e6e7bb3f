"""The real ServiceNow incident event log (tests/data) imports completely and right.

Expected values are computed here straight from the raw CSV with plain Python, following
tests/data/README.md, independently of the importer.
"""

from __future__ import annotations

import csv
import random
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from accord.catalogue.models import Subject
from accord.measurements.models import Ticket, TicketHistory
from tests.conftest import REPO
from tests.measurements.conftest import run_import

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LOG = REPO / "tests" / "data" / "incident_event_log.csv.zip"
ZONE = ZoneInfo("America/Sao_Paulo")
STATES = {
    "New": "new",
    "Active": "in-progress",
    "Awaiting User Info": "awaiting-customer",
    "Awaiting Vendor": "awaiting-vendor",
    "Awaiting Problem": "awaiting-problem",
    "Awaiting Evidence": "awaiting-evidence",
    "Resolved": "resolved",
    "Closed": "closed",
    "-100": "cancelled",
}
Row = dict[str, str]


def instant(text: str) -> datetime | None:
    if text == "?":
        return None
    local = datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=ZONE)
    return local.astimezone(UTC)


def expected_ticket(rows: list[tuple[int, Row]]) -> dict[str, object]:
    ordered = [
        row
        for _, row in sorted(
            rows,
            key=lambda ir: (int(ir[1]["sys_mod_count"]), instant(ir[1]["sys_updated_at"]), ir[0]),
        )
    ]
    last = ordered[-1]
    responded = next((r for r in ordered if r["incident_state"] != "New"), None)
    return {
        "state": STATES[last["incident_state"]],
        "priority": last["priority"][0],
        "opened_at": instant(last["opened_at"]),
        "responded_at": responded and instant(responded["sys_updated_at"]),
        "resolved_at": instant(last["resolved_at"]) or instant(last["closed_at"]),
        "closed_at": instant(last["closed_at"]),
        "assignment_group": None if last["assignment_group"] == "?" else last["assignment_group"],
        "made_sla": last["made_sla"],
        "events": [
            (seq, instant(r["sys_updated_at"]), STATES[r["incident_state"]], r["priority"][0])
            for seq, r in enumerate(ordered)
        ],
    }


def stored_ticket(ticket: Ticket) -> dict[str, object]:
    return {
        "state": ticket.state,
        "priority": ticket.priority,
        "opened_at": ticket.opened_at,
        "responded_at": ticket.responded_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "assignment_group": ticket.attributes.get("assignment_group"),
        "made_sla": ticket.attributes.get("made_sla"),
        "events": [(e.seq, e.at, e.state, e.priority) for e in ticket.events()],
    }


def awkward(tickets: dict[str, list[tuple[int, Row]]]) -> list[str]:
    """Hand-picked: reopened, cancelled on the way, closed without resolved_at, priority
    changed, rows out of modification order, still New at the end."""
    picked = ["INC0000130", "INC0000135", "INC0000137", "INC0028089"]
    tests = [
        lambda rows: rows[-1][1]["reopen_count"] != "0",
        lambda rows: rows[-1][1]["resolved_at"] == "?",
        lambda rows: len({r["priority"] for _, r in rows}) > 1,
        lambda rows: rows[-1][1]["incident_state"] == "New",
    ]
    for test in tests:
        picked.append(next(number for number, rows in tickets.items() if test(rows)))
    return picked


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("servicenow")
    with zipfile.ZipFile(LOG) as archive:
        archive.extract("incident_event_log.csv", directory)
    return directory / "incident_event_log.csv"


def test_the_real_log_imports_completely(log_csv: Path) -> None:
    Subject.objects.create(kind="service", name="itsm")
    args = (
        "tickets",
        log_csv,
        "--format",
        "servicenow",
        "--service",
        "itsm",
        "--timezone",
        "America/Sao_Paulo",
    )
    outcome = run_import(*args)
    assert outcome.status == 0, outcome.err
    assert outcome.summary == (
        "read 119998, created 20769, updated 0, unchanged 0, rejected 0; events: created 119998"
    )
    assert Ticket.objects.count() == 20769
    assert TicketHistory.objects.count() == 20769
    assert TicketHistory.objects.aggregate(events=Sum("size"))["events"] == 119998

    tickets: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    with log_csv.open(newline="") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            tickets[row["number"]].append((index, row))
    sample = random.Random(20160229).sample(sorted(tickets), 20) + awkward(tickets)
    for number in sample:
        ticket = Ticket.objects.get(source="default", external_id=number)
        assert stored_ticket(ticket) == expected_ticket(tickets[number]), number
    assert Ticket.objects.filter(resolved_at__isnull=True).count() == sum(
        1 for rows in tickets.values() if expected_ticket(rows)["resolved_at"] is None
    )

    again = run_import(*args)
    assert again.summary == (
        "read 119998, created 0, updated 0, unchanged 20769, rejected 0; events: created 0"
    )
