"""An import interrupted part-way leaves whole transactions behind — on SQLite, ticket
imports commit every COMMIT_ROWS rows, elsewhere every batch — and a rerun completes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from accord.catalogue.models import Subject
from accord.measurements import importers, services
from accord.measurements.importers import ImportOptions, run_import
from accord.measurements.models import Ticket


class Interrupted(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_interrupted_ticket_import_keeps_whole_transactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Subject.objects.create(kind="service", name="svc")
    path = tmp_path / "tickets.csv"
    rows = [f"T{i},svc,2026-01-0{1 + i % 9}T10:00:00Z,3" for i in range(10)]
    path.write_text("id,service,opened_at,priority\n" + "\n".join(rows) + "\n")
    options = ImportOptions(kind="tickets", batch_size=2)
    monkeypatch.setattr(importers, "COMMIT_ROWS", 4)  # two batches per SQLite transaction
    real = services.upsert_ticket_batch
    calls = 0

    def failing_fourth(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:  # the fourth batch: rows 7 and 8
            raise Interrupted
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "upsert_ticket_batch", failing_fourth)
    with pytest.raises(Interrupted):
        run_import([path], options)
    # SQLite committed the first two batches together and lost the third with the
    # fourth; PostgreSQL committed each of the first three.
    kept = 4 if connection.vendor == "sqlite" else 6
    assert Ticket.objects.count() == kept
    assert set(Ticket.objects.values_list("external_id", flat=True)) == {
        f"T{i}" for i in range(kept)
    }

    monkeypatch.setattr(services, "upsert_ticket_batch", real)
    report = run_import([path], options)
    assert (report.counts.created, report.counts.unchanged) == (10 - kept, kept)
    assert Ticket.objects.count() == 10
