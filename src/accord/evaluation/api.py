"""/api/v1/results: what evaluation found, per period and per ticket clock, for the
agreements the token's user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from accord.accounts.access import visible_clock_results, visible_period_results
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.schemas import (
    ClockFilters,
    ClockPage,
    PeriodFilters,
    PeriodResultPage,
)
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
    rows = visible_clock_results(request.user).select_related("agreement", "ticket")
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
    return page_of(filters, rows.order_by("-started_at", "-id"), clock_out)


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
