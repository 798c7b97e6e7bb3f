"""Ratio and threshold targets (SEMANTICS §5) from stored metric points.

A target reads the series named by its `series`, else `<agreement>/<target>`: the
Prometheus connector stores a target's good/total counts there, and files and the API
may too. Until points arrive the target has no data.

- occurrences: Σgood / Σtotal; for a threshold target every point is one event, good
  when its value passes the comparison;
- timeslices: good slices / slices with data — a ratio slice is good when its ratio
  reaches the objective (the slice target), a value slice when its mean passes;
- ratio-timeslices: the mean of the slice ratios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.agreements.models import Target
from accord.engine.budget import event_budget, time_budget
from accord.engine.forecast import TRAILING_S, forecast_events, forecast_timeslices
from accord.engine.ledger import ledger_from_counts
from accord.engine.periods import Period
from accord.engine.sli import (
    COMPARISONS,
    DEFAULT_TIMESLICE_S,
    SliceTable,
    count_slices,
    occurrences,
    ratio_timeslices,
    slice_ledger,
    timeslices,
    value_slices,
)
from accord.evaluation.figures import Figures, conclude, start_figures
from accord.evaluation.loading import (
    Column,
    FloatArray,
    IntArray,
    epoch,
    instant_param,
    quote,
    read_columns,
)
from accord.evaluation.scope import Scope
from accord.measurements.models import MetricPoint, MetricSeries

SLI_METRICS = (Target.Metric.RATIO, Target.Metric.THRESHOLD)


@dataclass(frozen=True, eq=False)
class Points:
    start: IntArray
    end: IntArray
    good: FloatArray
    total: FloatArray
    value: FloatArray


def series_name(scope: Scope, target: Target) -> str:
    return target.series or f"{scope.agreement.name}/{target.name}"


def read_points(name: str, window: tuple[int, int]) -> Points:
    series = MetricSeries.objects.filter(name=name).values_list("id", flat=True).first()
    source = (
        f"{quote(MetricPoint._meta.db_table)} p WHERE p.series_id = %s AND p.start < %s"
        f' AND p."end" > %s'
    )
    params = [series or 0, instant_param(window[1]), instant_param(window[0])]
    start, end, good, total, value = read_columns(
        source,
        params,
        [
            Column(epoch("p.start")),
            Column(epoch('p."end"')),
            Column("p.good", "float"),
            Column("p.total", "float"),
            Column("p.value", "float"),
        ],
    )
    return Points(start, end, good, total, value)


def sli_figures(scope: Scope, periods: Sequence[Period], *, as_of: int) -> list[Figures]:
    out = []
    for name in scope.target_names():
        for period in periods:
            found = scope.terms_for_period(name, period)
            if not found or found[0].metric not in SLI_METRICS:
                continue
            target = found[0].target
            figures = start_figures(scope, name, target.metric, period, as_of)
            if figures is None:
                continue
            window = (min(period.start, as_of - TRAILING_S), period.end)
            points = read_points(series_name(scope, target), window)
            if _budgeting(target) == Target.Budgeting.OCCURRENCES:
                out.append(_occurrences(figures, target, points, scope, as_of))
            else:
                out.append(_slices(figures, target, points, scope, as_of))
    return out


def _budgeting(target: Target) -> str:
    if target.budgeting:
        return target.budgeting
    ratio = target.metric == Target.Metric.RATIO
    return Target.Budgeting.OCCURRENCES if ratio else Target.Budgeting.TIMESLICES


def _counts(target: Target, points: Points) -> tuple[FloatArray, FloatArray]:
    """good/total per point; a threshold point is one event, good when it passes."""
    if target.metric == Target.Metric.RATIO:
        keep = ~np.isnan(points.total)
        return np.where(keep, points.good, 0.0), np.where(keep, points.total, 0.0)
    has_value = ~np.isnan(points.value)
    passes = COMPARISONS[target.op or "<="](points.value, float(target.value or 0.0))
    return (has_value & passes).astype(np.float64), has_value.astype(np.float64)


def _occurrences(
    figures: Figures, target: Target, points: Points, scope: Scope, as_of: int
) -> Figures:
    period = figures.period
    good, total = _counts(target, points)
    result = occurrences(
        points.start, points.end, good, total, window=(period.start, min(period.end, as_of))
    )
    figures.attainment, figures.good, figures.total = result.attainment, result.good, result.total
    ledger = ledger_from_counts(points.start, points.end, good, total)
    return conclude(
        figures,
        budget=event_budget(objective=figures.objective, bad=result.bad, total=result.total),
        ledger=ledger,
        forecast=forecast_events(ledger, period=(period.start, period.end), as_of=as_of),
        as_of=as_of,
        time_based=False,
        nominal_s=scope.period_spec.nominal_s,
    )


def _slices(figures: Figures, target: Target, points: Points, scope: Scope, as_of: int) -> Figures:
    period = figures.period
    slice_s = int(target.timeslice_seconds or DEFAULT_TIMESLICE_S)
    # Slices of the trailing window line up with the period's, for burn rates and forecast.
    reach = -(-TRAILING_S // slice_s) * slice_s if period.start <= as_of < period.end else 0
    extended = _table(target, points, (period.start - reach, period.end), as_of, slice_s)
    inside = _table(target, points, (period.start, period.end), as_of, slice_s)
    ratio = _budgeting(target) == Target.Budgeting.RATIO_TIMESLICES
    result = ratio_timeslices(inside) if ratio else timeslices(inside)
    figures.attainment, figures.good, figures.total = result.attainment, result.good, result.total
    figures.no_data_slices = result.no_data_slices
    ledger = slice_ledger(extended, ratio=ratio)
    budget = time_budget(
        objective=figures.objective,
        bad=result.bad,
        total=result.total,
        period_total=float(inside.budget_basis),
    )
    forecast = forecast_timeslices(
        ledger,
        period=(period.start, period.end),
        as_of=as_of,
        rest_slices=inside.window_slices - int(inside.starts.size),
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


def _table(
    target: Target, points: Points, window: tuple[int, int], as_of: int, slice_s: int
) -> SliceTable:
    if target.metric == Target.Metric.RATIO:
        good, total = _counts(target, points)
        return count_slices(
            points.start,
            points.end,
            good,
            total,
            window=window,
            as_of=as_of,
            slice_target=float(target.objective) / 100.0,
            slice_s=slice_s,
        )
    keep = ~np.isnan(points.value)
    return value_slices(
        points.start[keep],
        points.end[keep],
        points.value[keep],
        window=window,
        as_of=as_of,
        op=target.op or "<=",
        threshold=float(target.value or 0.0),
        slice_s=slice_s,
    )
