"""Migration measurements 0004: a ticket's event rows become its one history row, and back.

Runs the real migrations on the test database (both directions) with the historical
models of each state, then leaves the database at the latest state for the other tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("measurements", "0003_event_attributes_null_when_empty")
AFTER = ("measurements", "0004_ticket_history_one_row_per_ticket")
PARIS = timezone(timedelta(hours=1))  # (an offset: the instants are stored as instants)

# (seq, at, state, priority, attributes) of T1, in the order they are inserted: not
# the order of seq, whose order is not that of the instants either (as ServiceNow's).
T1_EVENTS: list[tuple[int, datetime, str, str, dict[str, Any] | None]] = [
    (2, datetime(2026, 3, 2, 11, 0, tzinfo=PARIS), "resolved", "1", None),
    (0, datetime(2026, 3, 2, 9, 0, 0, 250000, tzinfo=UTC), "new", "2", None),
    (3, datetime(2026, 3, 2, 10, 30, tzinfo=UTC), "closed", "1", {}),  # stored before 0003
    (1, datetime(2026, 3, 2, 9, 20, tzinfo=UTC), 'in "progress"', "", {"group": "désk\\1"}),
]
# T2: no event has attributes.
T2_EVENTS: list[tuple[int, datetime, str, str, dict[str, Any] | None]] = [
    (1, datetime(2026, 3, 3, 9, 5, tzinfo=UTC), "in-progress", "3", None),
    (0, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "new", "3", None),
]


def migrate(target: tuple[str, str] | list[tuple[str, str]]) -> Apps:
    """Migrate to `target`; returns the models of that state."""
    targets = target if isinstance(target, list) else [target]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_the_latest_state_afterwards(transactional_db: None) -> Iterator[None]:
    """Whatever happens in the test, the database ends at the latest migrations."""
    try:
        yield
    finally:
        migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_events_become_one_history_per_ticket_and_back(
    at_the_latest_state_afterwards: None,
) -> None:
    old = migrate(BEFORE)
    Subject = old.get_model("catalogue", "Subject")
    Ticket = old.get_model("measurements", "Ticket")
    TicketEvent = old.get_model("measurements", "TicketEvent")
    service = Subject.objects.create(kind="service", name="email")
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    t1, t2 = (
        Ticket.objects.create(external_id=name, service=service, state="new", opened_at=opened)
        for name in ("T1", "T2")
    )
    Ticket.objects.create(external_id="T3", service=service, state="new", opened_at=opened)
    for ticket, events in ((t2, T2_EVENTS[:1]), (t1, T1_EVENTS), (t2, T2_EVENTS[1:])):
        for seq, at, state, priority, attributes in events:
            TicketEvent.objects.create(
                ticket=ticket,
                seq=seq,
                at=at,
                state=state,
                priority=priority,
                attributes=attributes,
            )
    assert TicketEvent.objects.count() == 6

    new = migrate(AFTER)
    TicketHistory = new.get_model("measurements", "TicketHistory")
    assert "measurements_ticketevent" not in connection.introspection.table_names()
    histories = {h.ticket_id: h for h in TicketHistory.objects.all()}
    assert set(histories) == {t1.pk, t2.pk}  # none for T3, without events
    h1, h2 = histories[t1.pk], histories[t2.pk]
    assert h1.size == 4
    assert json.loads(h1.instants) == [
        "2026-03-02 09:00:00.250000",
        "2026-03-02 09:20:00",
        "2026-03-02 10:00:00",  # 11:00 at +01:00, in UTC
        "2026-03-02 10:30:00",
    ]
    assert json.loads(h1.states) == ["new", 'in "progress"', "resolved", "closed"]
    assert json.loads(h1.priorities) == ["2", "", "1", "1"]
    assert json.loads(h1.attributes) == [{}, {"group": "désk\\1"}, {}, {}]
    assert h1.updated_at is not None
    assert (h2.size, h2.attributes) == (2, None)
    assert json.loads(h2.instants) == ["2026-03-03 09:00:00", "2026-03-03 09:05:00"]
    assert (json.loads(h2.states), json.loads(h2.priorities)) == (["new", "in-progress"], ["3"] * 2)

    old = migrate(BEFORE)
    TicketEvent = old.get_model("measurements", "TicketEvent")
    assert "measurements_tickethistory" not in connection.introspection.table_names()
    stored = TicketEvent.objects.order_by("ticket_id", "seq").values_list(
        "ticket_id", "seq", "at", "state", "priority", "attributes"
    )
    assert list(stored) == [
        *(
            (t1.pk, seq, at, state, priority, attributes or None)  # {}: stored as NULL since 0003
            for seq, at, state, priority, attributes in sorted(T1_EVENTS, key=lambda e: e[0])
        ),
        *((t2.pk, *event) for event in sorted(T2_EVENTS, key=lambda e: e[0])),
    ]
