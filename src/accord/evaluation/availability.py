"""Availability targets (SEMANTICS §4): each subject the agreement covers, each period.

Outages of every subject are read (a service is down through its dependencies), with
the agreed maintenance windows and the dependency graph; the engine composes impacts
and measures scheduled, unknown and down time under the target's service hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.agreements.models import MaintenanceWindow, Target
from accord.catalogue.models import Dependency, Subject
from accord.engine.availability import (
    ONGOING,
    AvailabilityResult,
    Outages,
    SubjectIntervals,
    availability,
    calendar_opening,
)
from accord.engine.budget import time_budget
from accord.engine.dependencies import AnyOf, DependencyGraph, build_dependency_graph
from accord.engine.forecast import TRAILING_S, forecast_availability
from accord.engine.periods import Period
from accord.evaluation.calendars import Calendars
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.figures import Figures, conclude, start_figures
from accord.evaluation.loading import NULL, Column, epoch, instant_param, quote, read_columns
from accord.evaluation.scope import Scope, TargetTerms
from accord.measurements.models import Outage


@dataclass(frozen=True, eq=False)
class Estate:
    """Every subject, the dependency graph, outages and agreed maintenance in a window."""

    names: dict[int, str]
    graph: DependencyGraph
    outages: Outages
    maintenance: SubjectIntervals


def read_estate(window: tuple[int, int]) -> Estate:
    names = dict(Subject.objects.values_list("id", "name"))
    groups: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, group, member in Dependency.objects.values_list("subject", "group", "member"):
        groups[subject][group].append(names[member])
    depends_on = {
        names[s]: [m[0] if len(m) == 1 else AnyOf(tuple(m)) for _, m in sorted(g.items())]
        for s, g in groups.items()
    }
    ordered = sorted(names.values())
    graph = build_dependency_graph(depends_on, subjects=ordered)
    index = {pk: graph.subject(name) for pk, name in names.items()}
    return Estate(names, graph, _outages(window, index), _maintenance(window, index))


def _outages(window: tuple[int, int], index: dict[int, int]) -> Outages:
    source = (
        f'{quote(Outage._meta.db_table)} o WHERE o.start < %s AND (o."end" IS NULL OR o."end" > %s)'
    )
    _, subject, start, end, impact = read_columns(
        source,
        [instant_param(window[1]), instant_param(window[0])],
        [
            Column("o.id"),
            Column("o.subject_id"),
            Column(epoch("o.start")),
            Column(epoch('o."end"')),
            Column("o.impact", "float"),
        ],
    )
    lookup = np.vectorize(index.__getitem__, otypes=[np.int64])
    subjects = lookup(subject) if subject.size else subject
    return Outages.of(subjects, start, np.where(end == NULL, ONGOING, end), impact)


def _maintenance(window: tuple[int, int], index: dict[int, int]) -> SubjectIntervals:
    rows = MaintenanceWindow.subjects.through.objects.filter(
        maintenancewindow__agreed=True,
        maintenancewindow__start__lt=from_epoch(window[1]),
        maintenancewindow__end__gt=from_epoch(window[0]),
    ).values_list("subject_id", "maintenancewindow__start", "maintenancewindow__end")
    return SubjectIntervals.of(
        [index[s] for s, _, _ in rows],
        [epoch_seconds(a) for _, a, _ in rows],
        [epoch_seconds(b) for _, _, b in rows],
    )


def availability_figures(
    scope: Scope,
    periods: Sequence[Period],
    calendars: Calendars,
    estate: Estate,
    *,
    as_of: int,
) -> list[Figures]:
    """Figures of every availability target, subject and period."""
    subjects = [estate.names[pk] for pk in scope.subject_ids or () if pk in estate.names]
    if not subjects or not periods:
        return []
    by_id = {name: pk for pk, name in estate.names.items()}
    out = []
    for name in scope.target_names():
        grouped: dict[int, list[Period]] = defaultdict(list)
        terms_of: dict[int, TargetTerms] = {}
        for period in periods:
            found = scope.terms_for_period(name, period)
            if found and found[0].metric == Target.Metric.AVAILABILITY:
                terms_of[found[0].target.pk] = found[0]
                grouped[found[0].target.pk].append(period)
        for pk, chosen in grouped.items():
            result = _evaluate(terms_of[pk], chosen, calendars, estate, subjects, as_of)
            percent = result.availability_percent()
            for i, subject in enumerate(result.names):
                for j, period in enumerate(chosen):
                    figures = start_figures(
                        scope, name, Target.Metric.AVAILABILITY, period, as_of, by_id[subject]
                    )
                    if figures is not None:
                        value = float(percent[i, j])
                        figures.attainment = None if np.isnan(value) else value
                        out.append(_figures(figures, result, i, j, scope, as_of))
    return out


def _evaluate(
    terms: TargetTerms,
    periods: Sequence[Period],
    calendars: Calendars,
    estate: Estate,
    subjects: Sequence[str],
    as_of: int,
) -> AvailabilityResult:
    window = (min(periods[0].start, as_of - TRAILING_S), max(periods[-1].end, as_of))
    window = (max(window[0], calendars.start), min(window[1], calendars.end))
    cal = calendars.compiled(terms.calendar, with_changes=terms.follows_agreement_hours)
    return availability(
        estate.graph,
        estate.outages,
        estate.maintenance,
        opening=calendar_opening(cal, *window),
        periods=([p.start for p in periods], [p.end for p in periods]),
        as_of=as_of,
        exclude_planned=terms.target.exclude_planned,
        subjects=subjects,
        window=window,
    )


def _figures(
    figures: Figures, result: AvailabilityResult, i: int, j: int, scope: Scope, as_of: int
) -> Figures:
    scheduled, unknown = int(result.scheduled_s[i, j]), int(result.unknown_s[i, j])
    downtime = float(result.downtime_s[i, j])
    figures.scheduled_s, figures.unknown_s, figures.downtime_s = scheduled, unknown, downtime
    budget = time_budget(
        objective=figures.objective,
        bad=downtime,
        total=scheduled - unknown,
        period_total=float(result.budget_basis_s[i, j]),
    )
    ledger = result.ledger_of(result.names[i])
    period = figures.period
    forecast = forecast_availability(
        ledger,
        period=(period.start, period.end),
        as_of=as_of,
        rest_scheduled_s=int(result.period_scheduled_s[i, j]) - scheduled,
    )
    return conclude(
        figures,
        budget=budget,
        ledger=ledger,
        forecast=forecast,
        as_of=as_of,
        time_based=True,
        nominal_s=scope.period_spec.nominal_s,
    )
