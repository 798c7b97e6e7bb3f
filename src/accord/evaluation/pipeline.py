"""One evaluation of one agreement: load → engine → results, in three modes.

- routine: clocks of tickets changed since the last evaluation and of running clocks are
  recomputed; the periods not yet final are written; a final period is never rewritten,
  only marked stale when late data would change its ticket figures;
- full: every clock in scope is recomputed (first evaluation, changed terms, or an
  explicit re-evaluation, which also rewrites final periods from a given instant);
- dry: everything computed in memory at any `as_of`, nothing written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from accord.engine.forecast import TRAILING_S
from accord.engine.periods import Period
from accord.evaluation import results
from accord.evaluation.availability import availability_figures, read_estate
from accord.evaluation.calendars import Calendars
from accord.evaluation.clocks import ClockGroup, evaluate_ticket_clocks
from accord.evaluation.fields import from_epoch
from accord.evaluation.figures import Figures, apply_credits
from accord.evaluation.models import EvaluationState, PeriodResult
from accord.evaluation.ratios import sli_figures
from accord.evaluation.scope import Scope
from accord.evaluation.ticket_periods import (
    ClockColumns,
    lookback,
    stored_clock_columns,
    ticket_figures,
)
from accord.evaluation.tickets import (
    Events,
    Selection,
    Tickets,
    attach_events,
    derive_instants,
    load_events,
    load_tickets,
    read_events,
    vocabularies,
)

DAY = 86_400
T = TypeVar("T")
# Tickets changed this long before the previous evaluation are read again, in case an
# import's transaction committed after that evaluation read.
CHANGE_MARGIN = timedelta(minutes=10)
# How far past as_of calendars are compiled, so running clocks' breach and warning
# instants are known (at least; ten times the longest threshold if that is longer).
HORIZON_S = 62 * DAY


@dataclass
class Outcome:
    """What one evaluation did: its figures, and what it recomputed and wrote."""

    scope: Scope
    as_of: int
    full: bool
    clocks: int
    figures: list[Figures]
    written: list[PeriodResult] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # final periods late data would change
    groups: list[ClockGroup] = field(default_factory=list)
    tickets: Tickets | None = None
    replaced: dict[results.StatusKey, str] = field(default_factory=dict)  # statuses before


def load_and_compute(
    scope: Scope, selection: Selection, as_of: int
) -> tuple[Tickets, list[ClockGroup]]:
    tickets, events = _load(scope, selection)
    tickets = derive_instants(tickets, events)
    earliest = int(tickets.opened.min()) if tickets.size else as_of
    calendars = Calendars(
        start=max(0, min(earliest, as_of) - 2 * DAY),
        end=as_of + max(HORIZON_S, 10 * _longest_threshold(scope)),
        changes=scope.changes,
    )
    groups = evaluate_ticket_clocks(scope, tickets, events, calendars, as_of=as_of)
    return tickets, groups


def _load(scope: Scope, selection: Selection) -> tuple[Tickets, Events]:
    """Tickets and their events. Reading every ticket of a scope, the events are read on
    a second connection at the same time (the database works on both while Python
    waits): not inside a transaction, whose uncommitted rows another connection would
    not see."""
    wanted = vocabularies(scope)
    if not selection.everything or connection.in_atomic_block:
        tickets = load_tickets(scope, selection, wanted)
        return tickets, load_events(scope, selection, tickets)
    with ThreadPoolExecutor(max_workers=1) as pool:
        raw = pool.submit(_on_own_connection, read_events, scope, selection, wanted["state"])
        tickets = load_tickets(scope, selection, wanted)
        return tickets, attach_events(raw.result(), tickets)


def _on_own_connection(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in a thread, on the thread's own database connection, closed after."""
    try:
        return work(*args)
    finally:
        connection.close()


def _longest_threshold(scope: Scope) -> int:
    values = [
        int(terms.target.within_seconds or 0)
        for segment in scope.segments
        for terms in segment.targets.values()
    ]
    for change in scope.changes:
        values += [int(o.get("within") or 0) for o in (change.target_overrides or {}).values()]
    return max(values, default=0)


def history_start(scope: Scope, tickets: Tickets, as_of: int) -> int:
    """Where an agreement's first evaluation starts: its effective date, else its
    earliest ticket, else the current period."""
    if scope.begins > 0:
        return min(scope.begins, as_of)
    return int(tickets.opened.min()) if tickets.size else as_of


def periods_from(scope: Scope, start: int, as_of: int) -> list[Period]:
    """The periods from the one containing `start` to the current one (or the last one
    of an agreement that has ended)."""
    end = as_of + 1 if scope.ends is None else min(as_of + 1, scope.ends)
    if end <= start and scope.period_spec.kind != "rolling":
        return []
    return scope.periods(start, max(end, start + 1), as_of)


def compute_figures(
    scope: Scope,
    clocks: ClockColumns,
    periods: Sequence[Period],
    as_of: int,
    *,
    skip: Collection[str] = (),
    credits: bool = True,
) -> list[Figures]:
    """Every target's figures in `periods` and in the windows of the temporary changes
    that overlap them (but `skip`), with the agreement's credits (unless `credits` is
    False: charges are per agreement period, so a quarter of a monthly one earns none)."""
    if not periods:
        return []
    windows = scope.change_windows(periods[0].start, min(periods[-1].end, as_of + 1), skip)
    periods = sorted([*periods, *(w for w in windows if w.start <= as_of)], key=_start)
    window = (min(periods[0].start, as_of - TRAILING_S), max(max(p.end for p in periods), as_of))
    # Service hours over the periods and the trailing window (for forecasts, burn rates).
    calendars = Calendars(max(0, window[0] - 2 * DAY), window[1] + 2 * DAY, scope.changes)
    figures = ticket_figures(scope, clocks, periods, as_of=as_of)
    figures += availability_figures(scope, periods, calendars, read_estate(window), as_of=as_of)
    figures += sli_figures(scope, periods, as_of=as_of)
    if credits:
        apply_credits(figures)
    order = {name: i for i, name in enumerate(scope.target_names())}
    figures.sort(key=lambda f: (f.period.start, order.get(f.target_name, 0), f.subject_id or 0))
    return figures


def _start(period: Period) -> int:
    return period.start


def run_dry(
    scope: Scope, periods: Sequence[Period], as_of: int, *, credits: bool = True
) -> Outcome:
    """Compute `periods` at `as_of` from the measurements alone; write nothing."""
    selection = Selection(opened_before=as_of + 1)
    tickets, groups = load_and_compute(scope, selection, as_of)
    clocks = ClockColumns.of_groups(groups)
    figures = compute_figures(scope, clocks, periods, as_of, credits=credits)
    count = sum(g.rows.size for g in groups)
    return Outcome(scope, as_of, True, count, figures, groups=list(groups), tickets=tickets)


def run_stored(scope: Scope, *, as_of: int, full: bool, rewrite_from: int | None = None) -> Outcome:
    """Routine (full=False) or full evaluation, written. `rewrite_from`: re-evaluate
    history from that instant, final periods included."""
    agreement = scope.agreement
    state = EvaluationState.objects.filter(agreement=agreement).first()
    full = full or state is None or state.terms != scope.digest()
    started = timezone.now()
    selection = (
        Selection(opened_before=as_of + 1) if full else _selection(state, agreement.pk, as_of)
    )
    tickets, groups = load_and_compute(scope, selection, as_of)
    with transaction.atomic():
        outcome = _write(scope, tickets, groups, as_of, full, rewrite_from, started)
        _save_state(state, scope, as_of, started, full)
    if full:
        results.refresh_statistics()
    return outcome


def _write(
    scope: Scope,
    tickets: Tickets,
    groups: list[ClockGroup],
    as_of: int,
    full: bool,
    rewrite_from: int | None,
    started: datetime,
) -> Outcome:
    """Replace the clocks recomputed, write the periods due, flag stale final ones."""
    agreement_id = scope.agreement.pk
    previous = _stored_periods(agreement_id)
    replaced_clocks: list[tuple[str, int, int]] = []
    if not full:
        replaced_clocks = results.stored_clocks(agreement_id, tickets.ids)
    write, finals = _period_plan(scope, tickets, previous, as_of, rewrite_from)
    labeller = _labeller(scope, groups, as_of)
    replacing = None if full else tickets.ids
    count = results.replace_clocks(
        agreement_id, replacing, groups, tickets.ids, labeller, as_of=as_of
    )
    clocks = (
        ClockColumns.of_groups(groups)
        if full
        else stored_clock_columns(agreement_id, lookback(write, as_of), scope.target_names())
    )
    # Final windows of temporary changes stay as they are, unless history is redone.
    skip = {p.label for p in finals} if rewrite_from is None else set()
    figures = compute_figures(scope, clocks, write, as_of, skip=skip)
    written, replaced = results.write_periods(
        agreement_id, figures, as_of=as_of, evaluated_at=started
    )
    changed = (
        _changed_counts(scope, clocks, finals, as_of)
        if full
        else _changed_clocks(finals, replaced_clocks, groups)
    )
    stale = _mark_stale(agreement_id, changed)
    return Outcome(scope, as_of, full, count, figures, written, stale, replaced=replaced)


def _selection(state: EvaluationState | None, agreement_id: int, as_of: int) -> Selection:
    assert state is not None
    seen = state.tickets_seen_until
    return Selection(
        changed_after=(seen - CHANGE_MARGIN) if seen else from_epoch(0),
        running_of=agreement_id,
        opened_before=as_of + 1,
    )


def _stored_periods(agreement_id: int) -> dict[str, tuple[int, int, bool]]:
    """label → (start, end, final) of the periods already written."""
    rows = PeriodResult.objects.filter(agreement_id=agreement_id).values_list(
        "period", "period_start", "period_end", "final"
    )
    return {
        label: (int(start.timestamp()), int(end.timestamp()), final)
        for label, start, end, final in rows
    }


def _period_plan(
    scope: Scope,
    tickets: Tickets,
    previous: dict[str, tuple[int, int, bool]],
    as_of: int,
    rewrite_from: int | None,
) -> tuple[list[Period], list[Period]]:
    """(periods to write, the final periods already written)."""
    if rewrite_from is not None:
        start = max(rewrite_from, scope.begins)
        return periods_from(scope, start, as_of), []
    if not previous:
        return periods_from(scope, history_start(scope, tickets, as_of), as_of), []
    open_starts = [start for start, _, final in previous.values() if not final]
    resume = min(open_starts) if open_starts else max(end for _, end, _ in previous.values())
    write = periods_from(scope, min(resume, as_of), as_of)
    finals = [Period(label, start, end) for label, (start, end, final) in previous.items() if final]
    return write, sorted(finals, key=lambda p: p.start)


def _labeller(scope: Scope, groups: Sequence[ClockGroup], as_of: int) -> results.Labeller:
    """Names the period each clock counts in; a rolling window is no fixed period."""
    if scope.period_spec.kind == "rolling":
        return results.period_labeller([])
    counted = [g.counted_at[g.counted_at >= 0] for g in groups]
    first = min((int(c.min()) for c in counted if c.size), default=as_of)
    last = max((int(c.max()) for c in counted if c.size), default=as_of)
    return results.period_labeller(scope.periods(first, max(last, as_of) + 1, as_of))


def _changed_clocks(
    finals: Sequence[Period], before: Sequence[tuple[str, int, int]], groups: Sequence[ClockGroup]
) -> set[tuple[str, str]]:
    """(target, period) of the final periods whose counts the replaced clocks change:
    those where the statuses counted there before and after differ."""
    if not finals:
        return set()
    label_of = results.period_labeller(finals)
    counts: Counter[tuple[str, str, int]] = Counter()
    if before:
        names, statuses, instants = zip(*before, strict=True)
        labels = label_of(np.array(instants, dtype=np.int64))
        counts.update(zip(names, labels, statuses, strict=True))
    for group in groups:
        counted = group.counted_at >= 0
        labels = label_of(group.counted_at[counted])
        statuses = group.status[counted].tolist()
        counts.subtract((group.name, label, s) for label, s in zip(labels, statuses, strict=True))
    return {(name, label) for (name, label, _), n in counts.items() if n and label}


def _changed_counts(
    scope: Scope, clocks: ClockColumns, finals: Sequence[Period], as_of: int
) -> set[tuple[str, str]]:
    """(target, period) of the final periods whose stored ticket counts differ from what
    every clock, recomputed under new terms, now gives."""
    if not finals:
        return set()
    fresh = {
        (f.target_name, f.period.label): (f.met, f.breached, f.excluded)
        for f in ticket_figures(scope, clocks, finals, as_of=as_of)
    }
    stored = PeriodResult.objects.filter(
        agreement=scope.agreement, period__in=[p.label for p in finals], met__isnull=False
    ).values_list("target_name", "period", "met", "breached", "excluded")
    return {
        (name, period)
        for name, period, *counts in stored
        if fresh.get((name, period)) not in (None, tuple(counts))
    }


def _mark_stale(agreement_id: int, changed: set[tuple[str, str]]) -> list[str]:
    """Flag final results that late data would change; they are rewritten only by an
    explicit re-evaluation (SEMANTICS §10)."""
    rows = PeriodResult.objects.filter(agreement_id=agreement_id, final=True)
    for name, period in changed:
        rows.filter(target_name=name, period=period).update(stale=True)
    return sorted({period for _, period in changed})


def _save_state(
    state: EvaluationState | None,
    scope: Scope,
    as_of: int,
    started: datetime,
    full: bool,
) -> None:
    values = {
        "as_of": from_epoch(as_of),
        "evaluated_at": timezone.now(),
        "tickets_seen_until": started,
        "terms": scope.digest(),
        "summary": {"full": full},
    }
    EvaluationState.objects.update_or_create(agreement=scope.agreement, defaults=values)
