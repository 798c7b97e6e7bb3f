"""A large import sets some upkeep aside — the secondary indexes of tickets and of their
histories, and the foreign keys of tickets (PostgreSQL) and of histories (both databases:
a constraint on PostgreSQL, the connection's checks on SQLite) — and it always comes back: at the
end, when the import fails, and, after a killed import, at the start of the next one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from accord.catalogue.models import Subject
from accord.measurements import services
from accord.measurements.importers import ImportOptions, run_import, set_aside
from accord.measurements.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db(transaction=True)  # each import commits as in real use


class Interrupted(Exception):
    pass


def event_key() -> set_aside.SetAside:
    """The key of histories to tickets a large event import sets aside on this database."""
    if connection.vendor == "postgresql":
        return set_aside.HISTORY_TICKETS
    return set_aside.HISTORY_KEYS_SQLITE


def ticket_upkeep() -> list[str]:
    """What a large ticket import sets aside on this database."""
    keys = ["Ticket.service", "Ticket.customer"] if connection.vendor == "postgresql" else []
    return ["the indexes of Ticket", *(f"the foreign key {key}" for key in keys)]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Six tickets of `svc` and two events each."""
    Subject.objects.create(kind="service", name="svc")
    tickets, events = tmp_path / "tickets.csv", tmp_path / "events.csv"
    ids = [f"T{i}" for i in range(6)]
    tickets.write_text(
        "id,service,opened_at,category\n"
        + "".join(f"{t},svc,2026-01-0{1 + i}T10:00:00Z,c{i}\n" for i, t in enumerate(ids))
    )
    events.write_text(
        "ticket_id,at,state\n"
        + "".join(
            f"{t},2026-01-0{1 + i}T10:00:00Z,new\n{t},2026-01-0{1 + i}T11:00:00Z,closed\n"
            for i, t in enumerate(ids)
        )
    )
    return tickets, events


@pytest.fixture
def drops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any import is large enough to set things aside; records what was dropped."""
    monkeypatch.setattr(set_aside, "SET_ASIDE_FROM_ROWS", 1)
    dropped: list[str] = []
    for item in set_aside.EVERYTHING:
        real = item.drop

        def drop(real: Any = real, name: str = str(item)) -> None:
            dropped.append(name)
            real()

        monkeypatch.setattr(item, "drop", drop)
    return dropped


def test_a_large_import_sets_upkeep_aside_and_puts_it_back(
    files: tuple[Path, Path], drops: list[str]
) -> None:
    tickets, events = files
    assert run_import([tickets], ImportOptions(kind="tickets", batch_size=2)).counts.created == 6
    report = run_import([events], ImportOptions(kind="events", batch_size=4))
    assert report.counts.created == 12
    events = ["the indexes of TicketHistory", str(event_key())]
    assert drops == ticket_upkeep() + events
    assert set_aside.TICKET_INDEXES.present()
    assert set_aside.HISTORY_INDEXES.present()
    assert set_aside.HISTORY_TICKETS.present()  # never dropped on SQLite
    assert all(item.present() for item in set_aside.EVERYTHING if item.applies())
    t3 = Ticket.objects.get(external_id="T3")
    assert [(e.seq, e.state) for e in t3.events()] == [(0, "new"), (1, "closed")]


def test_an_import_into_a_larger_table_keeps_its_upkeep(
    files: tuple[Path, Path], drops: list[str]
) -> None:
    tickets, _ = files
    run_import([tickets], ImportOptions(kind="tickets"))
    drops.clear()
    run_import([tickets], ImportOptions(kind="tickets"))  # six rows into a table of six
    assert drops == ticket_upkeep()  # as large as the table: still worth it
    for i in range(6, 30):
        Ticket.objects.create(external_id=f"X{i}", opened_at="2026-01-01T00:00:00Z", state="new")
    drops.clear()
    report = run_import([tickets], ImportOptions(kind="tickets"))
    assert drops == []
    assert report.counts.unchanged == 6


def test_a_dry_run_sets_nothing_aside(files: tuple[Path, Path], drops: list[str]) -> None:
    tickets, _ = files
    run_import([tickets], ImportOptions(kind="tickets", dry_run=True))
    assert drops == []


def test_a_failing_import_puts_the_indexes_back(
    files: tuple[Path, Path], drops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets, _ = files
    real = services.upsert_ticket_batch
    calls = 0

    def failing_second(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Interrupted
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "upsert_ticket_batch", failing_second)
    with pytest.raises(Interrupted):
        run_import([tickets], ImportOptions(kind="tickets", batch_size=2))
    assert drops == ticket_upkeep()
    assert all(item.present() for item in set_aside.TICKET_UPKEEP)


def test_what_a_killed_import_left_aside_comes_back_with_the_next_import(
    files: tuple[Path, Path],
) -> None:
    tickets, events = files
    for item in set_aside.EVERYTHING:  # as a killed import leaves them
        if item.applies():
            item.drop()
    assert not set_aside.TICKET_INDEXES.present()
    run_import([tickets], ImportOptions(kind="tickets"))  # small: sets nothing aside itself
    assert all(item.present() for item in set_aside.EVERYTHING if item.applies())
    assert run_import([events], ImportOptions(kind="events")).counts.created == 12


def test_migrate_puts_back_what_a_killed_import_left_aside(db: None) -> None:
    for item in set_aside.EVERYTHING:
        if item.applies():
            item.drop()
    call_command("migrate", verbosity=0)
    assert all(item.present() for item in set_aside.EVERYTHING if item.applies())


def test_histories_orphaned_while_the_key_was_aside_go_when_it_comes_back(
    files: tuple[Path, Path],
) -> None:
    tickets, events = files
    run_import([tickets], ImportOptions(kind="tickets"))
    run_import([events], ImportOptions(kind="events"))
    key = event_key()
    key.drop()
    gone = Ticket.objects.get(external_id="T2").pk
    with connection.cursor() as cursor:  # below the ORM, which would cascade itself
        cursor.execute(f"DELETE FROM {Ticket._meta.db_table} WHERE id = %s", [gone])
    assert TicketHistory.objects.get(ticket_id=gone).size == 2
    assert set_aside.restore_all() == [str(key)]
    assert key.present()
    assert not TicketHistory.objects.filter(ticket_id=gone).exists()
    assert TicketHistory.objects.count() == 5
    assert TicketHistory.objects.aggregate(events=Sum("size"))["events"] == 10


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="the key is set aside on PostgreSQL")
def test_tickets_whose_service_went_while_the_key_was_aside_keep_their_data(
    files: tuple[Path, Path],
) -> None:
    tickets, _ = files
    run_import([tickets], ImportOptions(kind="tickets"))
    set_aside.TICKET_SERVICES.drop()
    gone = Subject.objects.get(name="svc").pk
    with connection.cursor() as cursor:  # below the ORM, whose PROTECT would refuse
        cursor.execute(f"DELETE FROM {Subject._meta.db_table} WHERE id = %s", [gone])
    assert set_aside.restore_all() == ["the foreign key Ticket.service"]
    assert set_aside.TICKET_SERVICES.present()
    assert Ticket.objects.count() == 6
    assert not Ticket.objects.filter(service_id__isnull=False).exists()
    assert Ticket.objects.get(external_id="T3").attributes == {"category": "c3"}


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="the key is set aside on PostgreSQL")
def test_a_key_put_back_without_orphans_touches_no_row(files: tuple[Path, Path]) -> None:
    tickets, _ = files
    run_import([tickets], ImportOptions(kind="tickets"))
    before = list(Ticket.objects.values_list("id", "service_id", "updated_at"))
    set_aside.TICKET_SERVICES.drop()
    assert set_aside.restore_all() == ["the foreign key Ticket.service"]
    assert list(Ticket.objects.values_list("id", "service_id", "updated_at")) == before
