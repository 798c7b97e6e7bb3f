"""Writing the API's validated batches through `services.py`.

Each batch is written in one transaction (rolled back for a dry run). As in file
imports, a key repeated within a batch is applied in order: the batch is cut into runs
without a repeated key (`unique_runs`), the first occurrence creates and the next one
updates. The services' refusals come back as rejections with the item's path. What
changed is handed to evaluation (`request_evaluation`), which the worker then runs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import transaction

from accord.evaluation.services import request_evaluation
from accord.measurements import services
from accord.measurements.importers.base import unique_runs
from accord.measurements.instants import iso_utc
from accord.measurements.models import Outage
from accord.measurements.records import (
    Counts,
    EventRecord,
    OutageRecord,
    PointRecord,
    Rejection,
    Result,
    TicketRecord,
)
from accord.measurements.schemas import EventIn, OutageIn, PointIn, TicketEventIn, TicketIn

# The services name some fields as the models do; the API as its payload does.
_FIELD_NAMES = {"subject": "target"}


class Outcome:
    """Counts and rejections of one list of a batch, as the API reports them."""

    def __init__(self, path: str) -> None:
        self.path = path  # `body.tickets`
        self.counts = Counts()
        self._rejections: dict[int, dict[str, str]] = {}  # by position, one per item

    def add(self, result: Result, positions: Sequence[int]) -> None:
        """`result` of writing the items at `positions` of the list."""
        self.counts.add(result.counts)
        for rejection in result.rejected:
            self.reject(positions[rejection.position], rejection)

    def reject(self, position: int, rejection: Rejection) -> None:
        if position in self._rejections:  # the first reason is enough
            return
        field = _FIELD_NAMES.get(rejection.field, rejection.field)
        self._rejections[position] = {
            "path": f"{self.path}.{position}.{field}",
            "value": rejection.value,
            "reason": rejection.reason,
        }

    @property
    def rejections(self) -> list[dict[str, str]]:
        """In the order of the items."""
        return [self._rejections[p] for p in sorted(self._rejections)]

    def report(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": len(self._rejections),
        }


def in_runs(
    keys: Sequence[Hashable], outcome: Outcome, write: Callable[[list[int]], Result]
) -> None:
    """`write(positions)` once per run of distinct keys, in order."""
    for run in unique_runs(keys) or [list(range(len(keys)))]:
        outcome.add(write(run), run)


def write_tickets(tickets: Sequence[TicketIn], *, source: str, dry_run: bool) -> dict[str, Any]:
    records = [_ticket_record(t) for t in tickets]
    outcome, events = Outcome("body.tickets"), Outcome("")  # events are never refused

    def write(run: list[int]) -> Result:
        result = services.upsert_tickets([records[i] for i in run], source=source)
        refused = {run[r.position] for r in result.rejected}
        # Events of refused tickets are left out: they would only be refused in turn.
        with_events = [i for i in run if tickets[i].events and i not in refused]
        history = [_event_record(tickets[i].id, e) for i in with_events for e in tickets[i].events]
        if history:
            events.counts.add(services.add_ticket_events(history, source=source).counts)
        return result

    with transaction.atomic():
        in_runs([t.id for t in tickets], outcome, write)
        _finish(dry_run, outcome.counts, events.counts)
    return _report(outcome, dry_run) | {"events": events.report()}


def write_events(events: Sequence[EventIn], *, source: str, dry_run: bool) -> dict[str, Any]:
    outcome = Outcome("body.events")
    with transaction.atomic():
        # Events have no key: identical ones form a multiset (docs/importing.md), so the
        # whole list goes in one call.
        result = services.add_ticket_events(
            [_event_record(e.ticket, e) for e in events], source=source
        )
        outcome.add(result, range(len(events)))
        _finish(dry_run, outcome.counts)
    for rejection in outcome.rejections:
        rejection["reason"] += "; send the ticket first"
    return _report(outcome, dry_run)


def write_outages(outages: Sequence[OutageIn], *, dry_run: bool) -> dict[str, Any]:
    records = [_outage_record(o) for o in outages]
    outcome = Outcome("body.outages")

    def write(run: list[int]) -> Result:
        return services.upsert_outages([records[i] for i in run], origin=Outage.Origin.API)

    with transaction.atomic():
        in_runs([r.key for r in records], outcome, write)
        _finish(dry_run, outcome.counts)
    return _report(outcome, dry_run)


def write_points(points: Sequence[PointIn], *, dry_run: bool) -> dict[str, Any]:
    records = [
        PointRecord(p.series, p.start, p.end, good=p.good, total=p.total, value=p.value)
        for p in points
    ]
    outcome = Outcome("body.points")

    def write(run: list[int]) -> Result:
        return services.upsert_metric_points([records[i] for i in run])

    with transaction.atomic():
        in_runs([(r.series, r.start) for r in records], outcome, write)
        _finish(dry_run, outcome.counts)
    for rejection in outcome.rejections:
        rejection["reason"] += " (fixed by the series' first point)"
    return _report(outcome, dry_run)


def _finish(dry_run: bool, *counts: Counts) -> None:
    """A dry run does everything a real one does, then undoes it (as `accord import`);
    a real one that changed something asks for evaluation."""
    if dry_run:
        transaction.set_rollback(True)
    else:
        evaluate_soon(*counts)


def evaluate_soon(*counts: Counts) -> None:
    """Queue the evaluation of every agreement in force when anything was created or
    updated. Every one, because an outage of a component reaches the services built on
    it; cheap, because there is one pending job per agreement however often it is asked
    for. Called inside the writer's transaction: no job for data rolled back."""
    if any(c.created or c.updated for c in counts):
        request_evaluation()


def _report(outcome: Outcome, dry_run: bool) -> dict[str, Any]:
    return outcome.report() | {"rejections": outcome.rejections, "dry_run": dry_run}


def _ticket_record(ticket: TicketIn) -> TicketRecord:
    return TicketRecord(
        external_id=ticket.id,
        opened_at=ticket.opened_at,
        state=ticket.implied_state(),
        priority=ticket.priority,
        service=ticket.service,
        customer=ticket.customer,
        responded_at=ticket.responded_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        attributes=ticket.attributes,
    )


def _event_record(ticket: str, event: TicketEventIn) -> EventRecord:
    return EventRecord(ticket, event.at, event.state, event.priority, event.attributes)


def _outage_record(outage: OutageIn) -> OutageRecord:
    return OutageRecord(
        key=outage.id or f"{outage.target}@{iso_utc(outage.start)}",
        subject=outage.target,
        start=outage.start,
        end=outage.end,
        planned=outage.planned,
        impact=outage.impact,
        reference=outage.reference,
    )
