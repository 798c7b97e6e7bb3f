"""What an improvement plan changed: measured attainment before and after its start.

For each target the plan links (and each subject, for availability), the finished
periods with data are split at the plan's start date: *before* are the periods that
ended on or before it (the last `BEFORE_PERIODS` of them), *after* those that began on
or after it (and before the plan ended, when it has). A period running across the
start belongs to neither and is counted as such. Each side's figure is the plain mean
of the periods' attainment, with the number of periods it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from accord.evaluation.models import PeriodResult
from accord.reviews.models import ImprovementPlan
from accord.reviews.trends import mean

BEFORE_PERIODS = 12


@dataclass
class Effect:
    agreement: str
    target: str
    subject: str
    objective: float | None
    before: list[tuple[str, float]] = field(default_factory=list)
    after: list[tuple[str, float]] = field(default_factory=list)
    across_start: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = f"{self.agreement}/{self.target}"
        return f"{name} / {self.subject}" if self.subject else name

    @property
    def mean_before(self) -> float | None:
        return mean([v for _, v in self.before])

    @property
    def mean_after(self) -> float | None:
        return mean([v for _, v in self.after])

    @property
    def change(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def plan_effects(plan: ImprovementPlan) -> list[Effect]:
    """One effect per linked target and subject; empty sides until the plan has started
    and periods have finished."""
    effects: list[Effect] = []
    for link in plan.targets.select_related("agreement").order_by("agreement__name", "target_name"):
        rows = (
            PeriodResult.objects.filter(
                agreement=link.agreement,
                target_name=link.target_name,
                final=True,
                attainment__isnull=False,
            )
            .select_related("subject")
            .order_by("subject__name", "period_start")
        )
        by_subject: dict[str, Effect] = {}
        for row in rows:
            subject = row.subject.name if row.subject else ""
            effect = by_subject.setdefault(
                subject, Effect(link.agreement.name, link.target_name, subject, row.objective)
            )
            effect.objective = row.objective
            _place(effect, row, plan)
        if not by_subject:
            by_subject[""] = Effect(link.agreement.name, link.target_name, "", None)
        for effect in by_subject.values():
            effect.before = effect.before[-BEFORE_PERIODS:]
            effects.append(effect)
    return effects


def _place(effect: Effect, row: PeriodResult, plan: ImprovementPlan) -> None:
    if plan.started is None:
        effect.before.append((row.period, float(row.attainment or 0)))
        return
    start = _utc(plan.started)
    if row.period_end <= start:
        effect.before.append((row.period, float(row.attainment or 0)))
    elif row.period_start >= start:
        if plan.ended is None or row.period_start < _utc(plan.ended):
            effect.after.append((row.period, float(row.attainment or 0)))
    else:
        effect.across_start.append(row.period)
