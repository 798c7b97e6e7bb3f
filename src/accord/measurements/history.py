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
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

from accord.measurements.batches import EventRow

OrderKey = Callable[[EventRow], Any]


def by_instant(event: EventRow) -> str:
    return event.at  # UTC text sorts as the instants do


class HistoryPlan(NamedTuple):
    """What to write for one ticket: the history in order, and which of it is new."""

    merged: list[EventRow]  # the whole history, in seq order (seq = position)
    new: list[tuple[int, EventRow]]  # (seq, event) to insert
    renumber: bool  # True: the stored events move; rewrite the ticket's whole history
    unchanged: int  # incoming events already stored


def plan_history(
    stored: Sequence[tuple[int, EventRow]],
    incoming: Sequence[EventRow],
    order_key: OrderKey,
) -> HistoryPlan:
    """How `incoming` joins `stored` ((seq, event) in seq order)."""
    ordered = sorted(incoming, key=order_key)  # stable: ties keep file order
    if not stored:
        return HistoryPlan(ordered, list(enumerate(ordered)), False, 0)
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
        return HistoryPlan(history, [], False, unchanged)
    last_seq, last = stored[-1]
    if order_key(new[0]) >= order_key(last):
        appended = [(last_seq + 1 + i, event) for i, event in enumerate(new)]
        return HistoryPlan(history + new, appended, False, unchanged)
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
    return HistoryPlan(merged, inserts, True, unchanged)


def event_identity(event: EventRow) -> Hashable:
    attributes = json.dumps(event.attributes, sort_keys=True) if event.attributes else ""
    return (event.at, event.state, event.priority, attributes)
