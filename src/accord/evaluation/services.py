"""Every evaluation operation: the one adapter between measurement rows and the engine.

- `evaluate_agreement` — routine (incremental) evaluation, written; what the worker runs;
- `compute_periods` — any periods at any `as_of`, in memory (nothing written);
- `reevaluate` — re-evaluate history explicitly, rewriting final periods; logged;
- `request_evaluation` — what ingestion calls: queue evaluations of the agreements whose
  scope the new data touches.

After each written evaluation the hooks in `on_evaluated` are called with an
`EvaluationSummary` (the alerts app registers itself there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accord.agreements.models import Agreement
from accord.engine.periods import Period
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.jobs import enqueue
from accord.evaluation.models import Job, Reevaluation
from accord.evaluation.pipeline import Outcome, run_dry, run_stored
from accord.evaluation.scope import covered_subject_ids, read_scope

log = logging.getLogger(__name__)

EVALUATE = "evaluate"  # job kind, keyed by agreement name
# Agreements evaluated without being asked: those in force.
IN_FORCE = (
    Agreement.Status.AGREED,
    Agreement.Status.ACTIVE,
    Agreement.Status.UNDER_REVIEW,
)


@dataclass(frozen=True)
class PeriodChange:
    """A period result written by an evaluation, with the status it replaced."""

    result_id: int
    target: str
    subject_id: int | None
    period: str
    status: str
    previous_status: str | None  # None: the first result for this period
    final: bool


@dataclass(frozen=True)
class EvaluationSummary:
    agreement_id: int
    agreement: str
    as_of: datetime
    full: bool  # every clock recomputed (else only those new data touched)
    clocks: int  # clocks recomputed
    periods: tuple[str, ...]  # labels written
    results: tuple[PeriodChange, ...]
    stale: tuple[str, ...]  # final periods that late data would change

    @property
    def changed(self) -> tuple[PeriodChange, ...]:
        return tuple(r for r in self.results if r.status != r.previous_status)


on_evaluated: list[Callable[[EvaluationSummary], None]] = []


def evaluate_agreement(
    agreement: Agreement, *, as_of: datetime | None = None, full: bool = False
) -> EvaluationSummary:
    """Evaluate what new data touched (or everything with `full`) and write it."""
    instant = epoch_seconds(as_of or timezone.now())
    outcome = run_stored(read_scope(agreement), as_of=instant, full=full)
    return _announce(outcome)


def evaluate_agreements(
    agreements: Iterable[Agreement] | None = None, *, as_of: datetime | None = None
) -> list[EvaluationSummary]:
    chosen = agreements_in_force() if agreements is None else agreements
    return [evaluate_agreement(a, as_of=as_of) for a in chosen]


def compute_periods(
    agreement: Agreement, labels: Sequence[str], *, as_of: datetime | None = None
) -> Outcome:
    """The figures of the periods labelled (`2026-03`, `2026-Q1`, `2026`, `current`) at
    `as_of`, computed from the measurements; nothing is written. Periods not yet begun
    at `as_of`, or outside the agreement's effective dates, have no figures."""
    scope = read_scope(agreement)
    instant = epoch_seconds(as_of or timezone.now())
    periods = sorted(
        {p.label: p for p in (scope.period(label, instant) for label in labels)}.values(),
        key=lambda p: p.start,
    )
    chosen = [p for p in periods if p.start <= instant and scope.in_force(p)]
    own_kind = all(
        _kind(label, scope.period_spec.kind) == scope.period_spec.kind for label in labels
    )
    return run_dry(scope, chosen, instant, credits=own_kind)


def _kind(label: str, current: str) -> str:
    """The period kind a label names (`current` names the agreement's own)."""
    if label == "current":
        return current
    return "quarter" if "Q" in label else "month" if "-" in label else "year"


def reevaluate(
    agreements: Iterable[Agreement] | None = None,
    *,
    since: datetime | None,
    requested_by: str,
    reason: str = "",
    as_of: datetime | None = None,
) -> list[Reevaluation]:
    """Recompute every clock and rewrite the periods from `since` (all history when None),
    final ones included. Each agreement's re-evaluation is logged."""
    chosen = list(agreements_in_force() if agreements is None else agreements)
    logged = []
    for agreement in chosen:
        entry = Reevaluation.objects.create(
            agreement=agreement,
            agreement_name=agreement.name,
            since=since,
            requested_by=requested_by,
            reason=reason,
            started_at=timezone.now(),
        )
        instant = epoch_seconds(as_of or timezone.now())
        start = epoch_seconds(since) if since else 0
        outcome = run_stored(read_scope(agreement), as_of=instant, full=True, rewrite_from=start)
        entry.finished_at = timezone.now()
        entry.periods = sorted({f.period.label for f in outcome.figures})
        entry.clocks = outcome.clocks
        entry.save(update_fields=["finished_at", "periods", "clocks"])
        log.info(
            "re-evaluated %s from %s for %s: %d clocks, periods %s",
            agreement.name,
            since.isoformat() if since else "the beginning",
            requested_by,
            outcome.clocks,
            ", ".join(entry.periods),
        )
        _announce(outcome)
        logged.append(entry)
    return logged


def request_evaluation(
    *, agreement_ids: Iterable[int] | None = None, subject_ids: Iterable[int] | None = None
) -> list[Job]:
    """Queue an evaluation of the agreements named, or of those whose scope covers any of
    the subjects, or (neither given) of every agreement in force. Cheap: one pending
    job per agreement, however often it is asked for."""
    agreements = agreements_in_force()
    if agreement_ids is not None:
        agreements = Agreement.objects.filter(pk__in=list(agreement_ids))
    elif subject_ids is not None:
        agreements = agreements_covering(subject_ids)
    return [enqueue(EVALUATE, key=a.name) for a in agreements]


def agreements_in_force() -> list[Agreement]:
    return list(Agreement.objects.filter(status__in=IN_FORCE).order_by("name"))


def agreements_covering(subject_ids: Iterable[int]) -> list[Agreement]:
    """Agreements in force whose scope includes any of the subjects (an agreement that
    covers everything includes them all)."""
    wanted = set(subject_ids)
    chosen = []
    for agreement in agreements_in_force():
        covered = covered_subject_ids(agreement)
        if covered is None or wanted.intersection(covered):
            chosen.append(agreement)
    return chosen


def _announce(outcome: Outcome) -> EvaluationSummary:
    agreement = outcome.scope.agreement
    changes = tuple(
        PeriodChange(
            result_id=row.pk,
            target=row.target_name,
            subject_id=row.subject_id,
            period=row.period,
            status=row.status,
            previous_status=outcome.replaced.get((row.target_name, row.subject_id, row.period)),
            final=row.final,
        )
        for row in outcome.written
    )
    summary = EvaluationSummary(
        agreement_id=agreement.pk,
        agreement=agreement.name,
        as_of=from_epoch(outcome.as_of),
        full=outcome.full,
        clocks=outcome.clocks,
        periods=tuple(dict.fromkeys(f.period.label for f in outcome.figures)),
        results=changes,
        stale=tuple(outcome.stale),
    )
    for hook in list(on_evaluated):
        try:
            hook(summary)
        except Exception:  # one broken subscriber must not undo or stop evaluation
            log.exception("on_evaluated hook %r failed for %s", hook, agreement.name)
    return summary


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    return from_epoch(period.start), from_epoch(period.end)
