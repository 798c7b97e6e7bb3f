"""The records `services.py` takes: what an API item or a connector's reading becomes.

Light tuples, cheap to make and to compare. Instants are aware datetimes; services store
them in UTC. (The file importer's bulk path uses column-wise batches, see batches.py.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})  # shared, so read-only
STATE_MAX_LENGTH = 40
PRIORITY_MAX_LENGTH = 20
_normalised_states: dict[str, str] = {}


def normalise_state(name: str) -> str:
    """`In Progress` → `in-progress`: lower case, runs of spaces → one hyphen."""
    state = _normalised_states.get(name)
    if state is None:
        state = "-".join(name.lower().split())
        if len(_normalised_states) < 10_000:  # state names are few; a flood of junk is not
            _normalised_states[name] = state
    return state


class TicketRecord(NamedTuple):
    """A ticket as it stands now, keyed by its id within its source.

    `service` names a Subject (service or component) and `customer` a Party; "" for none.
    """

    external_id: str
    opened_at: datetime
    state: str
    priority: str = ""
    service: str = ""
    customer: str = ""
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    attributes: Mapping[str, Any] = NO_ATTRIBUTES


class EventRecord(NamedTuple):
    """One step of a ticket's history; `ticket` is the ticket's external id."""

    ticket: str
    at: datetime
    state: str
    priority: str = ""
    attributes: Mapping[str, Any] = NO_ATTRIBUTES


class OutageRecord(NamedTuple):
    """An outage; `key` makes a repeated delivery the same outage (unique per origin)."""

    key: str
    subject: str  # the name of a service or component
    start: datetime
    end: datetime | None = None
    planned: bool = False
    impact: float = 1.0
    reference: str = ""


class PointRecord(NamedTuple):
    """One bucket of a metric series: `good` and `total`, or `value`."""

    series: str
    start: datetime
    end: datetime
    good: float | None = None
    total: float | None = None
    value: float | None = None


@dataclass
class Counts:
    """What an upsert did with the records it was given."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


class Rejection(NamedTuple):
    """A record that was not written: its position in the batch given, and why."""

    position: int
    field: str
    value: str
    reason: str


class Result(NamedTuple):
    counts: Counts
    rejected: list[Rejection]
