"""What the agreement page shows: the terms in force, effective targets, versions with
their differences, underpinning agreements, attainment per period and credits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch

from accord.accounts.access import visible_agreements
from accord.agreements.models import (
    Agreement,
    AgreementVersion,
    Calendar,
    Target,
    TemporaryChange,
)
from accord.agreements.services import EffectiveTarget, effective_targets, version_at
from accord.evaluation.models import PeriodResult
from accord.web.dashboard import STATUS_LABELS, AgreementCard, TargetRow, latest_results
from accord.web.diff import (
    Change,
    Snapshot,
    credit_bands,
    diff_versions,
    snapshot,
    target_fields,
)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class VersionEntry:
    version: AgreementVersion
    changes: list[Change] | None  # None for the first version
    in_force: bool


@dataclass
class Related:
    """An agreement underpinning (or underpinned by) the one shown, with its status."""

    agreement: Agreement
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclass
class TargetView:
    effective: EffectiveTarget
    fields: dict[str, str]
    current: list[TargetRow]  # latest period, one per subject (availability) or one

    @property
    def name(self) -> str:
        return self.effective.name


def describe_hours(calendar: Calendar) -> str:
    """`Mon–Fri 08:00–18:00, Sat 06:00–14:00 (Europe/London)`; `24 × 7` for always open."""
    weekly = calendar.weekly or []
    if len(weekly) == 7 and all(day == [[0, 1440]] for day in weekly):
        return f"24 × 7 ({calendar.timezone})"
    groups: list[tuple[int, int, str]] = []
    for index, intervals in enumerate(weekly):
        text = ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in intervals)
        if groups and groups[-1][2] == text and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    parts = []
    for first, last, text in groups:
        if not text:
            continue
        days = DAYS[first] if first == last else f"{DAYS[first]}–{DAYS[last]}"
        parts.append(f"{days} {text}")
    holidays = ""
    if calendar.holiday_country:
        region = "-".join(p for p in (calendar.holiday_country, calendar.holiday_subdivision) if p)
        holidays = f", closed on {region} public holidays"
    return f"{'; '.join(parts) or 'never open'} ({calendar.timezone}){holidays}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def version_history(agreement: Agreement, *, now: datetime) -> list[VersionEntry]:
    """Newest first, each with its changes from the version before it."""
    versions = list(
        agreement.versions.select_related("service_hours").prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("service_hours", "source"))
        )
    )
    in_force = version_at(agreement, now)
    entries = []
    previous: Snapshot | None = None
    for version in versions:
        current = snapshot(version, list(version.targets.all()))
        changes = None if previous is None else diff_versions(previous, current)
        now_in_force = in_force is not None and in_force.pk == version.pk
        entries.append(VersionEntry(version, changes, now_in_force))
        previous = current
    return entries[::-1]


def target_views(agreement: Agreement, *, now: datetime) -> list[TargetView]:
    current: dict[str, list[TargetRow]] = defaultdict(list)
    for _, row in latest_results([agreement.pk]):
        current[row.name].append(row)
    return [
        TargetView(effective, target_fields(effective.target), current.get(effective.name, []))
        for effective in effective_targets(agreement, now)
    ]


def related(agreement: Agreement, user: Any) -> tuple[list[Related], list[Related]]:
    """(underpinned by, underpins): only those the user may see, with their worst status
    in their latest period."""
    visible = visible_agreements(user)
    below = list(visible.filter(underpins=agreement).select_related("provider").order_by("name"))
    above = list(
        visible.filter(underpinned_by=agreement).select_related("provider").order_by("name")
    )
    rows: dict[int, list[TargetRow]] = defaultdict(list)
    for agreement_id, row in latest_results(a.pk for a in [*below, *above]):
        rows[agreement_id].append(row)
    return (
        [Related(a, AgreementCard(a, rows[a.pk]).worst) for a in below],
        [Related(a, AgreementCard(a, rows[a.pk]).worst) for a in above],
    )


@dataclass
class Series:
    """One target (per subject) over every period evaluated: for the chart and its table."""

    key: str
    label: str
    objective: float
    points: list[dict[str, Any]]


def attainment_series(agreement: Agreement) -> list[Series]:
    rows = (
        PeriodResult.objects.filter(agreement=agreement)
        .exclude(period__in=agreement.temporary_changes.values("name"))
        .order_by("period_start")
        .values_list("target_name", "subject__name", "period", "objective", "attainment", "status")
    )
    found: dict[tuple[str, str | None], Series] = {}
    for name, subject, period, objective, attainment, status in rows:
        key = (name, subject)
        if key not in found:
            label = f"{name} · {subject}" if subject else name
            found[key] = Series(f"{name}-{subject or ''}".strip("-"), label, objective, [])
        found[key].objective = objective  # the latest period's objective
        found[key].points.append(
            {"period": period, "attainment": attainment, "status": status, "objective": objective}
        )
    return list(found.values())


@dataclass
class ChangeView:
    """A temporary change: what it changes, and its figures where it was judged as a
    window of its own (SEMANTICS: objectives changed for a while are judged apart)."""

    change: TemporaryChange
    changes: list[str]
    results: list[dict[str, Any]]


def temporary_changes(agreement: Agreement) -> list[ChangeView]:
    """The agreement's temporary changes, latest first, with their window results."""
    changes = list(agreement.temporary_changes.select_related("service_hours").order_by("-start"))
    rows = (
        PeriodResult.objects.filter(agreement=agreement, period__in=[c.name for c in changes])
        .order_by("target_name", "subject__name")
        .values("period", "target_name", "subject__name", "objective", "attainment", "status")
    )
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        results[row["period"]].append(row | {"status_label": STATUS_LABELS.get(row["status"], "")})
    return [ChangeView(c, c.described(), results[c.name]) for c in changes]


@dataclass
class CreditLine:
    period: str
    amount: float
    currency: str
    by_target: list[tuple[str, float, float | None]]  # target, amount, percent


def credits_by_period(agreement: Agreement, periods: int = 12) -> list[CreditLine]:
    """Credits owed (SLA, OLA) or receivable (UC) per period, newest first, after the
    agreement's cap (as evaluation stored them)."""
    rows = (
        PeriodResult.objects.filter(agreement=agreement, credit_amount__gt=0)
        .order_by("-period_start", "target_name")
        .values_list(
            "period", "target_name", "subject__name", "credit_amount", "credit_percent", "currency"
        )
    )
    lines: dict[str, CreditLine] = {}
    for period, name, subject, amount, pct, currency in rows:
        line = lines.setdefault(period, CreditLine(period, 0.0, currency, []))
        line.amount += amount
        label = f"{name} · {subject}" if subject else name
        line.by_target.append((label, amount, pct))
    return list(lines.values())[:periods]


def bands_of(targets: Sequence[TargetView]) -> list[tuple[str, str]]:
    return [
        (t.name, credit_bands(t.effective.target.credits))
        for t in targets
        if t.effective.target.credits
    ]
