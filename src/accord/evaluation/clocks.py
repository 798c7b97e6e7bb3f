"""Ticket clocks of an agreement's response and resolution targets (SEMANTICS §2).

For each target, in each segment of the agreement's terms: the tickets whose *current*
attributes match its `where` filter (applied from the original start, so a re-match can
be breached long ago), their start, stop, threshold (a temporary change's `within` for
clocks starting inside its dates), pauses from the history and exclusion. The engine
evaluates each (target, segment) group in one vectorised call; the results are laid
out as one table of columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.agreements.models import Target
from accord.catalogue.models import Party, Subject
from accord.engine.clocks import NO_INSTANT, ClockResults, evaluate_clocks
from accord.engine.parsing import format_duration
from accord.evaluation.calendars import Calendars
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.loading import NULL, IntArray
from accord.evaluation.models import ClockStatus
from accord.evaluation.scope import Scope, TargetTerms
from accord.evaluation.tickets import (
    CANCELLED,
    NAMED_FIELDS,
    RESOLVED_STATES,
    Events,
    Tickets,
)

TICKET_METRICS = (Target.Metric.RESPONSE, Target.Metric.RESOLUTION)
DEFAULT_WARNINGS = (50.0, 75.0, 100.0)  # SEMANTICS §6
AT_RISK_PERCENT = 75.0


@dataclass(frozen=True, eq=False)
class ClockGroup:
    """The clocks of one target in one segment, evaluated."""

    terms: TargetTerms
    version_id: int
    rows: IntArray  # ticket indexes
    start: IntArray
    stop: IntArray
    result: ClockResults
    status: IntArray  # ClockStatus, with AT_RISK
    counted_at: IntArray  # NULL while open
    warning_labels: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.terms.name


def evaluate_ticket_clocks(
    scope: Scope, tickets: Tickets, events: Events, calendars: Calendars, *, as_of: int
) -> list[ClockGroup]:
    segment_of = scope.segment_of(tickets.opened)
    groups = []
    for index, segment in enumerate(scope.segments):
        in_segment = segment_of == index
        if not in_segment.any():
            continue
        for terms in segment.targets.values():
            if terms.metric not in TICKET_METRICS:
                continue
            rows = np.flatnonzero(in_segment & matches(terms.target.where or {}, tickets))
            # A clock keeps the service hours in force at its start (SEMANTICS §10).
            hours = calendars.version_of(terms.calendar, tickets.opened[rows])
            for version in np.unique(hours).tolist():
                groups.append(
                    _evaluate(
                        terms,
                        segment.version.pk,
                        rows[hours == version],
                        tickets,
                        events,
                        calendars,
                        as_of,
                        calendar_version=version,
                    )
                )
    return groups


def matches(where: dict[str, Sequence[str]], tickets: Tickets) -> np.ndarray:
    """Tickets whose current attributes pass the filter (every attribute in its list)."""
    mask = np.ones(tickets.size, dtype=bool)
    for key, accepted in where.items():
        values = [str(v) for v in accepted]
        if key in NAMED_FIELDS:
            mask &= np.isin(getattr(tickets, key), _ids_named(key, values))
        else:
            mask &= tickets.texts[key].matching(values)
    return mask


def _ids_named(key: str, names: Sequence[str]) -> IntArray:
    model = Subject if key == "service" else Party
    return np.array(model.objects.filter(name__in=names).values_list("id", flat=True), np.int64)


@dataclass(frozen=True, eq=False)
class ClockInputs:
    """What the engine takes for the clocks of one target over `rows` of the tickets."""

    rows: IntArray
    start: IntArray
    stop: IntArray
    threshold: IntArray
    excluded: np.ndarray
    pause_owner: IntArray
    pause_start: IntArray
    pause_end: IntArray
    pause_state: IntArray  # code in the events' state vocabulary (the pause's reason)


def clock_inputs(
    terms: TargetTerms, rows: IntArray, tickets: Tickets, events: Events, calendars: Calendars
) -> ClockInputs:
    target = terms.target
    start = tickets.opened[rows]
    resolution = target.metric == Target.Metric.RESOLUTION
    stop = _stops(tickets, rows, resolution)
    cancelled = tickets.cancellation[rows]
    # Cancelled before the clock stopped: excluded, and frozen at the cancellation.
    excluded = (cancelled != NO_INSTANT) & ((stop == NO_INSTANT) | (stop > cancelled))
    excluded |= tickets.state_is([CANCELLED])[rows] & (stop == NO_INSTANT)
    # Resolved with no instant anywhere (no timestamps, no history): cannot be judged.
    excluded |= tickets.state_is(RESOLVED_STATES)[rows] & (stop == NO_INSTANT)
    stop = np.where(excluded, np.where(cancelled != NO_INSTANT, cancelled, start), stop)
    pause_states = [*(target.pause_when or []), *(RESOLVED_STATES if resolution else ())]
    return ClockInputs(
        rows,
        start,
        stop,
        _thresholds(terms, start, rows.size, calendars),
        excluded,
        *_pauses(events, rows, tickets.size, pause_states),
    )


def _evaluate(
    terms: TargetTerms,
    version_id: int,
    rows: IntArray,
    tickets: Tickets,
    events: Events,
    calendars: Calendars,
    as_of: int,
    *,
    calendar_version: int,
) -> ClockGroup:
    given = clock_inputs(terms, rows, tickets, events, calendars)
    percents, leads, labels = warnings_of(terms.target)
    result = evaluate_clocks(
        calendars.compiled(
            terms.calendar, with_changes=terms.follows_agreement_hours, version=calendar_version
        ),
        start=given.start,
        stop=given.stop,
        threshold=given.threshold,
        pause_owner=given.pause_owner,
        pause_start=given.pause_start,
        pause_end=given.pause_end,
        as_of=as_of,
        excluded=given.excluded,
        warn_percents=percents,
        warn_leads=leads,
    )
    status = result.status.astype(np.int64)
    running = status == ClockStatus.OPEN
    status[running & (result.percent_elapsed >= AT_RISK_PERCENT)] = ClockStatus.AT_RISK
    counted = np.where(status == ClockStatus.BREACHED, result.breach_at, given.stop)
    counted[running] = NULL
    return ClockGroup(
        terms, version_id, rows, given.start, given.stop, result, status, counted, labels
    )


def _stops(tickets: Tickets, rows: IntArray, resolution: bool) -> IntArray:
    if resolution:
        return tickets.resolution[rows]
    # A ticket resolved with no response recorded was answered by its resolution.
    first = tickets.first_response[rows]
    return np.where(first != NO_INSTANT, first, tickets.resolution[rows])


def _thresholds(terms: TargetTerms, start: IntArray, n: int, calendars: Calendars) -> IntArray:
    threshold = np.full(n, int(terms.target.within_seconds or 0), np.int64)
    for change in calendars.changes:
        override = (change.target_overrides or {}).get(terms.name) or {}
        if override.get("within"):
            inside = (start >= epoch_seconds(change.start)) & (start < epoch_seconds(change.end))
            threshold[inside] = int(override["within"])
    return threshold


def _pauses(
    events: Events, rows: IntArray, n_tickets: int, states: Sequence[str]
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Pause intervals of the clocks (owner = clock index): the state runs in `states`."""
    if not states or not events.size:
        empty = np.empty(0, np.int64)
        return empty, empty, empty, empty
    clock_of = np.full(n_tickets, -1, np.int64)
    clock_of[rows] = np.arange(rows.size)
    chosen = np.flatnonzero(events.state.matching(states))
    owner = clock_of[events.owner[chosen]]
    keep = chosen[owner >= 0]
    return owner[owner >= 0], events.at[keep], events.until[keep], events.state.codes[keep]


def warnings_of(target: Target) -> tuple[list[float], list[int], tuple[str, ...]]:
    percents = [float(p) for p in (target.warn_at or DEFAULT_WARNINGS)]
    leads = [int(target.warn_before_seconds)] if target.warn_before_seconds else []
    labels = tuple(f"{p:g}%" for p in percents) + tuple(
        f"{format_duration(lead)} before breach" for lead in leads
    )
    return percents, leads, labels
