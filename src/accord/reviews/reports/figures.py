"""An agreement's figures for a report period: the stored results when the last
evaluation wrote the period, else computed by the evaluation (`compute_periods`, nothing
written); with the trend over the agreement's own periods, and each result as a
`TargetLine` with its words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.engine.periods import Period, period_containing
from accord.evaluation.clocks import ClockGroup
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.models import EvaluationState, PeriodResult
from accord.evaluation.report import Row, rows_from_figures, rows_from_results
from accord.evaluation.scope import Scope, read_scope
from accord.evaluation.services import compute_periods
from accord.evaluation.tickets import Tickets
from accord.reviews.reports.content import Counts, TargetLine, TrendPoint
from accord.reviews.reports.words import (
    budget_words,
    denominator,
    objective_text,
    percent_text,
    status_text,
)

TREND_LENGTH = 12


class ReportError(ValueError):
    """A report that cannot be made as asked (bad period label, no version)."""


@dataclass
class Figures:
    """An agreement's rows for the report period (and its change windows) and the trend."""

    scope: Scope
    period: Period
    as_of: datetime
    source: str
    rows: list[Row]
    trend: dict[tuple[str, str | None], dict[str, tuple[float | None, str]]]
    trend_labels: list[str]
    groups: list[ClockGroup] = field(default_factory=list)
    tickets: Tickets | None = None


def read_figures(agreement: Agreement, label: str, as_of: datetime | None) -> Figures:
    try:
        scope = read_scope(agreement)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    state = EvaluationState.objects.filter(agreement=agreement).first()
    stored_as_of = state.as_of if state else None
    moment = as_of or stored_as_of or timezone.now()
    try:
        period = scope.period(label, epoch_seconds(moment))
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    trend = trend_periods(scope, period, epoch_seconds(moment))
    stored = _stored_rows(agreement, scope, period) if moment == stored_as_of else []
    if stored:
        values = _stored_trend(agreement, [p.label for p in trend])
        return Figures(scope, period, moment, "stored", stored, values, [p.label for p in trend])
    return _computed(agreement, scope, period, trend, moment)


def _computed(
    agreement: Agreement, scope: Scope, period: Period, trend: list[Period], moment: datetime
) -> Figures:
    names = dict(Subject.objects.values_list("id", "name"))
    labels = [p.label for p in trend]
    own_kind = period.label in labels
    outcome = compute_periods(agreement, labels if own_kind else [period.label], as_of=moment)
    every = rows_from_figures(agreement.name, outcome.figures, names)
    rows = [r for r in every if _in_report(r, period, scope)]
    trend_rows = every
    if not own_kind and labels:
        trend_rows = rows_from_figures(
            agreement.name, compute_periods(agreement, labels, as_of=moment).figures, names
        )
    values = _trend_values(
        (r.target, r.subject, r.period, r.attainment, r.status) for r in trend_rows
    )
    return Figures(
        scope, period, moment, "computed", rows, values, labels, outcome.groups, outcome.tickets
    )


def _in_report(row: Row, period: Period, scope: Scope) -> bool:
    if row.period == period.label:
        return True
    start, end = epoch_seconds(row.start), epoch_seconds(row.end)
    return row.period in scope.windows and start < period.end and end > period.start


def _stored_rows(agreement: Agreement, scope: Scope, period: Period) -> list[Row]:
    windows = Q(period__in=list(scope.windows)) & Q(
        period_start__lt=from_epoch(period.end), period_end__gt=from_epoch(period.start)
    )
    stored = PeriodResult.objects.filter(agreement=agreement).filter(
        Q(period=period.label) | windows
    )
    names = dict(Subject.objects.values_list("id", "name"))
    return rows_from_results(stored.select_related("agreement").order_by("pk"), names)


def trend_periods(scope: Scope, period: Period, as_of: int) -> list[Period]:
    """The agreement's own periods, the last being the one where the report period ends,
    twelve in all; none for a rolling agreement (its only window is the current one)."""
    kind = scope.period_spec.kind
    if kind == "rolling":
        return []
    last = period_containing(kind, max(period.end - 1, period.start), scope.timezone)
    chosen = [last]
    while len(chosen) < TREND_LENGTH:
        chosen.append(period_containing(kind, chosen[-1].start - 1, scope.timezone))
    return [p for p in reversed(chosen) if p.start <= as_of and scope.in_force(p)]


def _stored_trend(
    agreement: Agreement, labels: list[str]
) -> dict[tuple[str, str | None], dict[str, tuple[float | None, str]]]:
    rows = PeriodResult.objects.filter(agreement=agreement, period__in=labels).values_list(
        "target_name", "subject__name", "period", "attainment", "status"
    )
    return _trend_values(rows)


def _trend_values(
    rows: Any,
) -> dict[tuple[str, str | None], dict[str, tuple[float | None, str]]]:
    values: dict[tuple[str, str | None], dict[str, tuple[float | None, str]]] = {}
    for target, subject, label, attainment, status in rows:
        values.setdefault((target, subject), {})[label] = (attainment, status)
    return values


def target_lines(figures: Figures, subjects: dict[str, int]) -> list[TargetLine]:
    scope = figures.scope
    order = {name: i for i, name in enumerate(scope.target_names())}
    windows = set(scope.windows)
    rows = sorted(
        figures.rows,
        key=lambda r: (r.period in windows, order.get(r.target, 99), r.subject or ""),
    )
    return [_line(row, figures, row.period if row.period in windows else None) for row in rows]


def _line(row: Row, figures: Figures, window: str | None) -> TargetLine:
    period = Period(row.period, epoch_seconds(row.start), epoch_seconds(row.end))
    found = figures.scope.terms_for_period(row.target, period)
    target = found[0].target if found else None
    calendar = found[0].calendar.name if found else ""
    history = figures.trend.get((row.target, row.subject), {})
    trend = tuple(
        TrendPoint(label, *history.get(label, (None, ""))) for label in figures.trend_labels
    )
    return TargetLine(
        target=row.target,
        metric=row.metric,
        subject=row.subject,
        window=window,
        description=(target.description if target else "") or "",
        objective=row.objective,
        objective_text=objective_text(row.objective),
        attainment=row.attainment,
        attainment_text=percent_text(row.attainment, row.objective),
        status=row.status,
        status_text=status_text(row.status),
        denominator=denominator(row, target, calendar),
        met=row.met,
        breached=row.breached,
        open=row.open,
        excluded=row.excluded,
        scheduled_s=row.scheduled_s,
        downtime_s=row.downtime_s,
        unknown_s=row.unknown_s,
        good=row.good,
        total=row.total,
        budget_consumed=row.consumed,
        budget_remaining=row.remaining,
        budget_text=budget_words(row),
        forecast=None if row.final else row.forecast,
        forecast_text=""
        if row.final or row.forecast is None
        else (f"{percent_text(row.forecast, row.objective)} forecast: {row.assumption}"),
        credit_amount=row.credit_amount,
        credit_percent=row.credit_percent,
        currency=row.currency,
        final=row.final,
        stale=row.stale,
        trend=() if window else trend,
    )


def count(lines: Sequence[TargetLine]) -> Counts:
    statuses = [line.status for line in lines]
    return Counts(
        met=statuses.count("met"),
        at_risk=statuses.count("at_risk"),
        breached=statuses.count("breached"),
        no_data=statuses.count("no_data"),
    )
