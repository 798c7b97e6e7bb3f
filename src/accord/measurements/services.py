"""Every state-changing operation on measurements. Importers, the REST API and the
connectors all call these functions.

Each function takes a batch, writes it in one transaction and reports what it did
(`Result`: counts, and the items it refused with the field at fault). All are idempotent
upserts on a natural key: tickets on (source, external id), events on their content (see
`history.py`), outages on (origin, key), metric points on (series, start). Giving the
same batch twice changes nothing the second time. Services, components, parties and
series are referred to by name, as in files and API payloads.

Tickets and events come as records (`upsert_tickets`, `add_ticket_events`) or, on the
bulk path, as column-wise batches (`upsert_ticket_batch`, `add_event_batch`, and
`add_history_batch` for events grouped by ticket where the file is parsed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from accord.catalogue.models import Party, Subject
from accord.measurements.batches import EventBatch, EventRow, TicketBatch, TicketRow, size, take
from accord.measurements.bulk import Bulk
from accord.measurements.history import (
    HistoryBatch,
    HistoryPlan,
    OrderKey,
    by_instant,
    decode_history,
    plan_history,
    prepare_histories,
)
from accord.measurements.instants import utc_text
from accord.measurements.models import (
    DEFAULT_SOURCE,
    MetricPoint,
    Outage,
)
from accord.measurements.records import (
    Counts,
    EventRecord,
    OutageRecord,
    PointRecord,
    Rejection,
    Result,
    TicketRecord,
)
from accord.measurements.storage import (
    POINT_COLUMNS,
    history_plans,
    point_kind,
    series_of,
    stored_events,
    stored_points,
    stored_tickets,
    ticket_ids,
    ticket_ids_with_history,
    write_events,
    write_histories,
    write_tickets,
)

OUTAGE_COLUMNS = ("origin", "key", "subject_id", "start", "end", "planned", "impact", "reference")
Derive = Callable[[str, Sequence[EventRow]], TicketRow]


class UnknownName(ValueError):
    """A derived ticket names a service, component or party that does not exist."""


def subject_ids(names: Iterable[str]) -> dict[str, int]:
    """Ids of the services and components named (unknown names are left out)."""
    return dict(Subject.objects.filter(name__in=set(names)).values_list("name", "id"))


def party_ids(names: Iterable[str]) -> dict[str, int]:
    """Ids of the parties named (unknown names are left out)."""
    return dict(Party.objects.filter(name__in=set(names)).values_list("name", "id"))


def upsert_tickets(tickets: Sequence[TicketRecord], *, source: str = DEFAULT_SOURCE) -> Result:
    """Create or update tickets by (source, external id); their ids must be distinct.

    A ticket naming an unknown service (or component) or customer is refused.
    """
    return upsert_ticket_batch(TicketBatch.from_records(tickets), source=source)


def upsert_ticket_batch(batch: TicketBatch, *, source: str = DEFAULT_SOURCE) -> Result:
    """`upsert_tickets` for a column-wise batch."""
    subjects = subject_ids(set(batch.service) - {""})
    parties = party_ids(set(batch.customer) - {""})
    rejected = [
        *_unknown(batch.service, "service", subjects, "service or component"),
        *_unknown(batch.customer, "customer", parties, "party"),
    ]
    if rejected:
        refused = {r.position for r in rejected}
        batch = take(batch, [i for i in range(size(batch)) if i not in refused])
    bulk = Bulk()
    with transaction.atomic():
        existing = stored_tickets(bulk, source, batch.external_id)
        counts = write_tickets(bulk, source, batch, existing, subjects, parties)
    return Result(counts, sorted(rejected))


def add_ticket_events(events: Sequence[EventRecord], *, source: str = DEFAULT_SOURCE) -> Result:
    """Add the events not yet in their tickets' histories (see `history.py`); a ticket's
    events are ordered by instant.

    An event whose ticket does not exist in `source` is refused.
    """
    return add_event_batch(EventBatch.from_records(events), source=source)


def add_event_batch(batch: EventBatch, *, source: str = DEFAULT_SOURCE) -> Result:
    """`add_ticket_events` for a column-wise batch."""
    return add_history_batch(prepare_histories(batch), source=source)


def add_history_batch(batch: HistoryBatch, *, source: str = DEFAULT_SOURCE) -> Result:
    """`add_ticket_events` for a batch already grouped by ticket (the bulk import's)."""
    bulk = Bulk()
    with transaction.atomic():
        ids, with_history = ticket_ids_with_history(bulk, source, batch.ticket)
        pks = list(map(ids.get, batch.ticket))
        fresh = [k for k, pk in enumerate(pks) if pk is not None and pk not in with_history]
        # Tickets without a history (the usual first import) store the batch's as it is.
        if len(fresh) == len(pks):
            write_histories(bulk, pks, batch.histories, new=True)  # type: ignore[arg-type]
        elif fresh:
            columns = tuple([column[k] for k in fresh] for column in batch.histories)
            write_histories(bulk, [pks[k] for k in fresh], columns, new=True)  # type: ignore[arg-type]
        counts = Counts(created=sum(batch.histories[0][k] for k in fresh))
        merging = {
            pk: [EventRow(batch.ticket[k], *event) for event in decode_history(*batch.history(k))]
            for k, pk in enumerate(pks)
            if pk in with_history
        }
        counts.add(write_events(bulk, history_plans(bulk, merging)))
    reason = f"no ticket with this id in source {source!r}"
    unknown = [k for k, pk in enumerate(pks) if pk is None]
    positions = batch.positions(unknown)
    sizes = batch.histories[0]
    tickets = [batch.ticket[k] for k in unknown for _ in range(sizes[k])]  # as positions
    missing = [
        Rejection(i, "ticket", ticket, reason) for i, ticket in zip(positions, tickets, strict=True)
    ]
    return Result(counts, sorted(missing))


def upsert_ticket_histories(
    histories: Mapping[str, Sequence[EventRow]],
    *,
    derive: Derive,
    source: str = DEFAULT_SOURCE,
    order_key: OrderKey = by_instant,
) -> tuple[Counts, Counts]:
    """Tickets whose fields follow from their event history (ServiceNow's audit log).

    `histories` maps a ticket's external id to its incoming events; they join the stored
    history, and `derive(external_id, whole history)` gives the ticket. Returns the
    counts of tickets and of events. Raises UnknownName (writing nothing) if a derived
    ticket names an unknown service or customer: check the names first.
    """
    bulk = Bulk()
    with transaction.atomic():
        existing = stored_tickets(bulk, source, histories)
        stored = stored_events(bulk, {row[0]: ext for ext, row in existing.items()})
        plans: dict[str, HistoryPlan] = {}
        tickets: list[TicketRow] = []
        for external_id, incoming in histories.items():
            known = existing.get(external_id)
            plan = plan_history(stored.get(known[0], ()) if known else (), incoming, order_key)
            plans[external_id] = plan
            tickets.append(derive(external_id, plan.merged))
        batch = TicketBatch.from_rows(tickets)
        subjects = subject_ids(set(batch.service) - {""})
        parties = party_ids(set(batch.customer) - {""})
        unknown = [
            *_unknown(batch.service, "service", subjects, "service or component"),
            *_unknown(batch.customer, "customer", parties, "party"),
        ]
        if unknown:
            raise UnknownName(f"{unknown[0].field}: {unknown[0].reason}")
        ticket_counts = write_tickets(bulk, source, batch, existing, subjects, parties)
        ids = {ext: row[0] for ext, row in existing.items()}
        ids.update(ticket_ids(bulk, source, [e for e in histories if e not in ids]))
        plans_by_id = {ids[ext]: plan for ext, plan in plans.items()}
        event_counts = write_events(bulk, plans_by_id, new=not stored)
    return ticket_counts, event_counts


def upsert_outages(outages: Sequence[OutageRecord], *, origin: str) -> Result:
    """Create or update outages by (origin, key); their keys must be distinct.

    An outage of an unknown service or component is refused.
    """
    subjects = subject_ids({o.subject for o in outages})
    rejected = list(
        _unknown([o.subject for o in outages], "subject", subjects, "service or component")
    )
    bulk = Bulk()
    counts = Counts()
    with transaction.atomic():
        columns = bulk.stored(Outage, OUTAGE_COLUMNS[1:])
        sql = f"SELECT {columns} FROM {bulk.table(Outage)} WHERE origin = %s AND key {{in_}}"
        existing = {
            row[0]: (*row[:2], *map(bulk.read_instant, row[2:4]), bool(row[4]), *row[5:])
            for row in bulk.select_in(sql, [origin], [o.key for o in outages])
        }
        rows = []
        for o in outages:
            if o.subject in subjects:
                end = utc_text(o.end) if o.end else None
                row = (o.key, subjects[o.subject], utc_text(o.start), end, *o[4:])
                if _count(counts, existing.get(o.key), row):
                    rows.append((origin, *row))
        update = OUTAGE_COLUMNS[2:]
        bulk.write(Outage, OUTAGE_COLUMNS, rows, conflict=OUTAGE_COLUMNS[:2], update=update)
    return Result(counts, rejected)


def upsert_metric_points(points: Sequence[PointRecord]) -> Result:
    """Create or update points by (series, start), creating series on first sight.

    A series holds counts or values, fixed by its first point; a point of the other
    kind is refused. (series, start) must be distinct within `points`.
    """
    bulk = Bulk()
    counts = Counts()
    with transaction.atomic():
        series = series_of(bulk, points)
        rejected = [
            Rejection(i, "series", p.series, f"the series holds {series[p.series][1]}")
            for i, p in enumerate(points)
            if series[p.series][1] != point_kind(p)
        ]
        refused = {r.position for r in rejected}
        valid = [p for i, p in enumerate(points) if i not in refused]
        existing = stored_points(bulk, series, valid)
        rows = []
        for p in valid:
            row = (series[p.series][0], utc_text(p.start), utc_text(p.end), *p[3:])
            if _count(counts, existing.get(row[:2]), row):
                rows.append(row)
        update = POINT_COLUMNS[2:]
        bulk.write(MetricPoint, POINT_COLUMNS, rows, conflict=POINT_COLUMNS[:2], update=update)
    return Result(counts, rejected)


def _count(counts: Counts, stored: Sequence[Any] | None, incoming: Sequence[Any]) -> bool:
    """Count `incoming` against the stored row; True when it has to be written."""
    if stored is None:
        counts.created += 1
        return True
    if tuple(stored) == tuple(incoming):
        counts.unchanged += 1
        return False
    counts.updated += 1
    return True


def _unknown(
    names: Sequence[str], field: str, known: Mapping[str, int], what: str
) -> list[Rejection]:
    if all(name in known for name in set(names) - {""}):
        return []
    return [
        Rejection(i, field, name, f"no {what} named {name!r}")
        for i, name in enumerate(names)
        if name and name not in known
    ]
