"""What an agreement judges: its terms over time, the subjects and tickets in scope, its
periods. Read once per evaluation from the agreement rows; everything after works on it.

Terms change at version boundaries of the agreement *and of its ancestors* (inheritance),
so time is cut into segments at every boundary of the chain; within a segment the
effective targets (`agreements.services.effective_targets`, the one inheritance rule)
are fixed. A measurement falls in the segment of its start (SEMANTICS §10).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target, TemporaryChange
from accord.agreements.services import effective_targets, version_at
from accord.catalogue.models import Party, Subject
from accord.engine.periods import (
    Period,
    PeriodSpec,
    current_period,
    local_to_utc,
    parse_period_label,
    periods_overlapping,
)
from accord.evaluation.calendars import changes_in_force
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.loading import IntArray

BEGINNING = datetime(1970, 1, 2, tzinfo=UTC)


@dataclass(frozen=True)
class TargetTerms:
    """A target as it applies in one segment: its definition and its service hours."""

    name: str
    target: Target
    calendar: Calendar
    follows_agreement_hours: bool  # no hours of its own: temporary changes of hours apply

    @property
    def metric(self) -> str:
        return self.target.metric


@dataclass(frozen=True)
class Segment:
    start: int  # epoch seconds; the first segment starts at 0
    version: AgreementVersion  # the agreement's own version in force
    targets: dict[str, TargetTerms]


@dataclass
class Scope:
    agreement: Agreement
    segments: list[Segment]
    subject_ids: list[int] | None  # None: every ticket, whatever its service
    customer_ids: list[int] | None  # None: tickets of any customer
    begins: int  # epoch seconds: measurements before are out of scope
    ends: int | None
    timezone: str
    period_spec: PeriodSpec
    changes: list[TemporaryChange] = field(default_factory=list)
    # A temporary change that overrides objectives is judged as a window of its own:
    # label (the change's name) → (start, end, target name → objective).
    windows: dict[str, tuple[int, int, dict[str, float]]] = field(default_factory=dict)

    @property
    def current(self) -> Segment:
        return self.segments[-1]

    def target_names(self) -> list[str]:
        """Every target name of any segment, the current ones first, in their order."""
        names: dict[str, None] = {}
        for segment in reversed(self.segments):
            names.update(dict.fromkeys(segment.targets))
        return list(names)

    def segment_of(self, instants: IntArray) -> IntArray:
        starts = np.array([s.start for s in self.segments], dtype=np.int64)
        return (np.searchsorted(starts, instants, side="right") - 1).clip(0).astype(np.int64)

    def terms_for_period(self, name: str, period: Period) -> tuple[TargetTerms, Segment] | None:
        """Period-level terms (objective, credits, charges): those in force at the period's
        start, or of the first segment within the period that has the target."""
        first = int(self.segment_of(np.array([period.start]))[0])
        for index in range(first, len(self.segments)):
            segment = self.segments[index]
            if index > first and segment.start >= period.end:
                break
            if name in segment.targets:
                return segment.targets[name], segment
        return None

    def periods(self, start: int, end: int, as_of: int) -> list[Period]:
        """The periods overlapping [start, end), cut by the agreement's period kind."""
        if self.period_spec.kind == "rolling":
            return [current_period(self.period_spec, as_of, self.timezone)]
        return periods_overlapping(self.period_spec.kind, start, max(end, start + 1), self.timezone)

    def change_windows(self, start: int, end: int, skip: Collection[str] = ()) -> list[Period]:
        """The windows of objective-changing temporary changes overlapping [start, end)."""
        return [
            Period(label, lo, hi)
            for label, (lo, hi, _) in self.windows.items()
            if lo < end and hi > start and label not in skip
        ]

    def in_force(self, period: Period) -> bool:
        """Whether the period overlaps the agreement's effective dates."""
        return period.end > self.begins and (self.ends is None or period.start < self.ends)

    def period(self, label: str, as_of: int) -> Period:
        if label == "current" or self.period_spec.kind == "rolling":
            return current_period(self.period_spec, as_of, self.timezone)
        return parse_period_label(label, self.timezone)

    def digest(self) -> str:
        """A fingerprint of everything ticket clocks depend on: a change re-evaluates them."""
        parts: list[object] = [self.subject_ids, self.customer_ids, self.begins, self.ends]
        for segment in self.segments:
            parts.append((segment.start, segment.version.pk))
            for terms in segment.targets.values():
                calendar = terms.calendar
                parts.append((terms.target.pk, calendar.pk, calendar.weekly, calendar.timezone))
                parts.append((calendar.holiday_country, calendar.holiday_subdivision))
                parts.append(calendar.holiday_dates)
                parts.append(list(calendar.exceptions.values_list("date", "kind", "intervals")))
                parts.append(list(calendar.versions.values_list("until", flat=True)))
        for change in self.changes:
            hours = change.service_hours_id
            parts.append((change.pk, change.start, change.end, hours, change.target_overrides))
        text = json.dumps(parts, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def read_scope(agreement: Agreement) -> Scope:
    chain = _chain(agreement)
    boundaries = sorted(
        {
            v.effective_from
            for v in AgreementVersion.objects.filter(agreement__in=chain)
            if v.effective_from is not None
        }
    )
    segments: list[Segment] = []
    for index, instant in enumerate([BEGINNING, *boundaries]):
        own = version_at(agreement, instant)
        if own is None:
            continue
        targets = {e.name: _terms(e.target, own) for e in effective_targets(agreement, instant)}
        segments.append(Segment(0 if index == 0 else epoch_seconds(instant), own, targets))
    if not segments:
        raise ValueError(f"agreement {agreement.name} has no version to evaluate")
    latest = segments[-1].version
    changes = changes_in_force(agreement.pk)
    zone = latest.timezone or latest.service_hours.timezone or "UTC"
    return Scope(
        agreement=agreement,
        segments=segments,
        subject_ids=covered_subject_ids(agreement),
        customer_ids=covered_customer_ids(agreement),
        begins=_day_start(agreement.effective_from, zone) or 0,
        ends=_day_start(agreement.effective_until, zone, next_day=True),
        timezone=zone,
        period_spec=PeriodSpec(latest.period, latest.rolling_seconds or 0),
        changes=changes,
        windows=_windows(changes),
    )


def _windows(changes: list[TemporaryChange]) -> dict[str, tuple[int, int, dict[str, float]]]:
    windows = {}
    for change in changes:
        objectives = {
            name: float(override["objective"])
            for name, override in (change.target_overrides or {}).items()
            if (override or {}).get("objective") is not None
        }
        if objectives and change.end > change.start:
            start, end = epoch_seconds(change.start), epoch_seconds(change.end)
            windows[change.name] = (start, end, objectives)
    return windows


def _terms(target: Target, version: AgreementVersion) -> TargetTerms:
    # A target without hours of its own takes those of the agreement that applies it,
    # also when it is inherited (see docs/semantics.md, Evaluation).
    own = target.service_hours
    return TargetTerms(target.name, target, own or version.service_hours, own is None)


def _chain(agreement: Agreement) -> list[Agreement]:
    chain, node = [], agreement
    while node is not None and node not in chain:
        chain.append(node)
        node = node.parent
    return chain


def covered_subject_ids(agreement: Agreement) -> list[int] | None:
    """The subjects an agreement covers: its own, else those of its descendants (a
    corporate SLA covers what its customer SLAs cover), else None (everything)."""
    own = list(agreement.subjects.values_list("id", flat=True))
    if own:
        return sorted(own)
    seen: set[int] = {agreement.pk}
    frontier = [agreement.pk]
    found: set[int] = set()
    while frontier:
        children = list(
            Agreement.objects.filter(parent_id__in=frontier).exclude(pk__in=seen).values("pk")
        )
        frontier = [c["pk"] for c in children]
        seen.update(frontier)
        found.update(
            Subject.objects.filter(agreements__pk__in=frontier).values_list("id", flat=True)
        )
    return sorted(found) or None


def covered_customer_ids(agreement: Agreement) -> list[int] | None:
    """An SLA's customers: tickets naming another customer are not its business. OLAs
    and UCs serve the provider, whatever customer a ticket names."""
    if agreement.type != Agreement.Type.SLA:
        return None
    ids = list(agreement.consumers.filter(role=Party.Role.CUSTOMER).values_list("id", flat=True))
    return sorted(ids) or None


def _day_start(day: date | None, zone: str, *, next_day: bool = False) -> int | None:
    if day is None:
        return None
    return local_to_utc(day + timedelta(days=1) if next_day else day, zone)
