"""The parts of a report beside the figures: breaches and their reasons, the outages
behind them, maintenance, temporary changes and credits, read for one agreement and
one period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import QuerySet

from accord.agreements.models import Agreement, MaintenanceWindow, TemporaryChange
from accord.catalogue.models import Dependency, Subject
from accord.engine.parsing import format_duration
from accord.evaluation.clocks import ClockGroup
from accord.evaluation.fields import from_epoch
from accord.evaluation.models import ClockResult, ClockStatus
from accord.evaluation.tickets import Tickets
from accord.measurements.models import DEFAULT_SOURCE, Outage, Ticket
from accord.reviews.models import BreachReason
from accord.reviews.reports.content import (
    ChangeItem,
    ClockBreach,
    MaintenanceItem,
    OutageItem,
    PeriodBreach,
    Reason,
    ReasonGroup,
    TargetLine,
    TimelineRow,
)
from accord.reviews.reports.words import duration_text

NO_REASON = "no reason recorded yet"


@dataclass(frozen=True)
class Breached:
    """A breached clock before it is dressed for the report."""

    target: str
    ticket_id: int
    started_at: datetime
    breached_at: datetime
    stopped_at: datetime | None
    threshold_s: int
    elapsed_s: int


def stored_breaches(agreement: Agreement, start: datetime, end: datetime) -> list[Breached]:
    rows = ClockResult.objects.filter(
        agreement=agreement,
        status=ClockStatus.BREACHED,
        counted_at__gte=start,
        counted_at__lt=end,
    ).values_list(
        "target_name",
        "ticket_id",
        "started_at",
        "counted_at",
        "stopped_at",
        "threshold_s",
        "business_elapsed_s",
    )
    return [Breached(*row) for row in rows]


def computed_breaches(
    groups: Sequence[ClockGroup], tickets: Tickets | None, start: int, end: int
) -> list[Breached]:
    """The same list from clocks computed in memory (a report at another `as_of`)."""
    found: list[Breached] = []
    if tickets is None:
        return found
    for group in groups:
        hit = (
            (group.status == ClockStatus.BREACHED)
            & (group.counted_at >= start)
            & (group.counted_at < end)
        )
        for i in np.flatnonzero(hit):
            stop = int(group.stop[i])
            found.append(
                Breached(
                    target=group.name,
                    ticket_id=int(tickets.ids[group.rows[i]]),
                    started_at=from_epoch(int(group.start[i])),
                    breached_at=from_epoch(int(group.counted_at[i])),
                    stopped_at=from_epoch(stop) if stop >= 0 else None,
                    threshold_s=int(group.result.threshold[i]),
                    elapsed_s=int(group.result.business_elapsed[i]),
                )
            )
    return found


def reasons_of(agreement: Agreement) -> list[BreachReason]:
    return list(BreachReason.objects.filter(agreement=agreement).select_related("author"))


def _reason(row: BreachReason) -> Reason:
    return Reason(
        category=row.category,
        category_text=row.get_category_display(),
        text=row.text,
        author=row.author.get_username(),
        created_at=row.created_at,
    )


def clock_breaches(
    breached: Sequence[Breached], reasons: Iterable[BreachReason]
) -> list[ClockBreach]:
    by_clock: dict[tuple[str, int], list[Reason]] = defaultdict(list)
    for row in sorted(reasons, key=lambda r: r.created_at, reverse=True):
        if row.ticket_id is not None:
            by_clock[(row.target_name, row.ticket_id)].append(_reason(row))
    tickets = Ticket.objects.in_bulk([b.ticket_id for b in breached])
    out = []
    for item in sorted(breached, key=lambda b: (b.breached_at, b.target)):
        ticket = tickets.get(item.ticket_id)
        out.append(
            ClockBreach(
                target=item.target,
                ticket=_ticket_name(ticket) if ticket else f"#{item.ticket_id}",
                ticket_id=item.ticket_id,
                priority=ticket.priority if ticket else "",
                opened_at=item.started_at,
                breached_at=item.breached_at,
                stopped_at=item.stopped_at,
                threshold_text=duration_text(item.threshold_s),
                elapsed_text=duration_text(item.elapsed_s),
                reasons=tuple(by_clock.get((item.target, item.ticket_id), ())),
            )
        )
    return out


def _ticket_name(ticket: Ticket) -> str:
    source = ticket.source
    return ticket.external_id if source == DEFAULT_SOURCE else f"{source}:{ticket.external_id}"


def period_breaches(
    lines: Sequence[TargetLine],
    label_of: dict[str, str],
    subject_ids: dict[str, int],
    reasons: Iterable[BreachReason],
    outages: dict[int, list[OutageItem]],
) -> list[PeriodBreach]:
    """Breached period results; `label_of` maps each line's key to its period label."""
    by_period: dict[tuple[str, int | None, str], list[Reason]] = defaultdict(list)
    for row in sorted(reasons, key=lambda r: r.created_at, reverse=True):
        if row.ticket_id is None:
            by_period[(row.target_name, row.subject_id, row.period)].append(_reason(row))
    out = []
    for line in lines:
        if line.status != "breached":
            continue
        subject_id = subject_ids.get(line.subject) if line.subject else None
        key = (line.target, subject_id, label_of[line.key])
        out.append(
            PeriodBreach(
                target=line.target,
                subject=line.subject,
                subject_id=subject_id,
                attainment_text=line.attainment_text,
                objective_text=line.objective_text,
                reasons=tuple(by_period.get(key, ())),
                outages=tuple(outages.get(subject_id, ())) if subject_id else (),
            )
        )
    return out


def group_by_reason(
    clocks: Sequence[ClockBreach], periods: Sequence[PeriodBreach]
) -> list[ReasonGroup]:
    """Each breach counted once, under the category of its latest reason."""
    groups: dict[str, tuple[str, list[str], list[str]]] = {}
    for clock in clocks:
        category, text = _latest(clock.reasons)
        groups.setdefault(category, (text, [], []))[1].append(f"{clock.target}: {clock.ticket}")
    for period in periods:
        category, text = _latest(period.reasons)
        subject = f" / {period.subject}" if period.subject else ""
        groups.setdefault(category, (text, [], []))[2].append(f"{period.target}{subject} (period)")
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", -len(kv[1][1]) - len(kv[1][2])))
    return [
        ReasonGroup(category, text, len(c), len(p), tuple(p + c))
        for category, (text, c, p) in ordered
    ]


def merge_groups(groups: Iterable[ReasonGroup]) -> list[ReasonGroup]:
    merged: dict[str, ReasonGroup] = {}
    for g in groups:
        old = merged.get(g.category)
        merged[g.category] = (
            g
            if old is None
            else ReasonGroup(
                g.category,
                g.category_text,
                old.clocks + g.clocks,
                old.periods + g.periods,
                old.items + g.items,
            )
        )
    return sorted(merged.values(), key=lambda g: (g.category == "", -(g.clocks + g.periods)))


def _latest(reasons: Sequence[Reason]) -> tuple[str, str]:
    if not reasons:
        return "", NO_REASON
    return reasons[0].category, reasons[0].category_text


def with_dependencies(subject_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each subject → itself and everything it depends on, transitively."""
    edges: dict[int, set[int]] = defaultdict(set)
    for subject, member in Dependency.objects.values_list("subject_id", "member_id"):
        edges[subject].add(member)
    closure = {}
    for root in subject_ids:
        seen, todo = {root}, [root]
        while todo:
            for member in edges.get(todo.pop(), ()):
                if member not in seen:
                    seen.add(member)
                    todo.append(member)
        closure[root] = seen
    return closure


def outages_and_timeline(
    subject_ids: Sequence[int],
    start: datetime,
    end: datetime,
    as_of: datetime,
    *,
    visible: QuerySet[Outage] | None = None,
) -> tuple[dict[int, list[OutageItem]], list[TimelineRow], int]:
    """Outages of each availability subject and of what it depends on, in the period up to
    `as_of`, the timeline rows (with agreed maintenance) drawn from them, and how many
    outages were left out because they are not in `visible` (the reader's outages)."""
    closure = with_dependencies(subject_ids)
    every = set().union(*closure.values()) if closure else set()
    names = dict(Subject.objects.filter(pk__in=every).values_list("id", "name"))
    stop = min(end, as_of)
    rows = Outage.objects.filter(subject_id__in=every, start__lt=stop).exclude(end__lte=start)
    hidden = 0
    if visible is not None:
        total = rows.count()
        rows = rows.filter(pk__in=visible.values("pk"))
        hidden = total - rows.count()
    items: dict[int, list[OutageItem]] = defaultdict(list)
    for outage in rows.order_by("start"):
        until = outage.end if outage.end and outage.end <= as_of else None
        seconds = ((until or as_of) - outage.start).total_seconds()
        items[outage.subject_id].append(
            OutageItem(
                subject=names[outage.subject_id],
                start=outage.start,
                end=outage.end if outage.end and outage.end <= as_of else None,
                planned=outage.planned,
                impact=outage.impact,
                reference=outage.reference,
                duration_text=duration_text(seconds) + ("" if until else " so far"),
            )
        )
    windows = _maintenance_spans(every, start, end)
    if visible is not None:  # maintenance of what the reader may not see is not shown
        seen = set(visible.filter(subject_id__in=every).values_list("subject_id", flat=True))
        windows = {k: v for k, v in windows.items() if k in seen or k in subject_ids}
    behind: dict[int, list[OutageItem]] = {}
    timeline = []
    for root in subject_ids:
        found = sorted((o for s in closure[root] for o in items.get(s, ())), key=lambda o: o.start)
        behind[root] = found
        spans = sorted({span for s in closure[root] for span in windows.get(s, ())})
        timeline.append(TimelineRow(names[root], tuple(found), tuple(spans)))
    return behind, timeline, hidden


def _maintenance_spans(
    subject_ids: set[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = MaintenanceWindow.subjects.through.objects.filter(
        subject_id__in=subject_ids,
        maintenancewindow__agreed=True,
        maintenancewindow__start__lt=end,
        maintenancewindow__end__gt=start,
    ).values_list("subject_id", "maintenancewindow__start", "maintenancewindow__end")
    for subject, lo, hi in rows:
        spans[subject].append((lo, hi))
    return spans


def maintenance_items(
    subject_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    visible: set[int] | None = None,
) -> list[MaintenanceItem]:
    """Maintenance on the subjects or what they depend on; only on `visible` subjects
    when given (the reader's)."""
    closure = with_dependencies(subject_ids)
    every = set().union(*closure.values()) if closure else set()
    if visible is not None:
        every &= visible
    windows = (
        MaintenanceWindow.objects.filter(subjects__in=every, start__lt=end, end__gt=start)
        .distinct()
        .prefetch_related("subjects")
        .order_by("start")
    )
    return [
        MaintenanceItem(
            name=w.name,
            start=w.start,
            end=w.end,
            agreed=w.agreed,
            subjects=tuple(sorted(s.name for s in w.subjects.all())),
            description=w.description,
        )
        for w in windows
    ]


def change_items(agreement: Agreement, start: datetime, end: datetime) -> list[ChangeItem]:
    changes = TemporaryChange.objects.filter(
        agreement=agreement, start__lt=end, end__gt=start
    ).select_related("service_hours")
    return [
        ChangeItem(
            name=c.name,
            start=c.start,
            end=c.end,
            status=c.status,
            reason=c.reason,
            what=_change_words(c),
        )
        for c in changes.order_by("start")
    ]


def _change_words(change: TemporaryChange) -> str:
    parts = []
    if change.service_hours is not None:
        parts.append(f"service hours {change.service_hours.name}")
    for name, override in sorted((change.target_overrides or {}).items()):
        bits = []
        if (override or {}).get("within"):
            bits.append(f"within {format_duration(int(override['within']))}")
        if (override or {}).get("objective") is not None:
            bits.append(f"objective {float(override['objective']):g} %")
        if bits:
            parts.append(f"{name}: {', '.join(bits)}")
    return "; ".join(parts) or "no change to targets"
