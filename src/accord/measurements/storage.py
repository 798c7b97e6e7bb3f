"""Reading and writing the measurement tables in bulk: the private half of services.py.

Every function takes the `Bulk` of the current connection and runs inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

from accord.measurements.batches import EventRow, TicketBatch, picked
from accord.measurements.bulk import Bulk
from accord.measurements.history import (
    HistoryColumns,
    HistoryPlan,
    HistoryText,
    OrderKey,
    by_instant,
    decode_history,
    encode_history,
    plan_history,
)
from accord.measurements.instants import utc_text
from accord.measurements.jsontext import json_column
from accord.measurements.models import MetricPoint, MetricSeries, Ticket, TicketHistory
from accord.measurements.records import Counts, PointRecord

TICKET_COLUMNS = (
    "source",
    "external_id",
    "service_id",
    "customer_id",
    "priority",
    "state",
    "opened_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "attributes",
    "updated_at",
)
# The fields of a HistoryText between the ticket and the time of writing.
HISTORY_COLUMNS = (
    "ticket_id",
    "size",
    "instants",
    "states",
    "priorities",
    "attributes",
    "updated_at",
)
POINT_COLUMNS = ("series_id", "start", "end", "good", "total", "value")


def stored_tickets(
    bulk: Bulk, source: str, external_ids: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    """external id → (id, *the stored values of TICKET_COLUMNS[2:-1]), instants as text."""
    columns = f"id, {bulk.stored(Ticket, TICKET_COLUMNS[1:-1])}"
    rows = _by_key(bulk, columns, source, list(external_ids), key_at=1)
    read = bulk.read_instant
    return {row[1]: (row[0], *row[2:6], *map(read, row[6:10]), row[10]) for row in rows}


def ticket_ids(bulk: Bulk, source: str, external_ids: Iterable[str]) -> dict[str, int]:
    table = bulk.table(Ticket)
    sql = f"SELECT external_id, id FROM {table} WHERE source = %s AND external_id {{in_}}"
    return dict(bulk.select_in(sql, [source], external_ids))  # type: ignore[arg-type]


def write_tickets(
    bulk: Bulk,
    source: str,
    batch: TicketBatch,
    existing: Mapping[str, tuple[Any, ...]],
    subjects: Mapping[str, int],
    parties: Mapping[str, int],
) -> Counts:
    """Write the tickets of `batch` that are new or differ from `existing`."""
    attributes = json_column(batch.attributes)
    columns: list[Sequence[Any]] = [  # TICKET_COLUMNS[2:-2]
        list(map(subjects.get, batch.service)),
        list(map(parties.get, batch.customer)),
        batch.priority,
        batch.state,
        batch.opened_at,
        batch.responded_at,
        batch.resolved_at,
        batch.closed_at,
    ]
    external_ids: Sequence[str] = batch.external_id
    counts = Counts(created=len(external_ids))
    if existing:  # count, and leave out the tickets that have not changed
        written = _changed(batch, columns, existing, counts)
        if len(written) < len(external_ids):
            external_ids, attributes = picked(external_ids, written), picked(attributes, written)
            columns = [picked(column, written) for column in columns]
    now = utc_text(datetime.now(UTC))
    rows = list(
        zip(repeat(source), external_ids, *columns, attributes, repeat(now), strict=False)
    )  # repeat() never ends; the others have one value per row
    new = not (counts.updated or counts.unchanged)
    update = TICKET_COLUMNS[2:]
    bulk.write(Ticket, TICKET_COLUMNS, rows, conflict=TICKET_COLUMNS[:2], update=update, new=new)
    return counts


def _changed(
    batch: TicketBatch,
    columns: Sequence[Sequence[Any]],
    existing: Mapping[str, tuple[Any, ...]],
    counts: Counts,
) -> list[int]:
    """Positions of the tickets to write (new or changed); counts all of them."""
    counts.created = 0
    written: list[int] = []
    rows = zip(batch.external_id, zip(*columns, strict=True), strict=True)
    for position, (external_id, current) in enumerate(rows):
        stored = existing.get(external_id)
        if stored is None:
            counts.created += 1
        elif stored[1:-1] == current and _same_json(stored[-1], batch.attributes[position]):
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        written.append(position)
    return written


def _same_json(stored: Any, value: Mapping[str, Any]) -> bool:
    return bool(Bulk.read_json(stored) == value)


def ticket_ids_with_history(
    bulk: Bulk, source: str, external_ids: Iterable[str]
) -> tuple[dict[str, int], set[int]]:
    """The ids of these tickets, and which of those ids have a stored history.

    Two look-ups, each a scan of one stretch of an index where it can be (see
    `Bulk.select_in_range`): tickets by key, then histories by ticket id, which a batch's
    tickets share when they were imported together. One query joining the two probed the
    histories' index once per ticket, even while none was stored: five million events
    spent 1.5–1.8 s of the server's time in it, a fifth of the import.
    """
    wanted = list(external_ids)
    ids = dict(_by_key(bulk, "external_id, id", source, wanted, key_at=0))
    if not ids:
        return ids, set()
    pks = list(ids.values())
    select = f"SELECT ticket_id FROM {bulk.table(TicketHistory)} WHERE ticket_id"
    rows = bulk.select_in_range(select, [], pks, key_at=0)
    if rows is None:
        rows = bulk.select_in(select + " {in_}", [], pks)
    return ids, {pk for (pk,) in rows}


def _by_key(
    bulk: Bulk, columns: str, source: str, wanted: list[str], key_at: int
) -> list[tuple[Any, ...]]:
    """`columns` of the tickets of `source` whose external id (column `key_at` of
    `columns`) is one of `wanted`."""
    select = f"SELECT {columns} FROM {bulk.table(Ticket)} WHERE source = %s AND external_id"
    rows = bulk.select_in_range(select, [source], wanted, key_at=key_at)
    if rows is None:
        rows = bulk.select_in(select + " {in_}", [source], wanted)
    return rows


def write_histories(
    bulk: Bulk, pks: Sequence[int], histories: HistoryColumns, *, new: bool
) -> None:
    """Store these tickets' histories (given column by column), replacing any stored."""
    now = utc_text(datetime.now(UTC))
    names = HISTORY_COLUMNS
    values: list[Sequence[Any]] = [pks, *histories]
    if not any(histories[-1]):
        # None has attributes: the column is left to its default (null), which SQLite
        # then neither binds nor checks.
        names = HISTORY_COLUMNS[:-2] + HISTORY_COLUMNS[-1:]
        values.pop()
    rows = list(zip(*values, repeat(now)))
    # A history is replaced whole (a missing attributes column updates it to null).
    update = HISTORY_COLUMNS[1:]
    bulk.write(TicketHistory, names, rows, conflict=HISTORY_COLUMNS[:1], update=update, new=new)


def history_plans(
    bulk: Bulk, incoming: Mapping[int, list[EventRow]], order_key: OrderKey = by_instant
) -> dict[int, HistoryPlan]:
    """How the `incoming` events of tickets (by primary key) join their stored histories."""
    stored = stored_events(bulk, {pk: events[0].ticket for pk, events in incoming.items()})
    return {
        pk: plan_history(stored.get(pk, ()), events, order_key) for pk, events in incoming.items()
    }


def stored_events(
    bulk: Bulk, external_ids: Mapping[int, str]
) -> dict[int, list[tuple[int, EventRow]]]:
    """(seq, event) of the tickets with these primary keys, in seq order."""
    if not external_ids:
        return {}
    sql = (
        f"SELECT {', '.join(HISTORY_COLUMNS[:-1])} FROM {bulk.table(TicketHistory)}"
        " WHERE ticket_id {in_}"
    )
    stored: dict[int, list[tuple[int, EventRow]]] = {}
    for pk, *history in bulk.select_in(sql, [], external_ids):
        ticket = external_ids[pk]
        stored[pk] = [
            (seq, EventRow(ticket, *event)) for seq, event in enumerate(decode_history(*history))
        ]
    return stored


def write_events(bulk: Bulk, plans: Mapping[int, HistoryPlan], *, new: bool = False) -> Counts:
    """Store the histories that `plans` add to; `new`: none of these tickets had one."""
    counts = Counts()
    changed: dict[int, HistoryText] = {}
    for pk, plan in plans.items():
        counts.created += len(plan.new)
        counts.unchanged += plan.unchanged
        if plan.new:
            changed[pk] = encode_history(plan.merged)
    if changed:
        columns = tuple(map(list, zip(*changed.values(), strict=True)))
        write_histories(bulk, list(changed), columns, new=new)  # type: ignore[arg-type]
    return counts


def point_kind(point: PointRecord) -> str:
    return MetricSeries.Kind.VALUES if point.value is not None else MetricSeries.Kind.COUNTS


def series_of(bulk: Bulk, points: Sequence[PointRecord]) -> dict[str, tuple[int, str]]:
    """(id, kind) of every series named by `points`, creating those not yet known."""
    first_kind: dict[str, str] = {}
    for point in points:
        first_kind.setdefault(point.series, point_kind(point))
    bulk.write(MetricSeries, ("name", "kind"), list(first_kind.items()), conflict=("name",))
    sql = f"SELECT name, id, kind FROM {bulk.table(MetricSeries)} WHERE name {{in_}}"
    return {name: (pk, kind) for name, pk, kind in bulk.select_in(sql, [], first_kind)}


def stored_points(
    bulk: Bulk, series: Mapping[str, tuple[int, str]], points: Sequence[PointRecord]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(series id, start) → the stored values of POINT_COLUMNS, instants as text."""
    starts: dict[int, list[Any]] = {}
    for point in points:
        starts.setdefault(series[point.series][0], []).append(bulk.instant(utc_text(point.start)))
    columns = bulk.stored(MetricPoint, POINT_COLUMNS)
    table = bulk.table(MetricPoint)
    sql = f"SELECT {columns} FROM {table} WHERE series_id = %s AND start {{in_}}"
    read = bulk.read_instant
    return {
        (row[0], read(row[1])): (row[0], read(row[1]), read(row[2]), *row[3:])
        for series_id, instants in starts.items()
        for row in bulk.select_in(sql, [series_id], instants)
    }
