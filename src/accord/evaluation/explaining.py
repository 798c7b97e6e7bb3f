"""`accord explain`: one ticket's clock under one target, segment by segment.

The clock's inputs are built by the same code as every evaluation (`clocks.clock_inputs`)
and explained by the engine's `explain_clock`, which evaluates it with the same
function, so an explanation cannot disagree with the stored result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from accord.agreements.models import Agreement
from accord.engine.clocks import NO_INSTANT
from accord.engine.explain import Explanation, explain_clock
from accord.engine.forecast import TRAILING_S
from accord.engine.parsing import format_duration
from accord.evaluation.calendars import Calendars
from accord.evaluation.clocks import TICKET_METRICS, clock_inputs, matches
from accord.evaluation.pipeline import DAY, HORIZON_S
from accord.evaluation.scope import TargetTerms, read_scope
from accord.evaluation.tickets import (
    RESOLVED_STATES,
    Selection,
    derive_instants,
    load_events,
    load_tickets,
    vocabularies,
)
from accord.measurements.models import Ticket


class ExplainError(ValueError):
    """The clock asked about does not exist; the message says why."""


@dataclass(frozen=True)
class ClockExplanation:
    ticket: Ticket
    agreement: Agreement
    terms: TargetTerms
    version: int
    timezone: str
    as_of: int
    explanation: Explanation
    excluded: bool


def explain_ticket(
    ticket: Ticket, agreement: Agreement, target_name: str, *, as_of: int
) -> ClockExplanation:
    scope = read_scope(agreement)
    selection = Selection(ticket_ids=(ticket.pk,))
    tickets = load_tickets(scope, selection, vocabularies(scope))
    if not tickets.size:
        raise ExplainError(f"ticket {ticket} is not in the scope of agreement {agreement.name}")
    events = load_events(scope, selection, tickets)
    tickets = derive_instants(tickets, events)
    segment = scope.segments[int(scope.segment_of(tickets.opened)[0])]
    terms = segment.targets.get(target_name)
    if terms is None or terms.metric not in TICKET_METRICS:
        known = ", ".join(n for n, t in segment.targets.items() if t.metric in TICKET_METRICS)
        raise ExplainError(
            f"agreement {agreement.name} (version {segment.version.number}) has no ticket "
            f"target {target_name!r}; its ticket targets: {known or 'none'}"
        )
    if not matches(terms.target.where or {}, tickets)[0]:
        raise ExplainError(
            f"ticket {ticket} does not match the `where` of {target_name} "
            f"({terms.target.where}); its priority is {ticket.priority or 'not set'}"
        )
    opened = int(tickets.opened[0])
    calendars = Calendars(
        start=max(0, min(opened, as_of - TRAILING_S) - 2 * DAY),
        end=max(as_of, opened) + HORIZON_S + 10 * int(terms.target.within_seconds or 0),
        changes=scope.changes,
    )
    given = clock_inputs(terms, np.array([0]), tickets, events, calendars)
    states = events.state.vocabulary
    pauses = [
        (int(s), int(e), _reason(states[c], terms))
        for s, e, c in zip(given.pause_start, given.pause_end, given.pause_state, strict=True)
    ]
    hours = int(calendars.version_of(terms.calendar, tickets.opened)[0])  # at its start
    explanation = explain_clock(
        calendars.compiled(
            terms.calendar, with_changes=terms.follows_agreement_hours, version=hours
        ),
        start=int(given.start[0]),
        stop=int(given.stop[0]),
        threshold=int(given.threshold[0]),
        pauses=pauses,
        as_of=as_of,
        excluded=bool(given.excluded[0]),
    )
    return ClockExplanation(
        ticket,
        agreement,
        terms,
        segment.version.number,
        scope.timezone,
        as_of,
        explanation,
        bool(given.excluded[0]),
    )


def _reason(state: str, terms: TargetTerms) -> str:
    if state in RESOLVED_STATES and state not in (terms.target.pause_when or []):
        return f"{state} (before the final resolution)"
    return state


def render(found: ClockExplanation) -> str:
    """The explanation as a terminal page, in the agreement's time zone."""
    zone = ZoneInfo(found.timezone)
    e = found.explanation
    target = found.terms.target

    def at(instant: int | None) -> str:
        if instant is None or instant == NO_INSTANT:
            return "-"
        return datetime.fromtimestamp(instant, zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    lines = [
        f"Ticket {found.ticket} — {found.agreement.name} / {target.name} "
        f"(version {found.version}; {target.metric} within {_span(e.threshold)}"
        f" under {found.terms.calendar.name})",
        f"Times in {found.timezone}; evaluated as of {at(found.as_of)}.",
        "",
    ]
    rows = [("FROM", "TO", "KIND", "WHY", "COUNTED", "ELAPSED AFTER")]
    for s in e.segments:
        counted = s.business_seconds if s.kind == "running" else 0
        why = s.reason or ("outside service hours" if s.kind == "outside-hours" else "")
        rows.append((at(s.start), at(s.end), s.kind, why, _span(counted), _span(s.elapsed_after)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines += [
        "",
        f"Business elapsed  {_span(e.business_elapsed)} of {_span(e.threshold)}"
        f" ({e.percent_elapsed:.1f} %)",
        f"Actual elapsed    {_span(e.actual_elapsed)}",
        f"Threshold         {_span(e.threshold)}",
        f"Breach instant    {at(e.breach_at)}",
        f"Status            {'excluded (cancelled)' if found.excluded else e.status.name.lower()}",
    ]
    return "\n".join(lines) + "\n"


def _span(seconds: int) -> str:
    return format_duration(seconds) if seconds > 0 else "0s"
