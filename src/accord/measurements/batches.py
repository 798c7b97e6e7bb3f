"""Column-wise batches: how tickets and events travel on the bulk path.

A batch is a NamedTuple of equal-length lists, one per field, with instants as UTC text
(see instants.py). Columns let the importer check and convert a whole field with C-level
`map`/`zip` instead of a Python call per cell, and let services build the rows to write
with `zip`; at millions of events this is most of the import's cost. Records (the API's
vocabulary, with datetimes) convert to batches with `from_records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any, NamedTuple, TypeVar

from accord.measurements.instants import utc_text
from accord.measurements.records import EventRecord, TicketRecord

B = TypeVar("B", "TicketBatch", "EventBatch")


class TicketRow(NamedTuple):
    """A ticket with UTC-text instants (the row form of a TicketBatch)."""

    external_id: str
    opened_at: str
    state: str
    priority: str
    service: str
    customer: str
    responded_at: str | None
    resolved_at: str | None
    closed_at: str | None
    attributes: Mapping[str, Any]


class EventRow(NamedTuple):
    """An event with a UTC-text instant (the row form of an EventBatch)."""

    ticket: str
    at: str
    state: str
    priority: str
    attributes: Mapping[str, Any]


class TicketBatch(NamedTuple):
    external_id: list[str]
    opened_at: list[str]
    state: list[str]
    priority: list[str]
    service: list[str]  # names; "" for none
    customer: list[str]
    responded_at: list[str | None]
    resolved_at: list[str | None]
    closed_at: list[str | None]
    attributes: list[Mapping[str, Any]]

    @classmethod
    def from_rows(cls, rows: Sequence[TicketRow]) -> TicketBatch:
        if not rows:
            return cls(*([] for _ in cls._fields))
        return cls(*map(list, zip(*rows, strict=True)))

    @classmethod
    def from_records(cls, records: Sequence[TicketRecord]) -> TicketBatch:
        return cls.from_rows(
            [
                TicketRow(
                    r.external_id,
                    utc_text(r.opened_at),
                    r.state,
                    r.priority,
                    r.service,
                    r.customer,
                    _text(r.responded_at),
                    _text(r.resolved_at),
                    _text(r.closed_at),
                    r.attributes,
                )
                for r in records
            ]
        )


class EventBatch(NamedTuple):
    ticket: list[str]  # the ticket's external id
    at: list[str]
    state: list[str]
    priority: list[str]
    attributes: list[Mapping[str, Any]]

    @classmethod
    def from_rows(cls, rows: Sequence[EventRow]) -> EventBatch:
        if not rows:
            return cls([], [], [], [], [])
        return cls(*map(list, zip(*rows, strict=True)))

    @classmethod
    def from_records(cls, records: Sequence[EventRecord]) -> EventBatch:
        return cls.from_rows(
            [EventRow(r.ticket, utc_text(r.at), r.state, r.priority, r.attributes) for r in records]
        )


class TextMaps(list[Mapping[str, Any]]):
    """A column of attribute maps that all hold the same keys, every value text (the
    extra columns of a CSV chunk without an empty cell), kept with the columns they were
    made from so that their JSON can be written column-wise (storage.json_column).

    Any list made from it (a slice, `take`) is a plain list again.
    """

    def __init__(self, names: Sequence[str], columns: Sequence[Sequence[str]]) -> None:
        pairs = [
            zip(repeat(name), column, strict=False)
            for name, column in zip(names, columns, strict=True)
        ]
        super().__init__(map(dict, zip(*pairs, strict=True)))
        self.names = tuple(names)
        self.columns = tuple(columns)

    def __reduce__(self) -> tuple[type[TextMaps], tuple[Sequence[str], Sequence[Sequence[str]]]]:
        return TextMaps, (self.names, self.columns)  # the maps are remade from the columns


def size(batch: TicketBatch | EventBatch) -> int:
    return len(batch[0])


def take(batch: B, positions: Sequence[int]) -> B:
    """The rows at `positions`, in that order."""
    if len(positions) == size(batch) and list(positions) == list(range(len(positions))):
        return batch
    return type(batch)(*([column[i] for i in positions] for column in batch))


def _text(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)
