"""/api/v1: measurements in (tickets, events, outages, metric points) and out (tickets,
outages), see docs/api.md. Each POST takes a JSON object holding one list, is idempotent
by the items' keys and answers with what it did."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Body, Query, Router, Schema
from pydantic import AwareDatetime, Field

from accord.accounts.access import can_manage, require, visible_outages, visible_tickets
from accord.measurements import intake
from accord.measurements.models import DEFAULT_SOURCE, Outage, Ticket
from accord.measurements.schemas import (
    MAX_ITEMS,
    NAME_MAX_LENGTH,
    BatchOut,
    EventIn,
    OutageIn,
    OutagePage,
    PointIn,
    TicketIn,
    TicketPage,
)

router = Router(tags=["measurements"])

# Every POST takes `dry_run` beside its list, so the body has two fields and django-ninja
# reports problems at `body.<list>.<n>.<field>`, the path in the JSON sent.
DRY_RUN = Body(False, description="check and count, write nothing")
ITEMS = Body(..., min_length=1, max_length=MAX_ITEMS)
SOURCE = Body(
    DEFAULT_SOURCE,
    min_length=1,
    max_length=NAME_MAX_LENGTH,
    description="the system the ticket ids belong to",
)


@router.post("/tickets", response=BatchOut, summary="Create or update tickets (and events)")
def post_tickets(
    request: HttpRequest,
    tickets: list[TicketIn] = ITEMS,
    source: str = SOURCE,
    dry_run: bool = DRY_RUN,
) -> dict[str, Any]:
    _require_manager(request)
    return intake.write_tickets(tickets, source=source, dry_run=dry_run)


@router.post("/events", response=BatchOut, summary="Add ticket events")
def post_events(
    request: HttpRequest,
    events: list[EventIn] = ITEMS,
    source: str = SOURCE,
    dry_run: bool = DRY_RUN,
) -> dict[str, Any]:
    _require_manager(request)
    return intake.write_events(events, source=source, dry_run=dry_run)


@router.post("/outages", response=BatchOut, summary="Create or update outages")
def post_outages(
    request: HttpRequest,
    outages: list[OutageIn] = ITEMS,
    dry_run: bool = DRY_RUN,
) -> dict[str, Any]:
    _require_manager(request)
    return intake.write_outages(outages, dry_run=dry_run)


@router.post("/metrics", response=BatchOut, summary="Create or update metric points")
def post_metrics(
    request: HttpRequest,
    points: list[PointIn] = ITEMS,
    dry_run: bool = DRY_RUN,
) -> dict[str, Any]:
    _require_manager(request)
    return intake.write_points(points, dry_run=dry_run)


def _require_manager(request: HttpRequest) -> None:
    """Measurements change every result: only managers and admins (and their feeders'
    tokens) send them."""
    require(can_manage(request.user), "sending measurements")


class Paging(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class TicketFilters(Paging):
    source: str | None = None
    service: str | None = Field(None, description="service or component name")
    customer: str | None = Field(None, description="party name")
    priority: str | None = None
    state: str | None = None
    opened_from: AwareDatetime | None = Field(None, description="opened at or after")
    opened_until: AwareDatetime | None = Field(None, description="opened before")
    resolved: bool | None = Field(None, description="true: has resolved_at; false: has not")
    updated_since: AwareDatetime | None = Field(None, description="changed at or after")
    events: bool = Field(False, description="include each ticket's history")


class OutageFilters(Paging):
    target: str | None = Field(None, description="service or component name")
    origin: Outage.Origin | None = None
    planned: bool | None = None
    ongoing: bool | None = Field(None, description="true: no end yet")
    start: AwareDatetime | None = Field(None, description="overlapping [start, end)")
    end: AwareDatetime | None = None


@router.get("/tickets", response=TicketPage, summary="Tickets, most recently opened first")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    tickets = _filter_tickets(visible_tickets(request.user), filters)
    page = tickets[filters.offset : filters.offset + filters.limit]
    if filters.events:
        page = page.select_related("history")
    return _page(filters, tickets, [_ticket(t, filters.events) for t in page])


@router.get("/outages", response=OutagePage, summary="Outages, latest start first")
def list_outages(request: HttpRequest, filters: Query[OutageFilters]) -> dict[str, Any]:
    outages = _filter_outages(visible_outages(request.user), filters)
    page = outages[filters.offset : filters.offset + filters.limit]
    return _page(filters, outages, [_outage(o) for o in page])


def _filter_tickets(tickets: QuerySet[Ticket], f: TicketFilters) -> QuerySet[Ticket]:
    exact = {
        "source": f.source,
        "service__name": f.service,
        "customer__name": f.customer,
        "priority": f.priority,
        "state": f.state,
        "opened_at__gte": f.opened_from,
        "opened_at__lt": f.opened_until,
        "updated_at__gte": f.updated_since,
    }
    tickets = tickets.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.resolved is not None:
        tickets = tickets.filter(resolved_at__isnull=not f.resolved)
    fields = ("service", "customer")
    return tickets.select_related(*fields).order_by("-opened_at", "-id")


def _filter_outages(outages: QuerySet[Outage], f: OutageFilters) -> QuerySet[Outage]:
    exact = {"subject__name": f.target, "origin": f.origin, "planned": f.planned}
    outages = outages.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.ongoing is not None:
        outages = outages.filter(end__isnull=f.ongoing)
    if f.start is not None:  # still going at `start`, or ended after it
        outages = outages.filter(Q(end__isnull=True) | Q(end__gt=f.start))
    if f.end is not None:
        outages = outages.filter(start__lt=f.end)
    return outages.select_related("subject").order_by("-start", "-id")


def _page(f: Paging, rows: QuerySet[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": rows.count(), "limit": f.limit, "offset": f.offset, "items": items}


def _ticket(ticket: Ticket, with_events: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": ticket.source,
        "id": ticket.external_id,
        "service": ticket.service.name if ticket.service else None,
        "customer": ticket.customer.name if ticket.customer else None,
        **{
            name: getattr(ticket, name)
            for name in (
                "priority",
                "state",
                "opened_at",
                "responded_at",
                "resolved_at",
                "closed_at",
                "attributes",
                "updated_at",
            )
        },
    }
    if with_events:
        row["events"] = [
            {
                "seq": e.seq,
                "at": e.at,
                "state": e.state,
                "priority": e.priority,
                "attributes": e.attributes,
            }
            for e in ticket.events()
        ]
    return row


def _outage(outage: Outage) -> dict[str, Any]:
    return {
        "origin": outage.origin,
        "key": outage.key,
        "target": outage.subject.name,
        "start": outage.start,
        "end": outage.end,
        "planned": outage.planned,
        "impact": outage.impact,
        "reference": outage.reference,
    }
