"""`accord import tickets` and `accord import events` from CSV or JSON Lines: the bulk
path, parsed column-wise (see columns.py) into batches."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from accord.measurements import services
from accord.measurements.batches import EventBatch, TicketBatch, concatenated, size, take
from accord.measurements.history import HistoryBatch, prepare_histories
from accord.measurements.importers import columns
from accord.measurements.importers.base import (
    Flushed,
    Importer,
    Parsed,
    flush_in_runs,
    joined_parts,
    rejections,
)
from accord.measurements.importers.reading import Chunk
from accord.measurements.importers.set_aside import EVENT_UPKEEP, TICKET_UPKEEP
from accord.measurements.instants import IsoInstants
from accord.measurements.models import Ticket, TicketHistory
from accord.measurements.records import PRIORITY_MAX_LENGTH

ID_MAX_LENGTH = 200
NAME_MAX_LENGTH = 100  # catalogue names


PARSE_ROWS = 2_500  # see Importer.parse_rows


def _joined_batches(parts: Sequence[Parsed]) -> Parsed:
    if len(parts) == 1:
        return parts[0]
    return joined_parts(concatenated([part.items for part in parts]), parts)


def _without_bad(batch: TicketBatch | EventBatch, chunk: Chunk, bad: columns.Bad) -> Parsed:
    errors = list(chunk.errors)
    if not bad:
        return Parsed(batch, chunk.lines, errors)
    keep = [i for i in range(size(batch)) if i not in bad]
    errors += [(chunk.lines[i], bad[i]) for i in sorted(bad)]
    return Parsed(take(batch, keep), [chunk.lines[i] for i in keep], errors)


class TicketImporter(Importer):
    grouped_commits = True
    parse_rows = PARSE_ROWS
    set_aside = TICKET_UPKEEP
    writes = (Ticket,)
    fields = (
        "id",
        "opened_at",
        "state",
        "priority",
        "service",
        "customer",
        "responded_at",
        "resolved_at",
        "closed_at",
    )

    def __init__(self, *, source: str, instants: IsoInstants, service: str | None) -> None:
        self.source = source
        self.instants = instants
        self.service = service  # --service: every row's service

    def required_columns(self) -> Sequence[str]:
        return ("id", "opened_at")

    def parse_chunk(self, chunk: Chunk) -> Parsed:
        ids, opened, state, priority, service, customer, *stamps = chunk.columns
        bad: columns.Bad = {}
        external_ids = columns.texts(ids, "id", ID_MAX_LENGTH, bad, required=True)
        opened_at = columns.instants(opened, "opened_at", self.instants, bad, required=True)
        later = []
        for values, column in zip(stamps, self.fields[6:], strict=True):
            moments = columns.instants(values, column, self.instants, bad, required=False)
            columns.not_before(moments, column, opened_at, "opened_at", bad)
            later.append(moments)
        states = columns.states(state, "state", bad, required=False)
        if "" in states:
            states = [
                s or _implied_state(*stamps) for s, *stamps in zip(states, *later, strict=True)
            ]
        if self.service:
            named = [self.service] * len(ids)
        else:
            named = columns.texts(service, "service", NAME_MAX_LENGTH, bad, required=False)
        batch = TicketBatch(
            external_ids,
            opened_at,  # type: ignore[arg-type]
            states,
            columns.texts(priority, "priority", PRIORITY_MAX_LENGTH, bad, required=False),
            named,
            columns.texts(customer, "customer", NAME_MAX_LENGTH, bad, required=False),
            *later,
            chunk.extras,
        )
        return _without_bad(batch, chunk, bad)

    def joined(self, parts: Sequence[Parsed]) -> Parsed:
        return _joined_batches(parts)

    def flush(self, batch: TicketBatch) -> Flushed:
        def flush_positions(positions: list[int] | None) -> Flushed:
            part = batch if positions is None else take(batch, positions)
            result = services.upsert_ticket_batch(part, source=self.source)
            return Flushed(result.counts, None, rejections(result))

        return flush_in_runs(batch.external_id, flush_positions)


def _implied_state(responded: str | None, resolved: str | None, closed: str | None) -> str:
    """A ticket row without a state is as far along as its timestamps say."""
    if closed:
        return "closed"
    if resolved:
        return "resolved"
    return "in-progress" if responded else "new"


class EventImporter(Importer):
    set_aside = EVENT_UPKEEP
    parse_rows = PARSE_ROWS
    writes = (TicketHistory,)
    reads = (Ticket,)  # each event's ticket, by its key
    fields = ("ticket_id", "at", "state", "priority")

    def __init__(self, *, source: str, instants: IsoInstants) -> None:
        self.source = source
        self.instants = instants
        # Where a batch's events are grouped into histories (prepare_histories): on
        # PostgreSQL by the reader (for a large file, a child process on the other core),
        # as the writer waits for the server's share of each batch and the server needs a
        # core too; on SQLite by the writer, whose inserts cost less than the parsing.
        # Five million events, measured both ways: PostgreSQL 12.2-12.8 s in the reader,
        # 13.9-15.1 s in the writer; SQLite 11.1-12.2 s in the reader, 8.8-9.9 s in the
        # writer.
        self.prepare_in_reader = connection.vendor == "postgresql"

    def required_columns(self) -> Sequence[str]:
        return ("ticket_id", "at", "state")

    def parse_chunk(self, chunk: Chunk) -> Parsed:
        tickets, at, state, priority = chunk.columns
        bad: columns.Bad = {}
        batch = EventBatch(
            columns.texts(tickets, "ticket_id", ID_MAX_LENGTH, bad, required=True),
            columns.instants(at, "at", self.instants, bad, required=True),  # type: ignore[arg-type]
            columns.states(state, "state", bad, required=True),
            columns.texts(priority, "priority", PRIORITY_MAX_LENGTH, bad, required=False),
            chunk.extras,  # type: ignore[arg-type]
        )
        return _without_bad(batch, chunk, bad)

    def joined(self, parts: Sequence[Parsed]) -> Parsed:
        parsed = _joined_batches(parts)
        if not self.prepare_in_reader:
            return parsed
        return parsed._replace(items=prepare_histories(parsed.items))

    def flush(self, batch: EventBatch | HistoryBatch) -> Flushed:
        if isinstance(batch, EventBatch):
            batch = prepare_histories(batch)
        result = services.add_history_batch(batch, source=self.source)
        errors = rejections(result)
        for _, error in errors:  # the service's field is `ticket`; the file's column:
            error.column = "ticket_id"
            error.reason += "; import the tickets first"
        return Flushed(result.counts, None, errors)
