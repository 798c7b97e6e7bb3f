"""The portfolio dashboard's data: every agreement in force the user can see, the latest
period of each of its targets, the trend over the last periods, breach reasons, and
overdue reviews and actions.

The number of queries does not grow with the number of agreements: results, history,
reasons and the overdue lists are each read once for the whole page (the dashboard of
200 agreements × 10 targets is measured in bench/dashboard.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from types import SimpleNamespace
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from accord.accounts.access import visible_agreements
from accord.agreements.models import Agreement, TemporaryChange
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult, PeriodStatus
from accord.evaluation.services import IN_FORCE
from accord.evaluation.table import measured, percent
from accord.reviews.models import BreachReason
from accord.web.sparkline import Point, sparkline

HISTORY = 12  # periods in a trend sparkline

# Worst first: what needs attention leads the page. No data comes last because there is
# nothing to act on yet (an agreement with results but no data on one target is
# ordered by its worst judged target).
SEVERITY = {
    str(PeriodStatus.BREACHED): 0,
    str(PeriodStatus.AT_RISK): 1,
    str(PeriodStatus.MET): 2,
    str(PeriodStatus.NO_DATA): 3,
}
ATTENTION = frozenset({str(PeriodStatus.BREACHED), str(PeriodStatus.AT_RISK)})
STATUS_LABELS = {
    str(PeriodStatus.BREACHED): "breached",
    str(PeriodStatus.AT_RISK): "at risk",
    str(PeriodStatus.MET): "met",
    str(PeriodStatus.NO_DATA): "no data",
}

RESULT_FIELDS = (
    "agreement_id",
    "target_name",
    "metric",
    "subject_id",
    "subject__name",
    "period",
    "objective",
    "attainment",
    "status",
    "met",
    "breached",
    "open",
    "excluded",
    "scheduled_s",
    "downtime_s",
    "unknown_s",
    "good",
    "total",
    "no_data_slices",
    "final",
    "budget_remaining",
    "forecast",
    "credit_amount",
    "currency",
)
PERIOD = RESULT_FIELDS.index("period")


@dataclass
class Reason:
    category: str
    text: str
    author: str
    ticket: str | None  # the ticket's external id for a clock's reason


@dataclass
class TargetRow:
    """One target (and subject, for availability) in its latest period."""

    name: str
    subject: str | None
    subject_id: int | None
    metric: str
    period: str
    status: str
    objective: float
    attainment: float | None
    budget_remaining: float | None
    forecast: float | None
    breached: int | None
    measured: str
    final: bool
    credit: str
    history: list[Point] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def digits(self) -> int:
        return percent_digits(self.objective)

    @property
    def attainment_text(self) -> str:
        return percent(self.attainment, self.digits)

    @property
    def objective_text(self) -> str:
        return percent(self.objective, self.digits - 1, floor=False)

    @property
    def budget_text(self) -> str:
        if self.budget_remaining is None:
            return "-"
        return percent(self.budget_remaining * 100, 0, floor=False)

    @property
    def forecast_text(self) -> str:
        return "-" if self.final or self.forecast is None else percent(self.forecast, self.digits)

    @property
    def spark(self) -> str:
        return sparkline(self.history, self.objective)

    @property
    def attention(self) -> bool:
        return self.status in ATTENTION

    @property
    def needs_reason(self) -> bool:
        return self.status == PeriodStatus.BREACHED or bool(self.breached)


@dataclass
class AgreementCard:
    agreement: Agreement
    targets: list[TargetRow]

    @property
    def href(self) -> str:
        return agreement_url(self.agreement.name)

    @cached_property
    def worst(self) -> str:
        judged = [t.status for t in self.targets]
        return min(judged, key=lambda s: SEVERITY.get(s, 9), default=str(PeriodStatus.NO_DATA))

    @property
    def worst_label(self) -> str:
        return str(STATUS_LABELS.get(self.worst, self.worst))

    def count(self, status: str) -> int:
        return sum(1 for t in self.targets if t.status == status)

    @cached_property
    def count_text(self) -> str:
        return _tally(self.targets)

    @cached_property
    def attention(self) -> list[TargetRow]:
        """Breached and at-risk targets: shown in full on the dashboard."""
        return [t for t in self.targets if t.attention]

    @cached_property
    def others(self) -> list[TargetRow]:
        """Met targets and those without data: summarised, loaded on request."""
        return [t for t in self.targets if not t.attention]

    @cached_property
    def others_text(self) -> str:
        return _tally(self.others)

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        # Within the same worst status, more breached / at-risk targets come first.
        return (
            SEVERITY.get(self.worst, 9),
            -self.count(str(PeriodStatus.BREACHED)),
            -self.count(str(PeriodStatus.AT_RISK)),
            self.agreement.name,
        )


@dataclass
class Dashboard:
    cards: list[AgreementCard]
    overdue_reviews: list[Agreement]
    overdue_actions: list[Any] | None  # None: the actions register is not available
    today: date

    def total(self, status: str) -> int:
        return sum(card.count(status) for card in self.cards)

    @property
    def totals(self) -> list[tuple[str, str, int]]:
        return [(s, str(STATUS_LABELS[s]), self.total(s)) for s in SEVERITY]


@cache
def _agreement_url_pattern() -> str:
    return reverse("agreement", args=["NAME"]).replace("NAME", "{}")


def agreement_url(name: str) -> str:
    """The agreement page's address; reversed once, not once per card (200 of them)."""
    return _agreement_url_pattern().format(name)


def percent_digits(objective: float) -> int:
    """One decimal more than the objective is written with, at least two (99.95 → 3),
    as in `accord evaluate`'s table."""
    text = f"{objective:.6f}".rstrip("0").rstrip(".")
    return min(max(2, len(text.partition(".")[2]) + 1), 4)


def build_dashboard(user: Any, *, today: date) -> Dashboard:
    agreements = list(
        visible_agreements(user)
        .filter(status__in=IN_FORCE)
        .select_related("provider")
        .prefetch_related("consumers")
        .order_by("name")
    )
    # The trend is drawn for the targets needing attention; the others' rows (and their
    # trends) load when asked for, which keeps a large portfolio's page light.
    rows = latest_results((a.pk for a in agreements), trend=lambda row: row.attention)
    attach_reasons(rows)
    by_agreement: dict[int, list[TargetRow]] = defaultdict(list)
    for agreement_id, row in rows:
        by_agreement[agreement_id].append(row)
    cards = [AgreementCard(a, sort_targets(by_agreement.get(a.pk, []))) for a in agreements]
    cards.sort(key=lambda c: c.sort_key)
    overdue_reviews = list(
        visible_agreements(user)
        .filter(review_next__lt=today)
        .exclude(status__in=[Agreement.Status.EXPIRED, Agreement.Status.SUPERSEDED])
        .order_by("review_next", "name")
        .only("name", "title", "review_next")
    )
    return Dashboard(cards, overdue_reviews, overdue_actions(user, today), today)


def _tally(rows: Iterable[TargetRow]) -> str:
    """`2 breached, 1 at risk, 7 met`"""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return ", ".join(f"{counts[s]} {STATUS_LABELS[s]}" for s in SEVERITY if counts.get(s))


def sort_targets(rows: list[TargetRow]) -> list[TargetRow]:
    return sorted(rows, key=lambda r: SEVERITY.get(r.status, 9))


def latest_results(
    agreement_ids: Iterable[int], *, trend: Callable[[TargetRow], bool] | None = None
) -> list[tuple[int, TargetRow]]:
    """Per agreement, target and subject: the figures of the agreement's latest period,
    with the trend over its last HISTORY periods for the rows `trend` chooses (all by
    default). Temporary changes' windows are left out: they overlap the agreement's own
    periods (the agreement page shows them).

    Four queries whatever the number of agreements; only the latest periods' rows are
    read in full, and the history only for the rows chosen (bench/dashboard.py)."""
    ids = list(agreement_ids)
    if not ids:
        return []
    windows = set(
        TemporaryChange.objects.filter(agreement_id__in=ids).values_list("agreement_id", "name")
    )
    recent = _recent_starts(ids, windows)
    if not recent:
        return []
    by_start: dict[datetime, list[int]] = defaultdict(list)
    for agreement_id, starts in recent.items():
        by_start[starts[-1]].append(agreement_id)
    current = Q()
    for start, group in by_start.items():
        current |= Q(agreement_id__in=group, period_start=start)
    rows = []
    for values in PeriodResult.objects.filter(current).order_by().values_list(*RESULT_FIELDS):
        if (values[0], values[PERIOD]) not in windows:
            rows.append((values[0], _row(values)))
    chosen = [(a, r) for a, r in rows if trend is None or trend(r)]
    _attach_history(chosen, recent, windows)
    return rows


def _recent_starts(ids: list[int], windows: set[tuple[int, str]]) -> dict[int, list[datetime]]:
    """The starts of each agreement's last HISTORY periods, oldest first. Read from the
    (agreement, period_start) index alone, except for agreements with temporary
    changes, whose windows' rows are told apart by their label."""
    with_changes = {a for a, _ in windows}
    found: dict[int, set[datetime]] = defaultdict(set)
    plain = (
        PeriodResult.objects.filter(agreement_id__in=[a for a in ids if a not in with_changes])
        .order_by()
        .values_list("agreement_id", "period_start")
        .distinct()
    )
    for agreement_id, start in plain:
        found[agreement_id].add(start)
    labelled = (
        PeriodResult.objects.filter(agreement_id__in=with_changes)
        .order_by()
        .values_list("agreement_id", "period", "period_start")
        .distinct()
    )
    for agreement_id, label, start in labelled if with_changes else ():
        if (agreement_id, label) not in windows:
            found[agreement_id].add(start)
    return {a: sorted(starts)[-HISTORY:] for a, starts in found.items()}


def _attach_history(
    rows: list[tuple[int, TargetRow]],
    recent: dict[int, list[datetime]],
    windows: set[tuple[int, str]],
) -> None:
    """Fill each row's trend points, oldest first, in one query."""
    if not rows:
        return
    names: dict[int, set[str]] = defaultdict(set)
    for agreement_id, row in rows:
        names[agreement_id].add(row.name)
    wanted = Q()
    for agreement_id, targets in names.items():
        wanted |= Q(
            agreement_id=agreement_id,
            target_name__in=sorted(targets),
            period_start__gte=recent[agreement_id][0],
        )
    found = (
        PeriodResult.objects.filter(wanted)
        .order_by("period_start")
        .values_list("agreement_id", "target_name", "subject_id", "period", "attainment", "status")
    )
    series = {(a, r.name, r.subject_id): r for a, r in rows}
    for agreement_id, name, subject, label, attainment, status in found:
        found_row = series.get((agreement_id, name, subject))
        if found_row is not None and (agreement_id, label) not in windows:
            found_row.history.append(Point(label, attainment, status))


def _row(values: Sequence[Any]) -> TargetRow:
    v = dict(zip(RESULT_FIELDS, values, strict=True))
    credit = ""
    if v["credit_amount"]:
        credit = f"{v['credit_amount']:,.2f} {v['currency']}".strip()
    return TargetRow(
        name=v["target_name"],
        subject=v["subject__name"],
        metric=v["metric"],
        period=v["period"],
        status=v["status"],
        objective=v["objective"],
        attainment=v["attainment"],
        budget_remaining=v["budget_remaining"],
        forecast=v["forecast"],
        breached=v["breached"],
        measured=measured(SimpleNamespace(**v)),  # type: ignore[arg-type]
        final=v["final"],
        credit=credit,
        subject_id=v["subject_id"],
    )


def attach_reasons(rows: list[tuple[int, TargetRow]]) -> None:
    """The reasons people gave for breaches in the rows' periods: for the period itself
    (agreement, target, subject, period) and for each ticket clock that breached in it.
    Two queries for the whole page."""
    wanted = [(a, r) for a, r in rows if r.needs_reason]
    if not wanted:
        return
    ids = {a for a, _ in wanted}
    by_period = {(a, r.name, r.subject, r.period): r for a, r in wanted}
    by_target: dict[tuple[int, str], list[TargetRow]] = defaultdict(list)
    for a, r in wanted:
        by_target[(a, r.name)].append(r)
    periods = {r.period for _, r in wanted}
    period_reasons = (
        BreachReason.objects.filter(agreement_id__in=ids, ticket__isnull=True, period__in=periods)
        .select_related("author", "subject")
        .order_by("created_at")
    )
    for reason in period_reasons:
        subject = reason.subject.name if reason.subject else None
        row = by_period.get((reason.agreement_id, reason.target_name, subject, reason.period))
        if row is not None:
            row.reasons.append(_reason(reason, None))
    # A clock counts in the period it breached in (SEMANTICS §3): its stored label.
    breached_in = ClockResult.objects.filter(
        agreement_id=OuterRef("agreement_id"),
        ticket_id=OuterRef("ticket_id"),
        target_name=OuterRef("target_name"),
        status=ClockStatus.BREACHED,
    ).values("period")[:1]
    clock_reasons = (
        BreachReason.objects.filter(agreement_id__in=ids, ticket__isnull=False)
        .annotate(breached_in=Subquery(breached_in))
        .filter(breached_in__in=periods)
        .select_related("author", "ticket")
        .order_by("created_at")
    )
    for reason in clock_reasons:
        for row in by_target.get((reason.agreement_id, reason.target_name), ()):
            if row.period == reason.breached_in:
                row.reasons.append(_reason(reason, reason.ticket.external_id))


def _reason(reason: BreachReason, ticket: str | None) -> Reason:
    author = reason.author.get_full_name() or reason.author.get_username()
    return Reason(reason.get_category_display(), reason.text, author, ticket)


def overdue_actions(user: Any, today: date) -> list[Any] | None:
    """Open actions past due that the user may see, from the reviews register."""
    try:
        from accord.reviews.services import overdue_actions as overdue
    except ImportError:  # the register is optional to the dashboard
        return None
    return list(overdue(user, today=today)[:50])
