"""The annual review of the service level management process: its own KPIs over a year.

Each KPI states its numerator, denominator and definition, so the figure can be checked
by hand. "As at" is the end of the year, or the day the report is made if earlier: a
review or action counts as due only once its date is before that day.

Some inputs are current state, not history (the platform keeps no history of them):
which services are live and which SLAs are active (coverage), and each agreement's next
review date (past their review date). The report says so beside those figures.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from accord.agreements.models import Agreement, AgreementEvent
from accord.catalogue.models import Subject
from accord.evaluation.models import PeriodResult, PeriodStatus
from accord.reviews.models import Action, Review
from accord.reviews.schedule import REVIEWED_STATUSES


@dataclass
class Kpi:
    key: str
    title: str
    value: float | None  # a percentage, or a count where `unit` says so
    unit: str  # "%" or "count" or "per period"
    numerator: int | None
    denominator: int | None
    definition: str
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PeriodBreaches:
    period: str
    results: int  # target results with data (one per subject for availability)
    breached: int
    agreements: list[str]


@dataclass
class ProcessReview:
    year: int
    as_at: date
    kpis: list[Kpi]
    breaches: list[PeriodBreaches]

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _share(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 2) if denominator else None


def process_review(*, year: int, today: date) -> ProcessReview:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    as_at = min(today, end)
    breaches = breaches_per_period(start, end)
    kpis = [
        coverage(),
        reviews_on_time(start, as_at),
        actions_on_time(start, as_at),
        _breaches_kpi(breaches),
        past_review_date(as_at),
        requirements_agreed(start, end),
    ]
    return ProcessReview(year=year, as_at=as_at, kpis=kpis, breaches=breaches)


def coverage() -> Kpi:
    live = list(
        Subject.objects.filter(kind=Subject.Kind.SERVICE, status=Subject.Status.LIVE)
        .order_by("name")
        .values_list("name", flat=True)
    )
    covered = set(
        Agreement.objects.filter(
            type=Agreement.Type.SLA, status=Agreement.Status.ACTIVE, subjects__name__in=live
        ).values_list("subjects__name", flat=True)
    )
    uncovered = [name for name in live if name not in covered]
    return Kpi(
        "sla_coverage", "Live services covered by an active SLA",
        _share(len(live) - len(uncovered), len(live)), "%", len(live) - len(uncovered), len(live),
        "live services named by at least one SLA in status active ÷ live services "
        "(current state: the platform keeps no history of service and SLA status)",
        [f"not covered: {name}" for name in uncovered],
    )  # fmt: skip


def reviews_on_time(start: date, as_at: date) -> Kpi:
    due = Review.objects.filter(scheduled_for__gte=start, scheduled_for__lt=as_at)
    cancelled = due.filter(status=Review.Status.CANCELLED).count()
    counted = list(due.exclude(status=Review.Status.CANCELLED).select_related("agreement"))
    on_time = [
        r for r in counted if r.held_at and r.held_at.astimezone(UTC).date() <= r.scheduled_for
    ]
    late = [r for r in counted if r.held_at and r not in on_time]
    missed = [r for r in counted if r.held_at is None]
    return Kpi(
        "reviews_on_time", "Service reviews held on time",
        _share(len(on_time), len(counted)), "%", len(on_time), len(counted),
        "reviews held on or before their scheduled date ÷ reviews scheduled in the year "
        "before the as-at date (cancelled reviews are left out)",
        [f"held late: {r.agreement.name} (due {r.scheduled_for})" for r in late]
        + [f"not held: {r.agreement.name} (due {r.scheduled_for})" for r in missed]
        + ([f"cancelled: {cancelled}"] if cancelled else []),
    )  # fmt: skip


def actions_on_time(start: date, as_at: date) -> Kpi:
    due = Action.objects.filter(due__gte=start, due__lt=as_at)
    dropped = due.filter(status=Action.Status.DROPPED).count()
    counted = list(due.exclude(status=Action.Status.DROPPED))
    on_time = [
        a
        for a in counted
        if a.status == Action.Status.DONE
        and a.closed_at is not None
        and a.closed_at.astimezone(UTC).date() <= a.due
    ]
    late = sum(1 for a in counted if a.status == Action.Status.DONE) - len(on_time)
    still_open = sum(1 for a in counted if a.status == Action.Status.OPEN)
    return Kpi(
        "actions_on_time", "Actions closed on time",
        _share(len(on_time), len(counted)), "%", len(on_time), len(counted),
        "actions done on or before their due date ÷ actions due in the year before the "
        "as-at date (dropped actions are left out)",
        [f"done late: {late}", f"still open: {still_open}", f"dropped: {dropped}"],
    )  # fmt: skip


def breaches_per_period(start: date, end: date) -> list[PeriodBreaches]:
    rows = (
        PeriodResult.objects.filter(
            final=True, period_start__gte=_utc(start), period_start__lt=_utc(end)
        )
        .exclude(status=PeriodStatus.NO_DATA)
        .order_by("period_start", "agreement__name")
        .values_list("period", "status", "agreement__name")
    )
    grouped: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
    for period, status, agreement in rows:
        grouped.setdefault(period, []).append((status, agreement))
    return [
        PeriodBreaches(
            period,
            len(items),
            sum(s == PeriodStatus.BREACHED for s, _ in items),
            sorted({a for s, a in items if s == PeriodStatus.BREACHED}),
        )
        for period, items in grouped.items()
    ]


def _breaches_kpi(periods: list[PeriodBreaches]) -> Kpi:
    breached = sum(p.breached for p in periods)
    return Kpi(
        "breaches_per_period", "Breaches per period",
        round(breached / len(periods), 2) if periods else None, "per period",
        breached, len(periods),
        "breached target results of finished periods ÷ periods in the year (every "
        "agreement and target; availability counts one result per service or component)",
        [f"{p.period}: {p.breached} of {p.results} breached" for p in periods],
    )  # fmt: skip


def past_review_date(as_at: date) -> Kpi:
    reviewed = Agreement.objects.filter(status__in=REVIEWED_STATUSES)
    late = list(
        reviewed.filter(review_next__lt=as_at)
        .order_by("review_next")
        .values_list("name", "review_next")
    )
    total = reviewed.count()
    return Kpi(
        "past_review_date", "Agreements past their review date",
        float(len(late)), "count", len(late), total,
        "agreements agreed, active or under review whose next review date is before the "
        "as-at date (their current review date: it moves on when a review is held)",
        [f"{name}: review due {due}" for name, due in late],
    )  # fmt: skip


def requirements_agreed(start: date, end: date) -> Kpi:
    converted = _converted_requirements(start, end)
    still_open = list(
        Agreement.objects.filter(status=Agreement.Status.REQUIREMENT)
        .order_by("name")
        .values_list("name", flat=True)
    )
    denominator = len(converted) + len(still_open)
    return Kpi(
        "slrs_agreed", "Service level requirements turned into agreements",
        _share(len(converted), denominator), "%", len(converted), denominator,
        "SLRs that left the requirement status during the year (lifecycle events) ÷ those "
        "plus the SLRs still in requirement",
        [f"turned into an agreement: {name}" for name in converted]
        + [f"still a requirement: {name}" for name in still_open],
    )  # fmt: skip


def _converted_requirements(start: date, end: date) -> list[str]:
    events = AgreementEvent.objects.filter(
        from_status=Agreement.Status.REQUIREMENT, at__gte=_utc(start), at__lt=_utc(end)
    ).exclude(to_status=Agreement.Status.REQUIREMENT)
    names: list[str] = events.order_by("agreement__name").values_list("agreement__name", flat=True)
    return list(dict.fromkeys(names))


# Formats --------------------------------------------------------------------------------

CSV_HEADER = ["kpi", "title", "value", "unit", "numerator", "denominator", "definition"]


def csv_rows(review: ProcessReview) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [k.key, k.title, k.value, k.unit, k.numerator, k.denominator, k.definition]
        for k in review.kpis
    ]
    rows += [
        [f"breaches:{p.period}", f"breaches in {p.period}", p.breached, "count", p.breached,
         p.results, "breached target results of the period ÷ results with data"]
        for p in review.breaches
    ]  # fmt: skip
    return rows
