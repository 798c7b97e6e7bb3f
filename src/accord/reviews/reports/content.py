"""What a period report says, as one tree of dataclasses.

`gather.py` builds it once from the stored results; HTML, PDF, CSV and JSON are all
rendered from the same tree, so a figure cannot differ between formats. Every display
string (attainment, denominator in words, durations) is made here too, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PeriodInfo:
    label: str  # 2026-03, 2026-Q1, 2026 (a `current` request is resolved to its label)
    start: datetime
    end: datetime
    timezone: str
    final: bool  # the period had ended at as_of
    as_of: datetime
    source: str  # "stored": evaluation results; "computed": computed now, nothing written


@dataclass(frozen=True)
class Counts:
    met: int = 0
    at_risk: int = 0
    breached: int = 0
    no_data: int = 0

    @property
    def total(self) -> int:
        return self.met + self.at_risk + self.breached + self.no_data

    def plus(self, other: Counts) -> Counts:
        return Counts(
            self.met + other.met,
            self.at_risk + other.at_risk,
            self.breached + other.breached,
            self.no_data + other.no_data,
        )


@dataclass(frozen=True)
class TrendPoint:
    period: str
    attainment: float | None
    status: str  # met, at_risk, breached, no_data; "" where no result exists


@dataclass(frozen=True)
class TargetLine:
    """One target's figures in the period (one per subject for availability)."""

    target: str
    metric: str
    subject: str | None
    window: str | None  # a temporary change's name when judged in that change's window
    description: str
    objective: float
    objective_text: str
    attainment: float | None
    attainment_text: str
    status: str
    status_text: str
    denominator: str  # the attainment's basis in words
    met: int | None
    breached: int | None
    open: int | None
    excluded: int | None
    scheduled_s: int | None
    downtime_s: float | None
    unknown_s: int | None
    good: float | None
    total: float | None
    budget_consumed: float | None  # fraction of the error budget (may exceed 1)
    budget_remaining: float | None
    budget_text: str
    forecast: float | None
    forecast_text: str
    credit_amount: float | None
    credit_percent: float | None
    currency: str
    final: bool
    stale: bool
    trend: tuple[TrendPoint, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.target}/{self.subject}" if self.subject else self.target


@dataclass(frozen=True)
class Reason:
    category: str
    category_text: str
    text: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class ClockBreach:
    """A ticket clock breached in the period (counted where it breached, SEMANTICS §3)."""

    target: str
    ticket: str  # the ticket's name as people know it (source:id outside the default source)
    ticket_id: int
    priority: str
    opened_at: datetime
    breached_at: datetime
    stopped_at: datetime | None
    threshold_text: str
    elapsed_text: str
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class OutageItem:
    subject: str
    start: datetime
    end: datetime | None  # None: still ongoing at as_of
    planned: bool
    impact: float
    reference: str
    duration_text: str


@dataclass(frozen=True)
class PeriodBreach:
    """A target (and subject) whose period result is breached."""

    target: str
    subject: str | None
    subject_id: int | None
    attainment_text: str
    objective_text: str
    reasons: tuple[Reason, ...] = ()
    outages: tuple[OutageItem, ...] = ()  # for availability: the outages behind it


@dataclass(frozen=True)
class ReasonGroup:
    category: str  # "" for breaches nobody has explained yet
    category_text: str
    clocks: int
    periods: int
    items: tuple[str, ...]  # "p1-resolution: INC0012" / "availability / web-a (period)"


@dataclass(frozen=True)
class TimelineRow:
    subject: str
    outages: tuple[OutageItem, ...]
    maintenance: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class CreditLine:
    target: str
    subject: str | None
    amount: float
    percent: float | None


@dataclass(frozen=True)
class Credits:
    currency: str
    total: float
    charge: float | None
    cap_percent: float | None
    lines: tuple[CreditLine, ...]
    note: str  # how the figure was arrived at when the period is not the agreement's own


@dataclass(frozen=True)
class ChangeItem:
    name: str
    start: datetime
    end: datetime
    status: str
    reason: str
    what: str  # the overrides in words


@dataclass(frozen=True)
class MaintenanceItem:
    name: str
    start: datetime
    end: datetime
    agreed: bool
    subjects: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class UnderpinningItem:
    agreement: str
    title: str
    type: str
    provider: str
    counts: Counts
    targets: tuple[TargetLine, ...]


@dataclass(frozen=True)
class AgreementReport:
    name: str
    title: str
    type: str
    status: str
    provider: str
    consumers: tuple[str, ...]
    period: PeriodInfo
    counts: Counts
    targets: tuple[TargetLine, ...]
    clock_breaches: tuple[ClockBreach, ...]
    period_breaches: tuple[PeriodBreach, ...]
    reasons: tuple[ReasonGroup, ...]
    timeline: tuple[TimelineRow, ...]
    credits: Credits | None
    changes: tuple[ChangeItem, ...]
    maintenance: tuple[MaintenanceItem, ...]
    underpinning: tuple[UnderpinningItem, ...]
    trend_periods: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A period report: one agreement, or every agreement of one party (customer report)."""

    kind: str  # "agreement" or "customer"
    name: str  # the agreement's or the party's name
    title: str
    period_label: str
    generated_at: datetime
    counts: Counts
    agreements: tuple[AgreementReport, ...]
    reasons: tuple[ReasonGroup, ...] = field(default=())
