"""Reading and writing the measurement tables in bulk: the private half of services.py.

Every function takes the `Bulk` of the current connection and runs inside the caller's
transaction.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice, repeat
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import numpy as np

from accord.measurements.batches import EventBatch, EventRow, TextMaps, TicketBatch
from accord.measurements.bulk import Bulk
from accord.measurements.history import HistoryPlan, OrderKey, plan_history
from accord.measurements.instants import utc_text
from accord.measurements.models import MetricPoint, MetricSeries, Ticket, TicketEvent
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
EVENT_COLUMNS = ("ticket_id", "seq", "at", "state", "priority", "attributes")
POINT_COLUMNS = ("series_id", "start", "end", "good", "total", "value")
_TICKET_INSTANTS = slice(4, 8)  # opened … closed within TICKET_COLUMNS[2:-2]


def stored_tickets(
    bulk: Bulk, source: str, external_ids: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    """external id → (id, *the stored values of TICKET_COLUMNS[2:-1]), instants as text."""
    columns = bulk.stored(Ticket, TICKET_COLUMNS[1:-1])
    table = bulk.table(Ticket)
    sql = f"SELECT id, {columns} FROM {table} WHERE source = %s AND external_id"
    wanted = list(external_ids)
    rows = bulk.select_in_range(sql, [source], wanted, key_at=1)
    if rows is None:
        rows = bulk.select_in(sql + " {in_}", [source], wanted)
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
    attributes = _json_column(batch.attributes)
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
            external_ids, attributes = _taken(external_ids, written), _taken(attributes, written)
            columns = [_taken(column, written) for column in columns]
    if bulk.postgres:
        columns[_TICKET_INSTANTS] = map(bulk.instants, columns[_TICKET_INSTANTS])  # type: ignore[arg-type]
    now = bulk.instant(utc_text(datetime.now(UTC)))
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


def _json_column(values: Sequence[Mapping[str, Any]], empty: str | None = "{}") -> list[str | None]:
    """The JSON text of each map, as `json_text` writes it; `empty` for an empty one."""
    if isinstance(values, TextMaps) and values.names:
        # Keys and values are all text: each row's JSON is a template filled with the
        # encoded values, column by column in C.
        keys = [encode_basestring_ascii(name) for name in values.names]
        template = (
            "{{"
            + ", ".join(f"{key.replace('{', '{{').replace('}', '}}')}: {{}}" for key in keys)
            + "}}"
        )
        encoded = [map(encode_basestring_ascii, column) for column in values.columns]
        return list(map(template.format, *encoded))
    if not any(values):
        return [empty] * len(values)
    return [json_text(value) if value else empty for value in values]


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps' text, from one C encoder made once: json.dumps (and
    JSONEncoder.encode) build a new one per call, which costs three times the
    encoding of a small dict. No check for circular structures: imported values are
    trees."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder().encode
    chunks = c_make_encoder(
        None,
        json.JSONEncoder().default,
        encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    join = "".join
    return lambda value: join(chunks(value, 0))


json_text = _json_encoder()


def _same_json(stored: Any, value: Mapping[str, Any]) -> bool:
    return bool(Bulk.read_json(stored) == value)


def ticket_ids_with_history(
    bulk: Bulk, source: str, external_ids: Iterable[str]
) -> tuple[dict[str, int], set[int]]:
    """The ids of these tickets, and which of those ids have stored events (one query)."""
    tickets, events = bulk.table(Ticket), bulk.table(TicketEvent)
    select = (
        f"SELECT t.external_id, t.id, EXISTS (SELECT 1 FROM {events} e WHERE e.ticket_id = t.id)"
        f" FROM {tickets} t WHERE t.source = %s AND t.external_id"
    )
    wanted = list(external_ids)
    rows = bulk.select_in_range(select, [source], wanted, key_at=0)
    if rows is None:
        rows = bulk.select_in(select + " {in_}", [source], wanted)
    ids: dict[str, int] = {}
    with_history: set[int] = set()
    for external_id, pk, has_events in rows:
        ids[external_id] = pk
        if has_events:
            with_history.add(pk)
    return ids, with_history


def insert_histories(bulk: Bulk, batch: EventBatch, pks: Sequence[int]) -> Counts:
    """Insert the events of tickets that have none yet, ordered by instant (ties: file order)."""
    columns: list[Sequence[Any]] = [pks, *batch[1:]]
    if not _in_order(pks, batch.at):  # exports usually list each ticket's events in order
        keys = list(zip(pks, batch.at, strict=True))
        order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties keep file order
        columns = [_taken(column, order) for column in columns]
    ticket_column, at, state, priority, attributes = columns
    values = [
        ticket_column,
        _positions_in_runs(ticket_column),
        bulk.instants(at),  # type: ignore[arg-type]
        state,
        priority,
        _json_column(attributes, empty=None),  # see TicketEvent.attributes
    ]
    names = EVENT_COLUMNS
    if not any(values[-1]):
        # None has attributes: the column is left to its default (null), which SQLite
        # no longer binds nor checks as JSON (a third of an event's insert, measured).
        names, values = names[:-1], values[:-1]
    rows = list(zip(*values, strict=True))
    bulk.write(TicketEvent, names, rows, conflict=EVENT_COLUMNS[:2], new=True)
    return Counts(created=len(rows))


def _taken(values: Sequence[Any], positions: list[int]) -> list[Any]:
    """values[i] for i in positions, picked in C."""
    if len(positions) < 2:
        return [values[i] for i in positions]
    return list(operator.itemgetter(*positions)(values))


def _in_order(pks: Sequence[int], instants: Sequence[str]) -> bool:
    """Whether (pk, instant) never decreases along the rows (UTC text sorts as time)."""
    keys = list(zip(pks, instants, strict=True))
    return all(map(operator.le, keys, islice(keys, 1, None)))


def _positions_in_runs(keys: Sequence[int]) -> list[int]:
    """0, 1, 2 … restarting wherever the key changes: [7, 7, 7, 9, 9] → [0, 1, 2, 0, 1]."""
    if not keys:
        return []
    values = np.fromiter(keys, dtype=np.int64, count=len(keys))
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    lengths = np.diff(np.r_[starts, len(values)])
    return (np.arange(len(values)) - np.repeat(starts, lengths)).tolist()  # type: ignore[no-any-return]


def history_plans(
    bulk: Bulk,
    batch: EventBatch,
    pks: Sequence[int | None],
    positions: Iterable[int],
    order_key: OrderKey,
) -> dict[int, HistoryPlan]:
    """How the events at `positions` join their tickets' stored histories."""
    incoming: dict[int, list[EventRow]] = {}
    external: dict[int, str] = {}
    for i in positions:
        pk = pks[i]
        assert pk is not None
        event = EventRow(
            batch.ticket[i], batch.at[i], batch.state[i], batch.priority[i], batch.attributes[i]
        )
        incoming.setdefault(pk, []).append(event)
        external[pk] = batch.ticket[i]
    stored = stored_events(bulk, external)
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
        f"SELECT {bulk.stored(TicketEvent, EVENT_COLUMNS)} FROM {bulk.table(TicketEvent)}"
        " WHERE ticket_id {in_} ORDER BY ticket_id, seq"
    )
    stored: dict[int, list[tuple[int, EventRow]]] = {}
    read_instant, read_json = bulk.read_instant, bulk.read_json
    for pk, seq, at, state, priority, attributes in bulk.select_in(sql, [], external_ids):
        extras = read_json(attributes) or {}  # null: none (TicketEvent.attributes)
        event = EventRow(external_ids[pk], read_instant(at), state, priority, extras)  # type: ignore[arg-type]
        stored.setdefault(pk, []).append((seq, event))
    return stored


def write_events(bulk: Bulk, plans: Mapping[int, HistoryPlan], *, new: bool = False) -> Counts:
    """Write what `plans` add; `new`: none of these tickets had stored events."""
    counts = Counts()
    instant, dumps = bulk.instant, json_text
    renumbered = [pk for pk, plan in plans.items() if plan.renumber]
    if renumbered:  # rare: rewrite those tickets' histories whole
        TicketEvent.objects.filter(ticket_id__in=renumbered).delete()
    rows = []
    for pk, plan in plans.items():
        counts.created += len(plan.new)
        counts.unchanged += plan.unchanged
        written = enumerate(plan.merged) if plan.renumber else plan.new
        rows += [
            (
                pk,
                seq,
                instant(e.at),
                e.state,
                e.priority,
                dumps(e.attributes) if e.attributes else None,
            )
            for seq, e in written
        ]
    bulk.write(TicketEvent, EVENT_COLUMNS, rows, conflict=EVENT_COLUMNS[:2], new=new)
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
