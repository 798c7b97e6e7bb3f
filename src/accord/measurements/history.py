"""Merging a ticket's incoming events into its stored history (pure; no database).

An event is identified by its content — instant, state, priority and attributes — so
an export that repeats the whole history (ServiceNow's audit log) and one that brings
only the new events (an incremental export) both add exactly the events not yet stored.
Identical events are counted as a multiset: two identical rows stay two events.

The order of the history (`seq`) follows the source's order key (the instant for CSV and
JSON Lines, the modification count then the instant for ServiceNow), ties keeping the
stored events first and the incoming ones in file order. New events usually sort after
the stored ones and are appended; when one sorts before, the ticket's history is
renumbered.

A history is stored as one row (models.TicketHistory): instants, states, priorities and
attributes each a JSON array with a value per event. `encode_history` makes that row for
one ticket, `prepare_histories` for every ticket of a batch at once, `decode_history`
reads it back.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from itertools import accumulate, chain, compress, count, islice
from operator import and_, eq, gt, not_, sub
from typing import Any, NamedTuple

import numpy as np

from accord.measurements.batches import EventBatch, EventRow, picked
from accord.measurements.jsontext import json_column, json_string

OrderKey = Callable[[EventRow], Any]


def by_instant(event: EventRow) -> str:
    return event.at  # UTC text sorts as the instants do


class HistoryPlan(NamedTuple):
    """What to write for one ticket: the history in order, and which of it is new."""

    merged: list[EventRow]  # the whole history, in seq order (seq = position)
    new: list[tuple[int, EventRow]]  # (seq, event) added
    unchanged: int  # incoming events already stored

    @property
    def renumber(self) -> bool:
        """Whether a new event sorts before a stored one, which then moves up."""
        return bool(self.new) and self.new[0][0] < len(self.merged) - len(self.new)


def plan_history(
    stored: Sequence[tuple[int, EventRow]],
    incoming: Sequence[EventRow],
    order_key: OrderKey,
) -> HistoryPlan:
    """How `incoming` joins `stored` ((seq, event) in seq order)."""
    ordered = sorted(incoming, key=order_key)  # stable: ties keep file order
    if not stored:
        return HistoryPlan(ordered, list(enumerate(ordered)), 0)
    left = Counter(event_identity(event) for _, event in stored)
    new: list[EventRow] = []
    for event in ordered:
        identity = event_identity(event)
        if left[identity]:
            left[identity] -= 1
        else:
            new.append(event)
    history = [event for _, event in stored]
    unchanged = len(ordered) - len(new)
    if not new:
        return HistoryPlan(history, [], unchanged)
    last_seq, last = stored[-1]
    if order_key(new[0]) >= order_key(last):
        appended = [(last_seq + 1 + i, event) for i, event in enumerate(new)]
        return HistoryPlan(history + new, appended, unchanged)
    return _renumbered(stored, new, order_key, unchanged)


def _renumbered(
    stored: Sequence[tuple[int, EventRow]],
    new: Sequence[EventRow],
    order_key: OrderKey,
    unchanged: int,
) -> HistoryPlan:
    # Stored events first on ties (flag 0), then their old order; new ones in file order.
    keyed = [(order_key(e), 0, seq, e) for seq, e in stored]
    keyed += [(order_key(e), 1, i, e) for i, e in enumerate(new)]
    keyed.sort(key=lambda item: item[:3])
    merged = [item[3] for item in keyed]
    inserts = [(seq, item[3]) for seq, item in enumerate(keyed) if item[1] == 1]
    return HistoryPlan(merged, inserts, unchanged)


def event_identity(event: EventRow) -> Hashable:
    attributes = json.dumps(event.attributes, sort_keys=True) if event.attributes else ""
    return (event.at, event.state, event.priority, attributes)


class HistoryText(NamedTuple):
    """A ticket's history as stored: the number of events and a JSON array per field
    (attributes: None when no event has any)."""

    size: int
    instants: str
    states: str
    priorities: str
    attributes: str | None


def encode_history(events: Sequence[EventRow]) -> HistoryText:
    """One ticket's history, in order (at least one event)."""
    _, instants, states, priorities, attributes = zip(*events, strict=True)
    columns = encode_histories([0], instants, states, priorities, attributes)
    return HistoryText(*(column[0] for column in columns))


# The fields of HistoryText, each a list with a value per history.
HistoryColumns = tuple[list[int], list[str], list[str], list[str], list[str | None]]


def encode_histories(
    starts: list[int],
    instants: Sequence[str],
    states: Sequence[str],
    priorities: Sequence[str],
    attributes: Sequence[Mapping[str, Any]],
) -> HistoryColumns:
    """The histories of runs of events (each run one ticket's, in order; `starts`: where
    each begins), column by column: every value is encoded once, in C, and one join per
    field makes every run's array (a Python call per ticket costs several times as much)."""
    if not instants:
        return [], [], [], [], []
    sizes = list(map(sub, [*starts[1:], len(instants)], starts))
    ends = [start - 1 for start in islice(starts, 1, None)] + [len(instants) - 1]
    # UTC text needs no escaping, so its quotes go into the separators.
    texts = _arrays(instants, ends, '", "', '"]\x1e["', '["')
    states_, priorities_ = (
        _arrays(_strings(values), ends, ", ", "]\x1e[", "[") for values in (states, priorities)
    )
    extras: list[str | None] = [None] * len(sizes)
    if any(attributes):
        has = np.fromiter(map(bool, attributes), dtype=bool, count=len(attributes))
        with_any = np.logical_or.reduceat(has, starts).tolist()
        encoded = _arrays(json_column(attributes), ends, ", ", "]\x1e[", "[")  # type: ignore[arg-type]
        extras = [text if flag else None for text, flag in zip(encoded, with_any, strict=True)]
    return sizes, texts, states_, priorities_, extras


class HistoryBatch(NamedTuple):
    """A batch of events made ready to store: each ticket's events as one history, in
    order of instant (ties: file order), the histories column by column. Made where the
    file is parsed (a child process for a large file), so that the writer only looks the
    tickets up and stores; columns of text cross the pipe several times faster than a
    tuple per history."""

    ticket: list[str]  # each ticket once, in order of its first event
    histories: HistoryColumns
    # The position in the given batch of each event as grouped; None: the same.
    order: list[int] | None

    def history(self, k: int) -> HistoryText:
        return HistoryText(*(column[k] for column in self.histories))

    def positions(self, tickets: Iterable[int]) -> list[int]:
        """Where the events of these tickets (by index in `ticket`) were in the given
        batch."""
        sizes = self.histories[0]
        starts = [0, *accumulate(sizes)]
        grouped = [i for k in tickets for i in range(starts[k], starts[k] + sizes[k])]
        return grouped if self.order is None else [self.order[i] for i in grouped]


def prepare_histories(batch: EventBatch) -> HistoryBatch:
    """The events of `batch` grouped by ticket, each ticket's ordered by instant.

    Exports usually list a ticket's events together and in order; then only the few
    tickets out of order are sorted."""
    tickets = batch.ticket
    if not tickets:
        return HistoryBatch([], encode_histories([], [], [], [], []), None)
    same = list(map(eq, tickets, islice(tickets, 1, None)))  # as the event before's
    starts = [0, *compress(count(1), map(not_, same))]
    owners = list(map(tickets.__getitem__, starts))
    apart = len(set(owners)) != len(owners)  # some ticket's events are apart
    if apart:  # sort them all
        order: list[int] | None = _grouping_order(tickets, batch.at)
    else:
        order = _order_within_runs(starts, same, batch.at)
    columns: Sequence[Sequence[Any]] = batch
    if order is not None:
        columns = [picked(column, order) for column in batch]
    if apart:  # the runs changed: one per ticket now
        same = list(map(eq, columns[0], islice(columns[0], 1, None)))
        starts = [0, *compress(count(1), map(not_, same))]
        owners = list(map(columns[0].__getitem__, starts))
    return HistoryBatch(owners, encode_histories(starts, *columns[1:]), order)


def _grouping_order(tickets: Sequence[str], instants: Sequence[str]) -> list[int]:
    """Positions by ticket (in order of first appearance), then instant, then file order."""
    rank: dict[str, int] = {}
    pairs = zip(tickets, instants, strict=True)
    keys = [(rank.setdefault(ticket, len(rank)), at) for ticket, at in pairs]
    return sorted(range(len(keys)), key=keys.__getitem__)  # stable


def _order_within_runs(
    starts: list[int], same: list[bool], instants: Sequence[str]
) -> list[int] | None:
    """Positions that order each run's instants (stable); None when they are in order.
    `same`: whether each event after the first has the same ticket as the one before."""
    backwards = map(and_, same, map(gt, instants, islice(instants, 1, None)))
    unsorted = {bisect_right(starts, i) - 1 for i in compress(count(), backwards)}
    if not unsorted:
        return None
    order = list(range(len(instants)))
    ends = [*starts[1:], len(instants)]
    for run in unsorted:
        start, end = starts[run], ends[run]
        order[start:end] = sorted(range(start, end), key=instants.__getitem__)
    return order


def _strings(values: Sequence[str]) -> Iterable[str]:
    """The JSON string of each value, each distinct one encoded once."""
    encoded = {value: json_string(value) for value in set(values)}
    return map(encoded.__getitem__, values)


def _arrays(
    encoded: Iterable[str], ends: list[int], between: str, end: str, begin: str
) -> list[str]:
    """One JSON array per run. Encoded JSON holds no raw control character, so the
    record separator (U+001E) can mark where each run ends before splitting."""
    separators = [between] * (ends[-1] + 1)
    for i in ends:
        separators[i] = end
    text = begin + "".join(chain.from_iterable(zip(encoded, separators, strict=False)))
    arrays = text.split("\x1e")
    arrays.pop()  # what follows the last run's end: the opening of no array
    return arrays


def decode_history(
    size: int, instants: str, states: str, priorities: str, attributes: str | None
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(instant as UTC text, state, priority, attributes) of each event of a stored
    history, in order."""
    at, state, priority = json.loads(instants), json.loads(states), json.loads(priorities)
    extras = json.loads(attributes) if attributes is not None else [{}] * size
    if not len(at) == len(state) == len(priority) == len(extras) == size:
        raise ValueError(f"a stored history of {size} events has fields of other lengths")
    return list(zip(at, state, priority, extras, strict=True))
