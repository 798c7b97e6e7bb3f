"""Error-budget burn-down of an agreement's current period.

Evaluation stores one set of figures per period (as of its last run), not a daily
series, so the points are recomputed by the engine: `compute_periods` evaluates the
period at each of a few instants from its start to the stored `as_of`, from the
measurements alone, writing nothing. The last point therefore equals the stored
figure. Budget remaining follows SEMANTICS §6: for availability and timeslices it is a
share of the whole period's budget (a straight burn-down); for ticket targets and
occurrences it is relative to the events so far, so it can recover as good events
arrive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

from accord.agreements.models import Agreement, AgreementVersion
from accord.evaluation.models import PeriodResult
from accord.evaluation.services import compute_periods

MAX_POINTS = 16  # engine runs per burn-down (each ~30–60 ms on the demo)
W, H, LEFT, RIGHT, TOP, BOTTOM = 480, 180, 44, 10, 10, 26


@dataclass
class Burndown:
    label: str  # target (· subject)
    start: datetime
    end: datetime
    points: list[tuple[datetime, float | None]] = field(default_factory=list)  # remaining %


def current_period(agreement: Agreement) -> PeriodResult | None:
    """The latest stored period of the agreement (its own, not a change's window)."""
    return (
        PeriodResult.objects.filter(agreement=agreement)
        .exclude(period__in=agreement.temporary_changes.values("name"))
        .order_by("-period_start", "-as_of")
        .first()
    )


def instants(start: datetime, as_of: datetime, count: int = MAX_POINTS) -> list[datetime]:
    """Up to `count` instants after `start`, evenly spaced, the last one `as_of`; whole
    hours apart when the span allows, so points fall on readable times."""
    span = (as_of - start).total_seconds()
    if span <= 0 or count < 2:
        return [as_of]
    step = span / count
    if step >= 3600:
        step = math.ceil(step / 3600) * 3600
    out: list[datetime] = []
    while len(out) < count - 1 and start + timedelta(seconds=step * (len(out) + 1)) < as_of:
        out.append(start + timedelta(seconds=step * (len(out) + 1)))
    return [*out, as_of]


def burndowns(agreement: Agreement) -> tuple[PeriodResult | None, list[Burndown]]:
    latest = current_period(agreement)
    if latest is None:
        return None, []
    rolling = agreement.versions.filter(period=AgreementVersion.Period.ROLLING).exists()
    label = "current" if rolling else latest.period
    as_of = min(latest.as_of, latest.period_end)
    series: dict[tuple[str, int | None], Burndown] = {}
    names: dict[int, str] = {}
    for moment in instants(latest.period_start, as_of):
        outcome = compute_periods(agreement, [label], as_of=moment)
        for figures in outcome.figures:
            if figures.period.label != latest.period and not rolling:
                continue  # a temporary change's window
            key = (figures.target_name, figures.subject_id)
            if key not in series:
                series[key] = Burndown(figures.target_name, latest.period_start, latest.period_end)
            remaining = figures.budget_remaining
            series[key].points.append((moment, None if remaining is None else remaining * 100))
    subjects = [s for _, s in series if s is not None]
    if subjects:
        from accord.catalogue.models import Subject

        names = dict(Subject.objects.filter(pk__in=subjects).values_list("pk", "name"))
    for (name, subject), burndown in series.items():
        if subject is not None:
            burndown.label = f"{name} · {names.get(subject, subject)}"
    return latest, list(series.values())


def svg(burndown: Burndown) -> SafeString:
    """Budget remaining (%) against time across the whole period, with the even-burn line
    from 100 % at the start to 0 % at the end for comparison."""
    values = [v for _, v in burndown.points if v is not None]
    low = min([0.0, *values])
    high = max([100.0, *values])
    t0, t1 = burndown.start.timestamp(), burndown.end.timestamp()

    def x(moment: datetime) -> float:
        return LEFT + (moment.timestamp() - t0) / (t1 - t0) * (W - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * (H - TOP - BOTTOM)

    last = next((v for _, v in reversed(burndown.points) if v is not None), None)
    alt = f"Error budget of {burndown.label}: " + (
        f"{last:.0f} % left at the last point" if last is not None else "no data"
    )
    parts = [
        f'<svg class="chart burndown" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(alt)}">',
        f"<title>{escape(alt)}</title>",
    ]
    for tick in _ticks(low, high):
        at = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>'
            f'<text x="{LEFT - 4}" y="{at + 3:.1f}" text-anchor="end">{tick:.0f} %</text>'
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
        f'<line class="ideal" x1="{x(burndown.start):.1f}" y1="{y(100):.1f}" '
        f'x2="{x(burndown.end):.1f}" y2="{y(0):.1f}"/>'
    )
    coords = [f"{x(t):.1f},{y(v):.1f}" for t, v in burndown.points if v is not None]
    if coords:
        parts.append(f'<polyline class="budget" points="{" ".join(coords)}"/>')
    for moment, anchor in ((burndown.start, "start"), (burndown.end, "end")):
        parts.append(
            f'<text x="{x(moment):.1f}" y="{H - 8}" text-anchor="{anchor}">'
            f"{moment:%d %b %H:%M}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _ticks(low: float, high: float) -> list[float]:
    step = 25.0 if high - low <= 150 else 100.0
    first = step * (low // step)
    ticks, value = [], first
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return ticks
