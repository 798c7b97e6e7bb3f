"""The review pack: what a service review meeting reads, built from stored results.

Every section is computed from `PeriodResult` rows of the agreement (and its
underpinning agreements) whose period started before the review date, so a pack read
after the meeting shows what the meeting saw (apart from results re-evaluated since).
The rules and thresholds are the module constants below; docs/reviews.md states them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q

from accord.agreements.models import Agreement
from accord.evaluation.models import PeriodResult, PeriodStatus
from accord.reviews.models import Action, Review
from accord.reviews.trends import fit_line, mean, wide_margin

LAST_PERIODS = 6  # periods looked at for repeated problems, revisits and trends
REPEATED_AT_LEAST = 2  # breached or at risk in this many of them → "repeatedly"
WIDE_MARGIN_SHARE = 0.5  # met by objective + ½ of the remaining budget, every period
MIN_PERIODS = 3  # fewer final periods with data say nothing about "always"
EXPIRY_DAYS = 90
TREND_AHEAD = 3  # periods ahead a trend is projected
DEMAND_CHANGE = 0.20  # projected ticket volume ±20 % of the mean → a demand proposal
TICKET_METRICS = ("response", "resolution")
BAD = (PeriodStatus.BREACHED, PeriodStatus.AT_RISK)


@dataclass(frozen=True)
class Cell:
    period: str
    end: datetime
    attainment: float | None
    status: str
    final: bool
    volume: int | None  # ticket clocks counted (met + breached + open); None otherwise


@dataclass
class Series:
    """One target (and subject, for availability) of one agreement over its periods."""

    agreement: str
    target: str
    subject: str
    metric: str
    objective: float
    cells: list[Cell] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.target} / {self.subject}" if self.subject else self.target

    def last(self, n: int) -> list[Cell]:
        return self.cells[-n:]

    def final_with_data(self, n: int) -> list[Cell]:
        done = [c for c in self.cells if c.final and c.attainment is not None]
        return done[-n:]


@dataclass(frozen=True)
class Repeated:
    target: str
    periods_looked: int
    breached: list[str]
    at_risk: list[str]


@dataclass(frozen=True)
class Revisit:
    target: str
    verdict: str  # "always met by a wide margin" | "always missed"
    objective: float
    threshold: float  # the wide-margin line, or the objective
    periods: list[str]
    lowest: float
    highest: float
    mean: float
    suggestion: str


@dataclass(frozen=True)
class Proposal:
    target: str
    quantity: str  # "attainment" | "ticket volume"
    points: list[tuple[str, float]]
    slope: float
    projected: float
    ahead: int
    text: str
    assumption: str


@dataclass(frozen=True)
class Underpinning:
    name: str
    type: str
    status: str
    period: str
    counts: dict[str, int]
    breached_periods: int  # (target, period) breaches in the last LAST_PERIODS periods
    effective_until: date | None
    review_next: date | None


@dataclass(frozen=True)
class Expiry:
    name: str
    type: str
    effective_until: date
    days_left: int


@dataclass
class Pack:
    review: Review
    agreement: Agreement
    review_date: date
    previous_review: Review | None
    since: date | None
    outstanding: list[Action]
    periods: list[str]
    performance: list[Series]
    repeated: list[Repeated]
    revisit: list[Revisit]
    underpinning: list[Underpinning]
    expiries: list[Expiry]
    proposals: list[Proposal]
    rules: dict[str, float | int] = field(
        default_factory=lambda: {
            "last_periods": LAST_PERIODS,
            "repeated_at_least": REPEATED_AT_LEAST,
            "wide_margin_share": WIDE_MARGIN_SHARE,
            "min_periods": MIN_PERIODS,
            "expiry_days": EXPIRY_DAYS,
            "trend_ahead": TREND_AHEAD,
            "demand_change": DEMAND_CHANGE,
        }
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def review_date(review: Review) -> date:
    return review.held_at.astimezone(UTC).date() if review.held_at else review.scheduled_for


def load_series(agreement: Agreement, *, before: date) -> list[Series]:
    """The agreement's results for periods started before `before`, one series per
    target (and subject), oldest period first."""
    rows = (
        PeriodResult.objects.filter(agreement=agreement, period_start__lt=_midnight(before))
        .select_related("subject")
        .order_by("period_start", "target_name", "subject__name")
    )
    series: dict[tuple[str, str], Series] = {}
    for row in rows:
        subject = row.subject.name if row.subject else ""
        one = series.setdefault(
            (row.target_name, subject),
            Series(agreement.name, row.target_name, subject, row.metric, row.objective),
        )
        one.objective = row.objective  # the latest period's objective is the one in force
        volume = None
        if row.metric in TICKET_METRICS and row.met is not None:
            volume = (row.met or 0) + (row.breached or 0) + (row.open or 0)
        one.cells.append(
            Cell(row.period, row.period_end, row.attainment, row.status, row.final, volume)
        )
    return sorted(series.values(), key=lambda s: (s.target, s.subject))


def previous_review(review: Review) -> Review | None:
    return (
        Review.objects.filter(
            agreement=review.agreement,
            status=Review.Status.HELD,
            scheduled_for__lt=review.scheduled_for,
        )
        .order_by("-scheduled_for")
        .first()
    )


def outstanding_actions(review: Review) -> list[Action]:
    """Open actions about this agreement from earlier reviews, its plans or on their own
    — everything but the actions this meeting creates."""
    about = Q(review__agreement=review.agreement) | Q(agreement=review.agreement)
    return list(
        Action.objects.filter(about, status=Action.Status.OPEN)
        .exclude(review=review)
        .select_related("owner", "review")
        .order_by("due", "pk")
        .distinct()
    )


def performance_since(series: list[Series], since: date | None) -> tuple[list[str], list[Series]]:
    """The periods ending after the previous review (all the last 12 without one)."""
    shown: list[Series] = []
    labels: dict[str, datetime] = {}
    for one in series:
        if since is None:
            cells = one.cells[-12:]
        else:
            cells = [c for c in one.cells if c.end > _midnight(since)]
        if cells:
            shown.append(
                Series(one.agreement, one.target, one.subject, one.metric, one.objective, cells)
            )
            labels.update({c.period: c.end for c in cells})
    return sorted(labels, key=lambda label: labels[label]), shown


def repeated_problems(series: list[Series]) -> list[Repeated]:
    found = []
    for one in series:
        cells = one.last(LAST_PERIODS)
        breached = [c.period for c in cells if c.status == PeriodStatus.BREACHED]
        at_risk = [c.period for c in cells if c.status == PeriodStatus.AT_RISK]
        if len(breached) + len(at_risk) >= REPEATED_AT_LEAST:
            found.append(Repeated(one.label, len(cells), breached, at_risk))
    return found


def targets_to_revisit(series: list[Series]) -> list[Revisit]:
    found = []
    for one in series:
        cells = one.final_with_data(LAST_PERIODS)
        if len(cells) < MIN_PERIODS:
            continue
        values = [c.attainment for c in cells if c.attainment is not None]
        margin = wide_margin(one.objective, WIDE_MARGIN_SHARE)
        if one.objective < 100 and all(v >= margin for v in values):
            verdict, threshold = "always met by a wide margin", margin
            suggestion = (
                f"every period reached at least {margin:.4g} % (objective {one.objective:.4g} % "
                f"plus half its budget): the objective could be raised, or the effort relaxed"
            )
        elif all(v < one.objective for v in values):
            verdict, threshold = "always missed", one.objective
            suggestion = (
                f"no period reached the objective {one.objective:.4g} %: fix the cause "
                f"(an improvement plan) or agree an objective that can be met"
            )
        else:
            continue
        found.append(
            Revisit(
                one.label, verdict, one.objective, threshold, [c.period for c in cells],
                min(values), max(values), mean(values) or 0.0, suggestion,
            )
        )  # fmt: skip
    return found


def trend_proposals(series: list[Series]) -> list[Proposal]:
    proposals = []
    for one in series:
        cells = one.final_with_data(LAST_PERIODS)
        attainment = _attainment_proposal(one, cells)
        if attainment is not None:
            proposals.append(attainment)
        volume = _volume_proposal(one, [c for c in cells if c.volume is not None])
        if volume is not None:
            proposals.append(volume)
    return proposals


def _attainment_proposal(one: Series, cells: list[Cell]) -> Proposal | None:
    values = [c.attainment for c in cells if c.attainment is not None]
    line = fit_line(values)
    if line is None:
        return None
    projected = min(line.ahead(TREND_AHEAD), 100.0)
    average = mean(values) or 0.0
    if average >= one.objective > projected:
        text = (
            f"attainment falls by {-line.slope:.3g} points a period; at that rate it reaches "
            f"{projected:.4g} % in {TREND_AHEAD} periods, below the objective "
            f"{one.objective:.4g} %: act now (an improvement plan) or revisit the level"
        )
    elif average < one.objective <= projected:
        text = (
            f"attainment rises by {line.slope:.3g} points a period; at that rate it meets "
            f"the objective {one.objective:.4g} % within {TREND_AHEAD} periods "
            f"({projected:.4g} %)"
        )
    else:
        return None
    return Proposal(
        one.label, "attainment", [(c.period, c.attainment or 0.0) for c in cells],
        line.slope, projected, TREND_AHEAD, text, _assumption(len(values), "attainment"),
    )  # fmt: skip


def _volume_proposal(one: Series, cells: list[Cell]) -> Proposal | None:
    values = [float(c.volume or 0) for c in cells]
    line = fit_line(values)
    average = mean(values)
    if line is None or not average:
        return None
    projected = max(line.ahead(TREND_AHEAD), 0.0)
    change = (projected - average) / average
    if abs(change) < DEMAND_CHANGE:
        return None
    direction = "rises" if change > 0 else "falls"
    text = (
        f"ticket volume {direction} by {abs(line.slope):.3g} tickets a period (mean "
        f"{average:.3g}); at that rate it is {projected:.3g} in {TREND_AHEAD} periods "
        f"({change:+.0%} on the mean): review capacity and whether the level still fits"
    )
    return Proposal(
        one.label, "ticket volume", [(c.period, float(c.volume or 0)) for c in cells],
        line.slope, projected, TREND_AHEAD, text, _assumption(len(values), "ticket volume"),
    )  # fmt: skip


def _assumption(n: int, quantity: str) -> str:
    return (
        f"A straight line fitted by least squares to the {quantity} of the last {n} "
        f"finished periods with data, assumed to continue unchanged for {TREND_AHEAD} "
        f"more periods."
    )


def underpinning_status(agreement: Agreement, *, before: date) -> list[Underpinning]:
    found = []
    for under in agreement.underpinned_by.order_by("name"):
        series = load_series(under, before=before)
        latest = max((s.cells[-1].period for s in series if s.cells), default="")
        counts: dict[str, int] = defaultdict(int)
        breaches = 0
        for one in series:
            for cell in one.cells:
                counts[cell.status] += cell.period == latest
            breaches += sum(c.status == PeriodStatus.BREACHED for c in one.last(LAST_PERIODS))
        found.append(
            Underpinning(
                under.name, under.type, under.status, latest,
                {s: counts.get(s, 0) for s in PeriodStatus.values}, breaches,
                under.effective_until, under.review_next,
            )
        )  # fmt: skip
    return found


def upcoming_expiries(agreement: Agreement, *, on: date) -> list[Expiry]:
    horizon = on + timedelta(days=EXPIRY_DAYS)
    related = [agreement, *agreement.underpinned_by.all()]
    return [
        Expiry(a.name, a.type, a.effective_until, (a.effective_until - on).days)
        for a in sorted(related, key=lambda a: (a.effective_until or horizon, a.name))
        if a.effective_until is not None and on <= a.effective_until <= horizon
    ]


def build_pack(review: Review) -> Pack:
    """Everything the meeting reads, as of the review's date (held or scheduled)."""
    agreement = review.agreement
    on = review_date(review)
    previous = previous_review(review)
    since = review_date(previous) if previous else None
    series = load_series(agreement, before=on)
    periods, performance = performance_since(series, since)
    return Pack(
        review=review,
        agreement=agreement,
        review_date=on,
        previous_review=previous,
        since=since,
        outstanding=outstanding_actions(review),
        periods=periods,
        performance=performance,
        repeated=repeated_problems(series),
        revisit=targets_to_revisit(series),
        underpinning=underpinning_status(agreement, before=on),
        expiries=upcoming_expiries(agreement, on=on),
        proposals=trend_proposals(series),
    )
