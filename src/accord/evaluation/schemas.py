"""The JSON of the results API: period results and ticket clocks (SEMANTICS.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import AwareDatetime, Field

from accord.evaluation.models import PeriodStatus
from accord.pagination import Paging

CLOCK_STATUSES = ("open", "at_risk", "met", "breached", "excluded")


class PeriodResultOut(Schema):
    agreement: str
    target: str
    metric: str
    subject: str | None = Field(description="availability per subject; null: the whole scope")
    period: str
    period_start: datetime
    period_end: datetime
    objective: float
    attainment: float | None = Field(description="percent; null when there is no data")
    status: PeriodStatus
    met: int | None
    breached: int | None
    open: int | None
    excluded: int | None
    scheduled_s: int | None
    downtime_s: float | None
    unknown_s: int | None
    good: float | None
    total: float | None
    no_data_slices: int | None
    budget_consumed: float | None
    budget_remaining: float | None
    burn_rates: dict[str, Any] | None
    forecast: float | None
    forecast_assumption: str
    credit_percent: float | None
    credit_amount: float | None
    currency: str
    as_of: datetime
    final: bool
    stale: bool
    evaluated_at: datetime


class PeriodFilters(Paging):
    agreement: str | None = Field(None, max_length=100)
    target: str | None = Field(None, max_length=100)
    subject: str | None = Field(None, max_length=100)
    period: str | None = Field(None, max_length=60, description="2026-03, 2026-Q1, 2026, …")
    status: PeriodStatus | None = None
    final: bool | None = Field(None, description="true: the period had ended")
    stale: bool | None = None
    start_from: AwareDatetime | None = Field(None, description="periods starting at or after")
    start_until: AwareDatetime | None = Field(None, description="periods starting before")


class ClockOut(Schema):
    agreement: str
    target: str
    source: str
    ticket: str = Field(description="the ticket's id in its source")
    status: str = Field(description=" | ".join(CLOCK_STATUSES))
    started_at: datetime
    stopped_at: datetime | None = Field(description="null while the clock runs")
    threshold_s: int
    business_elapsed_s: int
    actual_elapsed_s: int
    percent_elapsed: float
    breach_at: datetime | None
    counted_at: datetime | None
    period: str


class ClockFilters(Paging):
    agreement: str | None = Field(None, max_length=100)
    target: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    ticket: str | None = Field(None, max_length=200, description="the ticket's id")
    status: str | None = Field(None, pattern="^(" + "|".join(CLOCK_STATUSES) + ")$")
    period: str | None = Field(None, max_length=40)
    running: bool | None = Field(None, description="true: not stopped yet")


class PeriodResultPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PeriodResultOut]


class ClockPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ClockOut]
