"""/api/v1/results: what evaluation found, per period and per ticket clock, for the
agreements the token's user may see."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from accord.accounts.access import (
    customer_party,
    visible_agreements,
    visible_clock_results,
    visible_period_results,
)
from accord.agreements.models import Agreement
from accord.evaluation.archive import ArchivedClocks
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.schemas import (
    ClockFilters,
    ClockPage,
    PeriodFilters,
    PeriodResultPage,
)
from accord.measurements.models import Ticket
from accord.pagination import page_of

router = Router(tags=["results"])

CLOCK_STATUS = {
    "open": ClockStatus.OPEN,
    "at_risk": ClockStatus.AT_RISK,
    "met": ClockStatus.MET,
    "breached": ClockStatus.BREACHED,
    "excluded": ClockStatus.EXCLUDED,
}
STATUS_NAME = {value: name for name, value in CLOCK_STATUS.items()}
PERIOD_FIELDS = [
    "metric",
    "period",
    "period_start",
    "period_end",
    "objective",
    "attainment",
    "status",
    "met",
    "breached",
    "open",
    "excluded",
    "scheduled_s",
    "downtime_s",
    "unknown_s",
    "good",
    "total",
    "no_data_slices",
    "budget_consumed",
    "budget_remaining",
    "burn_rates",
    "forecast",
    "forecast_assumption",
    "credit_percent",
    "credit_amount",
    "currency",
    "as_of",
    "final",
    "stale",
    "evaluated_at",
]


@router.get("/periods", response=PeriodResultPage, summary="Period results, latest first")
def list_period_results(request: HttpRequest, filters: Query[PeriodFilters]) -> dict[str, Any]:
    rows = visible_period_results(request.user).select_related("agreement", "subject")
    exact = {
        "agreement__name": filters.agreement,
        "target_name": filters.target,
        "subject__name": filters.subject,
        "period": filters.period,
        "status": filters.status,
        "final": filters.final,
        "stale": filters.stale,
        "period_start__gte": filters.start_from,
        "period_start__lt": filters.start_until,
    }
    rows = rows.filter(**{k: v for k, v in exact.items() if v is not None})
    ordered = rows.order_by("-period_start", "agreement__name", "target_name", "subject__name")
    return page_of(filters, ordered, period_out)


@router.get("/clocks", response=ClockPage, summary="Ticket clocks, latest started first")
def list_clocks(request: HttpRequest, filters: Query[ClockFilters]) -> dict[str, Any]:
    """Clock rows and archived (met) clocks alike, in one order: latest started first,
    then by agreement, ticket and target."""
    rows = _clock_rows(request.user, filters)
    archived = _archived_clocks(request.user, filters)
    wanted = filters.offset + filters.limit
    candidates = [(_order(*key), pk) for pk, *key in _first_rows(rows, wanted)]
    candidates += [
        (_order(c.started_at, c.agreement_id, c.ticket_id, c.target_name), c)
        for c in archived.first(wanted)
    ]
    page = [item for _, item in sorted(candidates, key=lambda pair: pair[0])]
    page = page[filters.offset : wanted]
    stored = rows.in_bulk([item for item in page if isinstance(item, int)])
    clocks = [stored[item] if isinstance(item, int) else item for item in page]
    _attach(clocks)
    return {
        "count": rows.count() + archived.count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [clock_out(clock) for clock in clocks],
    }


KEY = ("pk", "started_at", "agreement_id", "ticket_id", "target_name")


def _first_rows(rows: QuerySet[ClockResult], wanted: int) -> list[tuple[Any, ...]]:
    """The keys of the first `wanted` rows, and of the rows that tie with the last of
    them but for the target name: the database may order names by another collation
    than Python, which sorts the page."""
    first = list(rows.values_list(*KEY)[:wanted])
    if len(first) < wanted or not first:
        return first
    _, started, agreement, ticket, _ = first[-1]
    ties = rows.filter(started_at=started, agreement_id=agreement, ticket_id=ticket)
    seen = {key[0] for key in first}
    return first + [key for key in ties.values_list(*KEY) if key[0] not in seen]


def _order(started: Any, agreement: int, ticket: int, target: str) -> tuple[float, int, int, str]:
    return (-started.timestamp(), agreement, ticket, target)


def _clock_rows(user: Any, filters: ClockFilters) -> QuerySet[ClockResult]:
    rows = visible_clock_results(user).select_related("agreement", "ticket")
    exact = {
        "agreement__name": filters.agreement,
        "target_name": filters.target,
        "ticket__source": filters.source,
        "ticket__external_id": filters.ticket,
        "status": CLOCK_STATUS[filters.status] if filters.status else None,
        "period": filters.period,
    }
    rows = rows.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.running is not None:
        rows = rows.filter(stopped_at__isnull=filters.running)
    return rows.order_by("-started_at", "agreement_id", "ticket_id", "target_name")


def _archived_clocks(user: Any, filters: ClockFilters) -> ArchivedClocks:
    """The archived clocks the filters select among those the user may see."""
    if filters.running or filters.status not in (None, "met"):
        return ArchivedClocks.none()  # archived clocks are met, hence stopped
    agreements = visible_agreements(user)
    if filters.agreement is not None:
        agreements = agreements.filter(name=filters.agreement)
    tickets = None
    if filters.ticket is not None or filters.source is not None:
        named = Ticket.objects.all()
        if filters.ticket is not None:
            named = named.filter(external_id=filters.ticket)
        if filters.source is not None:
            named = named.filter(source=filters.source)
        tickets = np.array(named.values_list("pk", flat=True), np.int64)
    hidden = None
    party = customer_party(user)
    if party is not None:  # as visible_clock_results: not another customer's tickets
        others = Ticket.objects.exclude(customer__isnull=True).exclude(customer=party)
        hidden = np.array(others.values_list("pk", flat=True), np.int64)
    return ArchivedClocks.select(
        agreements.values_list("pk", flat=True),
        tickets=tickets,
        hidden=hidden,
        target=filters.target,
        period=filters.period,
    )


def _attach(clocks: list[ClockResult]) -> None:
    """Give archived clocks their agreement and ticket (rows have them selected)."""
    archived = [c for c in clocks if c.pk is None]
    agreements = Agreement.objects.in_bulk({c.agreement_id for c in archived})
    tickets = Ticket.objects.in_bulk({c.ticket_id for c in archived})
    for clock in archived:
        clock.agreement = agreements[clock.agreement_id]
        clock.ticket = tickets[clock.ticket_id]


def period_out(row: PeriodResult) -> dict[str, Any]:
    return {
        "agreement": row.agreement.name,
        "target": row.target_name,
        "subject": row.subject.name if row.subject else None,
        **{name: getattr(row, name) for name in PERIOD_FIELDS},
    }


def clock_out(row: ClockResult) -> dict[str, Any]:
    return {
        "agreement": row.agreement.name,
        "target": row.target_name,
        "source": row.ticket.source,
        "ticket": row.ticket.external_id,
        "status": STATUS_NAME[ClockStatus(row.status)],
        "started_at": row.started_at,
        "stopped_at": row.stopped_at,
        "threshold_s": row.threshold_s,
        "business_elapsed_s": row.business_elapsed_s,
        "actual_elapsed_s": row.actual_elapsed_s,
        "percent_elapsed": row.percent_elapsed,
        "breach_at": row.breach_at,
        "counted_at": row.counted_at,
        "period": row.period,
    }
