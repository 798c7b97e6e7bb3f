"""Column-wise batches: how tickets and events travel on the bulk path.

A batch is a NamedTuple of equal-length lists, one per field, with instants as UTC text
(see instants.py). Columns let the importer check and convert a whole field with C-level
`map`/`zip` instead of a Python call per cell, and let services build the rows to write
with `zip`; at millions of events this is most of the import's cost. Records (the API's
vocabulary, with datetimes) convert to batches with `from_records`.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from itertools import chain, repeat
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar, overload

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
    attributes: Sequence[Mapping[str, Any]]  # a list, or TextMaps from a CSV chunk

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
    attributes: Sequence[Mapping[str, Any]]  # a list, or TextMaps from a CSV chunk

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


NOTHING: Mapping[str, Any] = MappingProxyType({})  # the extras of a row without any


class NoMaps(list[Mapping[str, Any]]):
    """The attribute maps of rows without extra columns: NOTHING, `count` times.

    A list, for C-level indexing and picking; pickled as its length (the reader process
    pickles without a memo, so each NOTHING would otherwise be reduced by a Python call:
    5.9 s per five million rows, against 0.04 s).
    """

    def __init__(self, count: int) -> None:
        super().__init__(repeat(NOTHING, count))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self.count(NOTHING) == len(self):
            return NoMaps, (len(self),)
        return list, (list(self),)  # (changed since: a plain list of what it holds)


class TextMaps(Sequence[Mapping[str, Any]]):
    """A column of attribute maps that all hold the same keys, every value text (the
    extra columns of a CSV chunk without an empty cell), kept as the columns they are
    made from: their JSON is written column-wise (jsontext.json_column), and a map is
    only made when one is read. A million rows' maps cost 0.65 s to make, and a new
    import, which only writes them, never reads one.
    """

    def __init__(self, names: Sequence[str], columns: Sequence[Sequence[str]]) -> None:
        self.names = tuple(names)
        self.columns = tuple(columns)
        self._count = len(columns[0]) if columns else 0

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[Mapping[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | list[Mapping[str, Any]]:
        if isinstance(index, slice):
            return list(self)[index]
        return dict(zip(self.names, (column[index] for column in self.columns), strict=True))

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        pairs = [zip(repeat(name), column) for name, column in zip(self.names, self.columns)]  # noqa: B905
        return map(dict, zip(*pairs))  # noqa: B905

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[TextMaps], tuple[Sequence[str], Sequence[Sequence[str]]]]:
        return TextMaps, (self.names, self.columns)


def concatenated(batches: Sequence[B]) -> B:
    """The rows of `batches`, one after the other, as one batch."""
    if len(batches) == 1:
        return batches[0]
    return type(batches[0])(*map(_joined, zip(*batches, strict=True)))


def _joined(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    """One column of rows from several, kept a NoMaps or TextMaps where every part is."""
    if all(isinstance(column, NoMaps) for column in columns):
        return NoMaps(sum(map(len, columns)))
    first = columns[0]
    if isinstance(first, TextMaps) and all(
        isinstance(column, TextMaps) and column.names == first.names for column in columns
    ):
        parts = zip(*(column.columns for column in columns), strict=True)  # type: ignore[attr-defined]
        return TextMaps(first.names, [list(chain.from_iterable(part)) for part in parts])
    return list(chain.from_iterable(columns))


def size(batch: TicketBatch | EventBatch) -> int:
    return len(batch[0])


def take(batch: B, positions: Sequence[int]) -> B:
    """The rows at `positions`, in that order."""
    if len(positions) == size(batch) and list(positions) == list(range(len(positions))):
        return batch
    return type(batch)(*(picked(column, positions) for column in batch))


def picked(values: Sequence[Any], positions: Sequence[int]) -> list[Any]:
    """values[i] for i in positions, picked in C."""
    if isinstance(values, NoMaps):
        return NoMaps(len(positions))
    if len(positions) < 2:
        return [values[i] for i in positions]
    return list(operator.itemgetter(*positions)(values))


def _text(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)
