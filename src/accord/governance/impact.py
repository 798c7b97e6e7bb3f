"""Change impact: what a proposed outage of components or services would do to service
levels, budgets and credits (issue #8, part 4).

The change's outage is composed through the dependency graph by the engine (an `anyOf`
group only loses redundancy unless all its members go), measured under each affected
availability target's service hours with agreed maintenance excused where the target
excludes planned work — the same computation evaluation makes — and added to the stored
figures of each period it touches. An outage's `planned` flag excuses nothing by itself
(SEMANTICS §4): only agreed maintenance windows do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from accord.agreements.models import MaintenanceWindow
from accord.catalogue.models import Subject
from accord.engine.availability import (
    Outages,
    SubjectIntervals,
    calendar_opening,
    compose_impacts,
    evaluate_availability,
)
from accord.engine.budget import time_budget
from accord.engine.credits import CreditBand, agreement_credit
from accord.engine.dependencies import AnyOf, DependencyGraph
from accord.engine.intervals import clip, intersection
from accord.engine.periods import Period
from accord.engine.status import Status, period_status
from accord.evaluation.calendars import Calendars
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.models import PeriodResult
from accord.evaluation.scope import Scope, TargetTerms, read_scope
from accord.evaluation.services import agreements_in_force
from accord.governance.change_file import Change, ChangeInvalid
from accord.governance.checks.context import dependency_graph

RECOMMENDATION = {Status.MET: "proceed", Status.AT_RISK: "at risk", Status.BREACHED: "will breach"}
SEVERITY = ["proceed", "at risk", "will breach"]


@dataclass
class SubjectEffect:
    name: str
    kind: str
    impact: float  # 0 = still up; 1 = fully down
    redundancy_lost: list[str] = field(default_factory=list)  # anyOf members going down

    @property
    def down(self) -> bool:
        return self.impact > 0


@dataclass
class TargetImpact:
    agreement: str
    agreement_type: str
    target: str
    subject: str
    period: str
    objective: float
    in_hours_s: int  # the window's seconds inside the target's service hours
    in_maintenance_s: int  # of those, inside agreed maintenance excusing the subject
    downtime_s: float  # what the change adds (impact-weighted, excused time left out)
    period_scheduled_s: int
    budget_s: float
    downtime_before_s: float
    attainment_before: float | None  # stored, so far
    projected: float  # at period end with the change and no other downtime
    projected_without: float  # the same without the change
    forecast: float | None  # the stored forecast less the change
    budget_share: float  # of the period's budget the change alone takes
    budget_consumed: float  # so far plus the change
    status: str
    recommendation: str
    stored: bool  # False: no figures stored for the period yet (counted as none)
    credit_before: float = 0.0
    credit_after: float = 0.0
    currency: str = ""
    direction: str = ""


@dataclass
class ImpactReport:
    change: Change
    subjects: list[SubjectEffect]
    targets: list[TargetImpact]
    unquantified: list[dict[str, str]]  # targets an outage touches that cannot be computed
    recommendation: str
    reasons: list[str]

    @property
    def credits_at_stake(self) -> dict[str, float]:
        """Per direction and currency: the change's extra credits in the periods touched."""
        out: dict[str, float] = {}
        seen: set[tuple[str, str]] = set()
        for t in self.targets:
            key = (t.agreement, t.period)
            if key in seen:
                continue
            seen.add(key)
            label = f"{t.currency} {t.direction}".strip()  # "GBP owed"
            out[label] = out.get(label, 0.0) + t.credit_after - t.credit_before
        return {k: round(v, 2) for k, v in out.items() if v}

    def as_dict(self) -> dict[str, Any]:
        change = asdict(self.change)
        change["start"], change["end"] = self.change.start.isoformat(), self.change.end.isoformat()
        return {
            "change": change,
            "recommendation": self.recommendation,
            "reasons": self.reasons,
            "subjects": [asdict(s) for s in self.subjects],
            "targets": [asdict(t) for t in self.targets],
            "unquantified": self.unquantified,
            "credits_at_stake": self.credits_at_stake,
        }


def assess_change(change: Change) -> ImpactReport:
    """Everything the change affects, with its figures and a recommendation."""
    depends_on, graph, cycle = dependency_graph()
    if graph is None:
        raise ChangeInvalid(f"the catalogue has a {cycle}; fix it before assessing changes")
    effects = propagate(depends_on, graph, dict.fromkeys(change.subjects, change.impact))
    touched = {e.name for e in effects}
    down = {e.name for e in effects if e.down}
    ids = dict(Subject.objects.filter(name__in=touched).values_list("name", "id"))
    targets: list[TargetImpact] = []
    unquantified: list[dict[str, str]] = []
    for agreement in agreements_in_force():
        scope = read_scope(agreement)
        covered = {n for n in touched if ids[n] in (scope.subject_ids or ids.values())}
        if not covered:
            continue
        found, other = _agreement_impacts(scope, change, graph, covered & down)
        targets += found
        unquantified += [{"agreement": agreement.name, "target": t, "metric": m} for t, m in other]
    worst = max((t.recommendation for t in targets), key=SEVERITY.index, default="proceed")
    return ImpactReport(change, effects, targets, unquantified, worst, _reasons(targets))


def propagate(
    depends_on: Mapping[str, list[str | AnyOf]], graph: DependencyGraph, own: dict[str, float]
) -> list[SubjectEffect]:
    """Each subject's impact during the window (SEMANTICS §4): required dependencies pass
    theirs on, an anyOf group the smallest of its members', the largest wins. Subjects
    that are down or lose redundancy, in dependency order (deepest first)."""
    impact: dict[str, float] = {}
    lost: dict[str, list[str]] = {}
    order = np.argsort(graph.depth, kind="stable")
    for index in order:
        name = graph.names[int(index)]
        level, missing = own.get(name, 0.0), []
        for item in depends_on.get(name, []):
            if isinstance(item, AnyOf):
                levels = [impact.get(m, 0.0) for m in item.members]
                level = max(level, min(levels))
                if min(levels) == 0 < max(levels):  # some members down, not all
                    missing += [m for m, x in zip(item.members, levels, strict=True) if x > 0]
            else:
                level = max(level, impact.get(item, 0.0))
        impact[name] = level
        lost[name] = missing
    kinds = dict(Subject.objects.values_list("name", "kind"))
    return [
        SubjectEffect(
            graph.names[int(i)],
            kinds.get(graph.names[int(i)], "component"),
            impact[graph.names[int(i)]],
            lost[graph.names[int(i)]],
        )
        for i in order
        if impact[graph.names[int(i)]] > 0 or lost[graph.names[int(i)]]
    ]


def _agreement_impacts(
    scope: Scope, change: Change, graph: DependencyGraph, down: set[str]
) -> tuple[list[TargetImpact], list[tuple[str, str]]]:
    """Availability figures of the agreement's targets on the subjects down, per period
    the window touches; the other targets are listed as not quantified."""
    start, end = epoch_seconds(change.start), epoch_seconds(change.end)
    periods = [p for p in scope.periods(start, end, end) if scope.in_force(p)]
    names = Subject.objects.filter(pk__in=scope.subject_ids or []).values_list("name", flat=True)
    subjects = sorted(set(names) & down) if scope.subject_ids else sorted(down)
    found: list[TargetImpact] = []
    other: list[tuple[str, str]] = []
    for name in scope.target_names():
        looked_up = [(p, scope.terms_for_period(name, p)) for p in periods]
        chosen = [(p, terms[0]) for p, terms in looked_up if terms is not None]
        if not chosen:
            continue
        if chosen[0][1].metric != "availability":
            other.append((name, chosen[0][1].metric))
            continue
        if subjects:
            found += _target_impacts(scope, change, graph, chosen, subjects)
    _credits(scope, found)
    return found, other


def _target_impacts(
    scope: Scope,
    change: Change,
    graph: DependencyGraph,
    chosen: list[tuple[Period, TargetTerms]],
    subjects: list[str],
) -> list[TargetImpact]:
    periods = [p for p, _ in chosen]
    terms = chosen[0][1]  # one definition per call: split below when versions differ
    if any(t.target.pk != terms.target.pk for _, t in chosen):
        return [
            item
            for period, t in chosen
            for item in _target_impacts(scope, change, graph, [(period, t)], subjects)
        ]
    lo, hi = periods[0].start, periods[-1].end
    cal = Calendars(lo, hi, changes=scope.changes).compiled(
        terms.calendar, with_changes=terms.follows_agreement_hours
    )
    opening = calendar_opening(cal, lo, hi)
    index = [graph.subject(n) for n in change.subjects]
    outages = Outages.of(
        index,
        [epoch_seconds(change.start)] * len(index),
        [epoch_seconds(change.end)] * len(index),
        [change.impact] * len(index),
    )
    composed = compose_impacts(
        graph, outages, _maintenance(graph, lo, hi), window=(lo, hi), as_of=hi, within=opening
    )
    result = evaluate_availability(
        composed,
        opening=opening,
        periods=([p.start for p in periods], [p.end for p in periods]),
        exclude_planned=terms.target.exclude_planned,
        subjects=subjects,
    )
    window = clip(opening, epoch_seconds(change.start), epoch_seconds(change.end))
    out = []
    for i, subject in enumerate(result.names):
        excused = intersection(window, composed.maintenance_of(subject)).measure()
        for j, period in enumerate(periods):
            in_hours = clip(window, period.start, period.end)
            out.append(
                _figures(
                    scope,
                    terms,
                    subject,
                    period,
                    in_hours_s=in_hours.measure(),
                    in_maintenance_s=(
                        intersection(in_hours, composed.maintenance_of(subject)).measure()
                        if excused
                        else 0
                    ),
                    downtime_s=float(result.downtime_s[i, j]),
                    period_scheduled_s=int(result.period_scheduled_s[i, j]),
                )
            )
    return out


def _maintenance(graph: DependencyGraph, lo: int, hi: int) -> SubjectIntervals:
    rows = MaintenanceWindow.subjects.through.objects.filter(
        maintenancewindow__agreed=True,
        maintenancewindow__start__lt=from_epoch(hi),
        maintenancewindow__end__gt=from_epoch(lo),
    ).values_list("subject__name", "maintenancewindow__start", "maintenancewindow__end")
    return SubjectIntervals.of(
        [graph.subject(s) for s, _, _ in rows],
        [epoch_seconds(a) for _, a, _ in rows],
        [epoch_seconds(b) for _, _, b in rows],
    )


def _figures(
    scope: Scope, terms: TargetTerms, subject: str, period: Period, **measured: Any
) -> TargetImpact:
    """Stored figures of the period plus the change, judged as evaluation judges them."""
    agreement = scope.agreement
    stored = PeriodResult.objects.filter(
        agreement=agreement, target_name=terms.name, subject__name=subject, period=period.label
    ).first()
    objective = float(terms.target.objective)
    before = float(stored.downtime_s or 0.0) if stored else 0.0
    basis = measured["period_scheduled_s"] - (stored.unknown_s or 0 if stored else 0)
    added = measured["downtime_s"]
    budget = time_budget(objective=objective, bad=before + added, total=basis, period_total=basis)
    share = time_budget(objective=objective, bad=added, total=basis, period_total=basis)
    projected = (basis - before - added) * 100.0 / basis if basis > 0 else 100.0
    forecast = None
    if stored is not None and stored.forecast is not None and not stored.final and basis > 0:
        forecast = stored.forecast - added * 100.0 / basis
    status = period_status(
        attainment=projected,
        objective=objective,
        finished=False,
        budget=budget,
        time_based=True,
        forecast=forecast if forecast is not None else projected,
    )
    return TargetImpact(
        agreement=agreement.name,
        agreement_type=agreement.type,
        target=terms.name,
        subject=subject,
        period=period.label,
        objective=objective,
        period_scheduled_s=measured["period_scheduled_s"],
        in_hours_s=measured["in_hours_s"],
        in_maintenance_s=measured["in_maintenance_s"],
        downtime_s=added,
        budget_s=basis * budget.error_budget,
        downtime_before_s=before,
        attainment_before=stored.attainment if stored else None,
        projected=projected,
        projected_without=(basis - before) * 100.0 / basis if basis > 0 else 100.0,
        forecast=forecast,
        budget_share=share.consumed or 0.0,
        budget_consumed=budget.consumed or 0.0,
        status=status.value,
        recommendation=RECOMMENDATION.get(status, "proceed"),
        stored=stored is not None,
    )


def _credits(scope: Scope, found: list[TargetImpact]) -> None:
    """Credits of each period touched with and without the change (bands of the version
    in force, summed over the agreement's targets and capped, SEMANTICS §8); targets the
    change leaves alone count at their stored attainment."""
    direction = {"SLA": "owed", "UC": "receivable"}.get(scope.agreement.type, "internal")
    for t in found:
        t.direction = direction
    for label in sorted({t.period for t in found}):
        affected = {(t.target, t.subject): t for t in found if t.period == label}
        stored = {
            (row.target_name, row.subject.name if row.subject else ""): row.attainment
            for row in PeriodResult.objects.filter(
                agreement=scope.agreement, period=label
            ).select_related("subject")
        }
        period = scope.period(label, 0)
        charge, cap, currency = _charge(scope, period)
        before: list[float | None] = []
        after: list[float | None] = []
        bands: list[tuple[CreditBand, ...]] = []
        for key in sorted(set(stored) | set(affected)):
            terms = scope.terms_for_period(key[0], period)
            if terms is None or not terms[0].target.credits:
                continue
            bands.append(
                tuple(
                    CreditBand(float(b["below"]), float(b["percent"]))
                    for b in terms[0].target.credits
                )
            )
            hit = affected.get(key)
            before.append(hit.projected_without if hit else stored[key])
            after.append(hit.projected if hit else stored[key])
        if charge is None or not bands:
            continue
        without = agreement_credit(before, bands, charge=charge, cap_percent=cap).total
        with_change = agreement_credit(after, bands, charge=charge, cap_percent=cap).total
        for t in affected.values():
            t.credit_before, t.credit_after, t.currency = without, with_change, currency


def _charge(scope: Scope, period: Period) -> tuple[float | None, float | None, str]:
    first = int(scope.segment_of(np.array([period.start]))[0])
    version = scope.segments[first].version
    charge = version.charges_per_period
    cap = version.credit_cap
    return (
        None if charge is None else float(charge),
        None if cap is None else float(cap),
        version.currency,
    )


def _reasons(targets: list[TargetImpact]) -> list[str]:
    """One sentence per target and period with the figures behind its verdict."""
    out = []
    for t in sorted(targets, key=lambda t: -SEVERITY.index(t.recommendation)):
        excused = (
            f", {format_duration(t.in_maintenance_s)} excused as agreed maintenance"
            if t.in_maintenance_s
            else ""
        )
        text = (
            f"{t.agreement} {t.target} of {t.subject} in {t.period}: the change takes "
            f"{format_duration(t.downtime_s)} of scheduled time "
            f"({format_duration(t.in_hours_s)} of the window in service hours{excused}), "
            f"{t.budget_share * 100:.1f} % of the period's {format_duration(t.budget_s)} "
            f"budget; with the {format_duration(t.downtime_before_s)} already down, "
            f"{t.budget_consumed * 100:.1f} % consumed and {t.projected:.3f} % projected "
            f"against {t.objective:g} % → {t.recommendation}"
        )
        stake = t.credit_after - t.credit_before
        if stake:
            text += f"; credits {t.direction}: +{stake:.2f} {t.currency}"
        out.append(text)
    return out


def format_duration(seconds: float) -> str:
    total = round(seconds)
    if total <= 0:
        return "0s"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v)
