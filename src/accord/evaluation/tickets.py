"""Tickets and their event histories in scope of an agreement, as NumPy columns, and the
instants every clock is built from (SEMANTICS §2), derived once per load:

- the first response: the explicit `responded_at`, else the first event whose state is
  neither `new` nor `cancelled`;
- the resolution: for a ticket now resolved or closed, its `resolved_at`, else its
  `closed_at`, else the start of its final run of resolved/closed events;
- the cancellation: for a ticket now cancelled, the start of its final cancelled run,
  else its `closed_at`.

State intervals come from the history: each event's state holds from its instant until
the next event's (the last one: until further notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain, repeat

import numpy as np

from accord.engine.clocks import NO_INSTANT
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.loading import (
    NULL,
    Column,
    IntArray,
    codes_of,
    epoch,
    instant_param,
    json_text,
    postgres,
    quote,
    read_columns,
)
from accord.evaluation.models import ClockResult, ClockStatus
from accord.evaluation.scope import Scope
from accord.measurements.models import Ticket, TicketHistory, TicketState

RESOLVED_STATES = (TicketState.RESOLVED.value, TicketState.CLOSED.value)
CANCELLED = TicketState.CANCELLED.value
NEW = TicketState.NEW.value
# Columns of the ticket row that a `where` filter can name; anything else is an attribute.
TICKET_FIELDS = {"priority": "priority", "state": "state", "source": "source"}
NAMED_FIELDS = {"service": "service_id", "customer": "customer_id"}
LISTED_TICKETS = 50_000  # up to this many, a ticket's events are read by listing its id


@dataclass(frozen=True)
class Selection:
    """Which tickets of the scope to load: all, or only those changed since a watermark
    plus those whose clocks were still running (routine evaluation)."""

    changed_after: datetime | None = None
    running_of: int | None = None  # agreement id whose running clocks to include
    opened_before: int | None = None  # epoch seconds: tickets opened later are not yet seen
    ticket_ids: tuple[int, ...] | None = None  # only these (explaining one clock)

    @property
    def everything(self) -> bool:
        return self.changed_after is None and self.running_of is None


@dataclass(frozen=True, eq=False)
class Texts:
    codes: IntArray
    vocabulary: list[str]

    def matching(self, values: Sequence[str]) -> np.ndarray:
        return np.isin(self.codes, codes_of(self.vocabulary, values))


@dataclass(frozen=True, eq=False)
class Tickets:
    ids: IntArray
    service: IntArray
    customer: IntArray
    opened: IntArray
    responded: IntArray
    resolved: IntArray
    closed: IntArray
    texts: dict[str, Texts]  # priority, state, source and every attribute a filter names
    # derived (see the module docstring); NO_INSTANT where there is none
    first_response: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    resolution: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    cancellation: IntArray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def size(self) -> int:
        return int(self.ids.size)

    def state_is(self, names: Sequence[str]) -> np.ndarray:
        return self.texts["state"].matching(names)


@dataclass(frozen=True, eq=False)
class Events:
    owner: IntArray  # index of the ticket in `Tickets`
    at: IntArray
    until: IntArray  # the next event's instant; NO_INSTANT for a ticket's last event
    state: Texts

    @property
    def size(self) -> int:
        return int(self.owner.size)


def ticket_source(scope: Scope, selection: Selection) -> tuple[str, list[object]]:
    """`… WHERE …` of the tickets in scope (table alias t), to follow FROM."""
    conditions: list[str] = ["1 = 1"]
    params: list[object] = []
    if scope.subject_ids is not None:
        conditions.append(f"t.service_id IN ({', '.join(map(str, scope.subject_ids))})")
    if scope.customer_ids is not None:
        listed = ", ".join(map(str, scope.customer_ids))
        conditions.append(f"(t.customer_id IS NULL OR t.customer_id IN ({listed}))")
    if scope.begins > 0:
        conditions.append("t.opened_at >= %s")
        params.append(instant_param(scope.begins))
    ends = [e for e in (scope.ends, selection.opened_before) if e is not None]
    if ends:
        conditions.append("t.opened_at < %s")
        params.append(instant_param(min(ends)))
    if selection.ticket_ids is not None:
        conditions.append(f"t.id IN ({', '.join(map(str, selection.ticket_ids)) or 'NULL'})")
    table = f"{quote(Ticket._meta.db_table)} t"
    if not selection.everything:
        # Driven from the (small) set of changed tickets, each then found by primary key.
        # SQLite's CROSS JOIN keeps that order. PostgreSQL, left to plan a join, scanned
        # every ticket when it guessed the set large (a tenth of the estate, as a recent
        # import makes it: 275 ms at a million tickets); the set made an array first is
        # always looked up by key (59 ms).
        first: list[object] = []  # the subquery's parameters come before the conditions'
        changed = _changed(selection, first)
        if postgres():
            conditions.insert(0, f"t.id = ANY(ARRAY({changed}))")
        else:
            table = f"({changed}) changed CROSS JOIN {table} ON t.id = changed.id"
        params = first + params
    return f"{table} WHERE {' AND '.join(conditions)}", params


def _changed(selection: Selection, params: list[object]) -> str:
    """The tickets routine evaluation reads: changed, with a changed history, or with a
    running clock. One set, built once, then looked up by primary key."""
    tickets = quote(Ticket._meta.db_table)
    histories = quote(TicketHistory._meta.db_table)
    clocks = quote(ClockResult._meta.db_table)
    parts = []
    if selection.changed_after is not None:
        # Along the ticket_updated and history_updated indexes: only what changed is read.
        after = instant_param(epoch_seconds(selection.changed_after))
        parts.append(f"SELECT id FROM {tickets} WHERE updated_at > %s")
        parts.append(f"SELECT ticket_id AS id FROM {histories} WHERE updated_at > %s")
        params += [after, after]
    if selection.running_of is not None:
        running = f"{ClockStatus.OPEN.value}, {ClockStatus.AT_RISK.value}"
        parts.append(
            f"SELECT ticket_id AS id FROM {clocks} WHERE agreement_id = %s"
            f" AND status IN ({running})"
        )
        params.append(selection.running_of)
    return " UNION ".join(parts) if parts else f"SELECT id FROM {tickets} WHERE 1 = 0"


def vocabularies(scope: Scope) -> dict[str, tuple[str, ...]]:
    """The texts evaluation distinguishes, per column: the states clocks react to (and
    every pause state), and the values `where` filters accept. Other texts are read as
    "something else" (-1) by the database, so no text crosses over."""
    states: dict[str, None] = dict.fromkeys((NEW, CANCELLED, *RESOLVED_STATES))
    wanted: dict[str, dict[str, None]] = {}
    for segment in scope.segments:
        for terms in segment.targets.values():
            states.update(dict.fromkeys(terms.target.pause_when or []))
            for key, values in (terms.target.where or {}).items():
                if key not in NAMED_FIELDS:
                    wanted.setdefault(key, {}).update(dict.fromkeys(str(v) for v in values))
    states.update(wanted.pop("state", {}))
    return {"state": tuple(states), **{key: tuple(values) for key, values in wanted.items()}}


def load_tickets(
    scope: Scope, selection: Selection, vocabulary: dict[str, tuple[str, ...]]
) -> Tickets:
    """The tickets in scope with the columns clocks and `where` filters need."""
    source, params = ticket_source(scope, selection)
    names = list(vocabulary)
    columns = [
        Column("t.id"),
        Column("t.service_id"),
        Column("t.customer_id"),
        *(Column(epoch(f"t.{c}")) for c in ("opened_at", "responded_at", "resolved_at")),
        Column(epoch("t.closed_at")),
        *(Column(_field(name), vocabulary=vocabulary[name]) for name in names),
    ]
    ids, service, customer, opened, responded, resolved, closed, *coded = read_columns(
        source, params, columns
    )
    return Tickets(
        ids=ids,
        service=service,
        customer=customer,
        opened=opened,
        responded=responded,
        resolved=resolved,
        closed=closed,
        texts={
            name: Texts(c, list(vocabulary[name])) for name, c in zip(names, coded, strict=True)
        },
    )


def _field(name: str) -> str:
    return f"t.{TICKET_FIELDS[name]}" if name in TICKET_FIELDS else json_text("t.attributes", name)


def load_events(scope: Scope, selection: Selection, tickets: Tickets) -> Events:
    """The histories of the tickets loaded (same scope and selection), in order."""
    states = tuple(tickets.texts["state"].vocabulary)
    if selection.everything or tickets.size > LISTED_TICKETS:
        return attach_events(read_events(scope, selection, states), tickets)
    return attach_events(read_events(scope, selection, states, tickets.ids), tickets)


RawEvents = tuple[IntArray, IntArray, IntArray, tuple[str, ...]]  # ticket, at, state, states


def read_events(
    scope: Scope,
    selection: Selection,
    states: tuple[str, ...],
    ticket_ids: IntArray | None = None,
) -> RawEvents:
    """The events of the tickets of the scope and selection (of `ticket_ids`, when the
    few tickets were read already: by primary key, without finding them again), in
    history order, each with its ticket's id; states coded into `states` (-1: another).
    Needs nothing of the tickets' own read, so the two may run side by side.

    Each history is one row of JSON arrays (TicketHistory): the database concatenates
    them, and each field is decoded in one call, then parsed by NumPy."""
    table = quote(TicketHistory._meta.db_table)
    if ticket_ids is None:
        source, params = ticket_source(scope, selection)
        where = f"h.ticket_id IN (SELECT t.id FROM {source})"
    else:
        where, params = (
            f"h.ticket_id IN ({', '.join(map(str, ticket_ids.tolist())) or 'NULL'})",
            [],
        )
    ids, sizes, instants, state_names = read_columns(
        f"{table} h WHERE {where}",
        params,
        [
            Column("h.ticket_id"),
            Column("h.size"),
            Column("h.instants", kind="json"),
            Column("h.states", kind="json"),
        ],
    )
    ticket = np.repeat(ids, sizes)
    at = _epoch_seconds(list(chain.from_iterable(instants)))
    codes = {name: code for code, name in enumerate(states)}
    flat_states = chain.from_iterable(state_names)
    state = np.fromiter(map(codes.get, flat_states, repeat(NULL)), np.int64, count=ticket.size)
    if at.size != ticket.size:
        raise ValueError(f"stored histories hold {at.size} instants for {ticket.size} events")
    return ticket, at, state, states


def _epoch_seconds(utc_texts: list[str]) -> IntArray:
    """UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`) as whole epoch seconds, floored."""
    return np.array(utc_texts, dtype="datetime64[s]").astype(np.int64)


def attach_events(raw: RawEvents, tickets: Tickets) -> Events:
    """Events read by `read_events`, each pointing at its ticket in `tickets`."""
    ticket, at, state, states = raw
    owner = np.searchsorted(tickets.ids, ticket).astype(np.int64)
    last = np.r_[owner[1:] != owner[:-1], True] if owner.size else np.empty(0, bool)
    until = np.where(last, NO_INSTANT, np.r_[at[1:], NO_INSTANT])
    return Events(owner=owner, at=at, until=until, state=Texts(state, list(states)))


def derive_instants(tickets: Tickets, events: Events) -> Tickets:
    """`tickets` with first response, resolution and cancellation instants."""
    n = tickets.size
    # A cancellation is not a response: cancelled unanswered, the clock is excluded.
    from_events = _first(events, ~events.state.matching([NEW, CANCELLED]), n)
    first_response = np.where(tickets.responded != NULL, tickets.responded, from_events)
    resolved_run = _final_run_start(events, events.state.matching(RESOLVED_STATES), n)
    resolution = np.full(n, NO_INSTANT, np.int64)
    is_resolved = tickets.state_is(RESOLVED_STATES)
    explicit = np.where(tickets.resolved != NULL, tickets.resolved, tickets.closed)
    known = np.where(explicit != NULL, explicit, resolved_run)
    resolution[is_resolved] = known[is_resolved]
    cancelled_run = _final_run_start(events, events.state.matching([CANCELLED]), n)
    cancellation = np.full(n, NO_INSTANT, np.int64)
    is_cancelled = tickets.state_is([CANCELLED])
    fallback = np.where(tickets.closed != NULL, tickets.closed, NO_INSTANT)
    cancellation[is_cancelled] = np.where(cancelled_run != NO_INSTANT, cancelled_run, fallback)[
        is_cancelled
    ]
    return replace(
        tickets, first_response=first_response, resolution=resolution, cancellation=cancellation
    )


def _first(events: Events, mask: np.ndarray, n: int) -> IntArray:
    """Per ticket, the instant of its first event (in history order) matching `mask`."""
    out = np.full(n, NO_INSTANT, np.int64)
    owners = events.owner[mask]
    if owners.size:
        unique, first = np.unique(owners, return_index=True)
        out[unique] = events.at[mask][first]
    return out


def _final_run_start(events: Events, mask: np.ndarray, n: int) -> IntArray:
    """Per ticket whose last event matches `mask`: where that final run of matching
    events began; NO_INSTANT for the others."""
    out = np.full(n, NO_INSTANT, np.int64)
    if not events.size:
        return out
    owner = events.owner
    new_ticket = np.r_[True, owner[1:] != owner[:-1]]
    run_start = mask & (new_ticket | ~np.r_[False, mask[:-1]])
    start_index = np.maximum.accumulate(np.where(run_start | new_ticket, np.arange(owner.size), 0))
    last = np.r_[owner[1:] != owner[:-1], True]
    ends_in_run = last & mask
    out[owner[ends_in_run]] = events.at[start_index[ends_in_run]]
    return out
