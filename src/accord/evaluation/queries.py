"""The read API of evaluation results, for alerting and reports.

- `current_results` — the period results in force now (the running period of each
  agreement), each with status, budget, burn-rate table and forecast;
- `warnings_due` — ticket clock warnings (`warnAt` percentages, `warnBefore` leads, the
  breach itself at 100 %) falling due in a window, from the instants stored at the last
  evaluation, so they fire on time even when no new data arrives;
- `breaches_in` — clocks that breached (or, running, will breach) in a window;
- `clock_results` — every stored clock, rows and archived (met) ones alike;
- `on_evaluated` — hooks called with an `EvaluationSummary` after every evaluation that
  wrote results (status changes of period results included).

A clock is identified by (agreement, ticket, target name): evaluation replaces rows, so
their ids do not last; notices should be keyed on these names and the warning label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.evaluation import archive
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.services import (
    EvaluationSummary,
    PeriodChange,
    on_evaluated,
    request_evaluation,
)

__all__ = [
    "ClockStatus",
    "DueWarning",
    "EvaluationSummary",
    "PeriodChange",
    "breaches_in",
    "clock_results",
    "current_results",
    "on_evaluated",
    "request_evaluation",
    "warnings_due",
]


def current_results(
    agreement: Agreement | None = None, *, at: datetime | None = None
) -> QuerySet[PeriodResult]:
    """Results of the periods containing `at` (default now), of one agreement or all."""
    moment = at or timezone.now()
    rows = PeriodResult.objects.filter(period_start__lte=moment, period_end__gt=moment)
    if agreement is not None:
        rows = rows.filter(agreement=agreement)
    return rows.select_related("agreement", "subject").order_by("agreement__name", "pk")


@dataclass(frozen=True)
class DueWarning:
    """One warning of one ticket clock: `label` is `75%`, `30m before breach`, …"""

    clock: ClockResult
    label: str
    at: datetime

    @property
    def key(self) -> tuple[int, int, str, str]:
        """What identifies the notice across evaluations."""
        return (self.clock.agreement_id, self.clock.ticket_id, self.clock.target_name, self.label)


def warnings_due(
    start: datetime, end: datetime, *, agreement: Agreement | None = None
) -> Iterator[DueWarning]:
    """Warnings with start <= at < end of clocks that had not stopped when they fell due
    (a stored warning always comes before its clock's stop), in time order."""
    clocks = ClockResult.objects.filter(warn_last_at__gte=start).select_related("ticket")
    if agreement is not None:
        clocks = clocks.filter(agreement=agreement)
    due = []
    for clock in clocks:
        for item in clock.warnings or ():
            at = datetime.fromisoformat(item["at"].replace("Z", "+00:00"))
            if start <= at < end:
                due.append(DueWarning(clock, item["label"], at))
    yield from sorted(due, key=lambda w: (w.at, w.clock.pk, w.label))


def breaches_in(
    start: datetime, end: datetime, *, agreement: Agreement | None = None
) -> QuerySet[ClockResult]:
    """Clocks whose breach instant lies in [start, end): breached ones, and running ones
    predicted to breach then (status open / at risk)."""
    window = Q(breach_at__gte=start, breach_at__lt=end)
    clocks = ClockResult.objects.filter(
        # A breached clock counts at its breach (indexed); a running one predicts it.
        Q(status=ClockStatus.BREACHED, counted_at__gte=start, counted_at__lt=end)
        | (Q(status__in=[ClockStatus.OPEN, ClockStatus.AT_RISK]) & window)
    )
    if agreement is not None:
        clocks = clocks.filter(agreement=agreement)
    return clocks.select_related("ticket").order_by("breach_at", "pk")


def clock_results(
    *,
    agreement_ids: Iterable[int] | None = None,
    ticket_id: int | None = None,
    target: str | None = None,
) -> list[ClockResult]:
    """Every stored clock of these agreements (all), of one ticket (any), of one target
    (any): the ClockResult rows and the archived met clocks (as unsaved ClockResult
    objects), ordered by agreement, ticket and target. Reading an agreement's whole
    archive decodes all of it: meant for one ticket, or for tests and exports."""
    rows = ClockResult.objects.all()
    if agreement_ids is not None:
        agreement_ids = list(agreement_ids)
        rows = rows.filter(agreement_id__in=agreement_ids)
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    if target is not None:
        rows = rows.filter(target_name=target)
    found = list(rows)
    if ticket_id is not None:
        found += archive.ticket_clocks(ticket_id, agreement_ids)
    else:
        for agreement_id, settled in archive.blocks_of(agreement_ids):
            found += archive.results_of(agreement_id, settled)
    if target is not None:
        found = [c for c in found if c.target_name == target]
    return sorted(found, key=lambda c: (c.agreement_id, c.ticket_id, c.target_name))
