"""Gathering a report's content from the evaluation's results.

The figures are the stored `PeriodResult` rows of the period when the agreement's last
evaluation wrote them. A period it did not write (a quarter or year of a monthly
agreement), or a report at another instant (`as_of`), is computed by the evaluation
itself (`compute_periods`, nothing written) — figures are never made up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accord.accounts.access import (
    visible_agreements,
    visible_outages,
    visible_subjects,
    visible_tickets,
)
from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.models import PeriodResult
from accord.reviews.reports import details
from accord.reviews.reports.content import (
    AgreementReport,
    Counts,
    CreditLine,
    Credits,
    PeriodInfo,
    Report,
    TargetLine,
    UnderpinningItem,
)
from accord.reviews.reports.figures import (
    Figures,
    ReportError,
    count,
    read_figures,
    target_lines,
)

# Agreements with figures to report: an SLR, a draft or a proposal has none.
REPORTED = (
    Agreement.Status.AGREED,
    Agreement.Status.ACTIVE,
    Agreement.Status.UNDER_REVIEW,
    Agreement.Status.EXPIRED,
    Agreement.Status.SUPERSEDED,
)


def agreement_report(
    agreement: Agreement,
    *,
    period: str,
    as_of: datetime | None = None,
    user: Any = None,
    underpinning: bool = True,
) -> AgreementReport:
    """The report of one agreement. `user` limits the underpinning agreements shown to
    those the user may see (None: the CLI operator, who sees everything)."""
    figures = read_figures(agreement, period, as_of)
    subjects = dict(Subject.objects.values_list("name", "id"))
    lines = target_lines(figures, subjects)
    own = [line for line in lines if line.window is None]
    start, end = from_epoch(figures.period.start), from_epoch(figures.period.end)
    reasons = details.reasons_of(agreement)
    breached = (
        details.stored_breaches(agreement, start, end)
        if figures.source == "stored"
        else details.computed_breaches(
            figures.groups, figures.tickets, figures.period.start, figures.period.end
        )
    )
    hidden_clocks = 0
    if user is not None:  # a customer does not see other customers' tickets
        ids = [b.ticket_id for b in breached]
        allowed = set(visible_tickets(user).filter(pk__in=ids).values_list("pk", flat=True))
        hidden_clocks = sum(1 for b in breached if b.ticket_id not in allowed)
        breached = [b for b in breached if b.ticket_id in allowed]
    clocks = details.clock_breaches(breached, reasons)
    availability_ids = list(dict.fromkeys(subjects[n.subject] for n in own if n.subject))
    outages, timeline, hidden_outages = details.outages_and_timeline(
        availability_ids,
        start,
        end,
        figures.as_of,
        visible=None if user is None else visible_outages(user),
    )
    seen = None if user is None else set(visible_subjects(user).values_list("pk", flat=True))
    labels = {line.key: line.window or figures.period.label for line in lines}
    periods = details.period_breaches(lines, labels, subjects, reasons, outages)
    covered = figures.scope.subject_ids or availability_ids
    return AgreementReport(
        name=agreement.name,
        title=agreement.title or agreement.name,
        type=agreement.type,
        status=agreement.get_status_display(),
        provider=agreement.provider.name,
        consumers=tuple(sorted(agreement.consumers.values_list("name", flat=True))),
        period=PeriodInfo(
            label=figures.period.label,
            start=start,
            end=end,
            timezone=figures.scope.timezone,
            final=figures.period.end <= epoch_seconds(figures.as_of),
            as_of=figures.as_of,
            source=figures.source,
        ),
        counts=count(own),
        targets=tuple(lines),
        clock_breaches=tuple(clocks),
        period_breaches=tuple(periods),
        reasons=tuple(details.group_by_reason(clocks, periods)),
        timeline=tuple(timeline),
        credits=credits_of(figures, own),
        changes=tuple(details.change_items(agreement, start, end)),
        maintenance=tuple(details.maintenance_items(covered, start, end, visible=seen)),
        underpinning=tuple(_underpinning(agreement, period, as_of, user) if underpinning else ()),
        trend_periods=tuple(figures.trend_labels),
        notes=tuple(_notes(figures, lines) + _hidden(hidden_clocks, hidden_outages)),
    )


def customer_report(
    party: Party, *, period: str, as_of: datetime | None = None, user: Any = None
) -> Report:
    """Every reported agreement the party consumes or provides (and `user` may see)."""
    chosen = (
        Agreement.objects.filter(Q(consumers=party) | Q(provider=party), status__in=REPORTED)
        .distinct()
        .select_related("provider")
        .order_by("type", "name")
    )
    if user is not None:
        chosen = chosen.filter(pk__in=visible_agreements(user).values("pk"))
    reports = [
        agreement_report(a, period=period, as_of=as_of, user=user, underpinning=False)
        for a in chosen
    ]
    label = reports[0].period.label if reports else period
    return _report("customer", party.name, party.title or party.name, label, reports)


def single_report(
    agreement: Agreement, *, period: str, as_of: datetime | None = None, user: Any = None
) -> Report:
    report = agreement_report(agreement, period=period, as_of=as_of, user=user)
    return _report("agreement", agreement.name, report.title, report.period.label, [report])


def _report(
    kind: str, name: str, title: str, label: str, reports: Sequence[AgreementReport]
) -> Report:
    total = Counts()
    for item in reports:
        total = total.plus(item.counts)
    return Report(
        kind=kind,
        name=name,
        title=title,
        period_label=label,
        generated_at=timezone.now(),
        counts=total,
        agreements=tuple(reports),
        reasons=tuple(details.merge_groups(g for r in reports for g in r.reasons)),
    )


def credits_of(figures: Figures, own: Sequence[TargetLine]) -> Credits | None:
    """The period's credits; for a longer period than the agreement's own, the sum of
    the own periods' stored credits within it."""
    scope, period = figures.scope, figures.period
    segment = scope.segments[int(scope.segment_of([period.start])[0])]  # type: ignore[arg-type]
    version = segment.version
    charge = None if version.charges_per_period is None else float(version.charges_per_period)
    cap = None if version.credit_cap is None else float(version.credit_cap)
    lines = [
        CreditLine(line.target, line.subject, line.credit_amount or 0.0, line.credit_percent)
        for line in own
        if line.credit_amount is not None
    ]
    note = ""
    if not lines and figures.trend_labels and period.label not in figures.trend_labels:
        lines, note = _summed_credits(figures, own)
    if not lines:
        return None
    currency = version.currency or next((line.currency for line in own if line.currency), "")
    return Credits(
        currency=currency,
        total=sum(line.amount for line in lines),
        charge=charge,
        cap_percent=cap,
        lines=tuple(lines),
        note=note,
    )


def _summed_credits(figures: Figures, own: Sequence[TargetLine]) -> tuple[list[CreditLine], str]:
    scope, period = figures.scope, figures.period
    inside = [
        p.label for p in scope.periods(period.start, period.end, epoch_seconds(figures.as_of))
    ]
    rows = PeriodResult.objects.filter(
        agreement=scope.agreement, period__in=inside, credit_amount__isnull=False
    ).values_list("target_name", "subject__name", "credit_amount")
    sums: dict[tuple[str, str | None], float] = {}
    for target, subject, amount in rows:
        sums[(target, subject)] = sums.get((target, subject), 0.0) + float(amount)
    lines = [CreditLine(t, s, a, None) for (t, s), a in sorted(sums.items())]
    kind = scope.period_spec.kind
    return lines, f"the sum of the stored credits of {', '.join(inside)} (credits are per {kind})"


def _underpinning(
    agreement: Agreement, period: str, as_of: datetime | None, user: Any
) -> list[UnderpinningItem]:
    chosen = agreement.underpinned_by.select_related("provider").order_by("name")
    if user is not None:
        chosen = chosen.filter(pk__in=visible_agreements(user).values("pk"))
    items = []
    subjects = dict(Subject.objects.values_list("name", "id"))
    for other in chosen:
        try:
            figures = read_figures(other, period, as_of)
        except ReportError:
            continue
        lines = [line for line in target_lines(figures, subjects) if line.window is None]
        items.append(
            UnderpinningItem(
                agreement=other.name,
                title=other.title or other.name,
                type=other.type,
                provider=other.provider.name,
                counts=count(lines),
                targets=tuple(lines),
            )
        )
    return items


def _notes(figures: Figures, lines: Sequence[TargetLine]) -> list[str]:
    notes = []
    if figures.source == "computed":
        notes.append(
            f"Figures computed from the measurements at {figures.as_of:%Y-%m-%d %H:%M} UTC "
            "for this report (no stored evaluation of this period at that instant)."
        )
    if not lines:
        notes.append(
            "No results: the period is outside the agreement's effective dates or has not begun."
        )
    if any(line.stale for line in lines):
        notes.append(
            "Some final results would change with data that arrived later (accord reevaluate)."
        )
    return notes


def _hidden(clocks: int, outages: int) -> list[str]:
    """Say what the reader's access left out: the figures still count it."""
    notes = []
    if clocks:
        notes.append(
            f"{clocks} breached ticket{'s' if clocks > 1 else ''} of other parties "
            f"{'are' if clocks > 1 else 'is'} counted in the figures but not listed."
        )
    if outages:
        notes.append(
            f"{outages} outage{'s' if outages > 1 else ''} of components you do not see "
            f"{'are' if outages > 1 else 'is'} counted in the availability figures but not listed."
        )
    return notes
