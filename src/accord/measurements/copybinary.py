"""PostgreSQL's binary `COPY` format for rows given as Python values (the bulk import's
batches), built a column at a time; columnar.py encodes rows given as NumPy columns.

In COPY's text format the server parses every value from its text, and instants parse
slowest: the server spent 4.8–5.4 s copying a million tickets as text and 3.6–3.9 s in
binary (five instants a ticket, and the attributes' JSON); a million histories, 2.4–3.1 s
against 1.8 s. In binary an instant is eight bytes (microseconds since 2000-01-01 UTC)
and a text is its UTF-8 bytes, with no escaping either way.

A row is a 16-bit field count, then each field as a 32-bit length (-1 for null) and its
bytes. Nothing here is done value by value in Python:

- the columns of a fixed width (numbers, instants) come first in the COPY's column list
  (`Layout.order`); within a slice of rows, those without a null are packed by NumPy
  into one record per row, the field count included;
- a text column is encoded with one `join` and one `split`, or, when it holds few
  distinct values, each of them once;
- one join interleaves the pieces into rows; a column that does not vary (a source, the
  time of writing) is one piece repeated.

Values arrive as Bulk writes them: text, whole numbers, floats, booleans, JSON as its
text, instants as UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, see instants.py). A column of
a type this does not encode makes `layout` answer None, and a value of another kind
makes `encode_rows` answer None; the caller then copies the rows as text.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from accord.measurements.columnar import SIGNATURE, TRAILER, kind_of

__all__ = ["SIGNATURE", "TRAILER", "Layout", "encode_rows", "layout"]

_NULL = struct.pack(">i", -1)
_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")  # PostgreSQL's
_NONE = type(None)
_FEW = 4  # a column with at most a quarter as many distinct values as rows: each once

Pieces = list[Iterable[bytes]]  # a row's pieces, one iterable each, in order
Numbers = Callable[[Sequence[Any]], "np.ndarray[Any, Any]"]


class _Unfit(Exception):
    """A value of another kind than its column takes."""


@dataclass(frozen=True)
class _Fixed:
    """A column of a fixed width: `numbers` makes the array of a slice's values."""

    dtype: np.dtype[Any]
    numbers: Numbers


@dataclass(frozen=True)
class _Text:
    """A text column; `lead` goes before every value (jsonb's version byte)."""

    lead: str = ""


_Column = _Fixed | _Text


@dataclass(frozen=True)
class Layout:
    """How the columns of a COPY are encoded, and their order in it."""

    columns: tuple[_Column, ...]  # in the caller's order
    order: tuple[int, ...]  # the positions of the caller's columns, in the COPY's order


def layout(db_types: Sequence[str], nullable: Sequence[bool] | None = None) -> Layout | None:
    """The layout of columns of these database types; None if one has no binary form here
    (numeric, say): then the rows are copied as text.

    The order puts first the columns that a slice most often packs into its records: of
    a fixed width and never null, of a fixed width, text that may be null (in a slice,
    most often null throughout), then the other text.
    """
    found = [_column(db_type) for db_type in db_types]
    if any(column is None for column in found):
        return None
    columns: tuple[_Column, ...] = tuple(found)  # type: ignore[arg-type]
    nulls = list(nullable) if nullable is not None else [True] * len(columns)

    def rank(i: int) -> int:
        if isinstance(columns[i], _Fixed):
            return 1 if nulls[i] else 0
        return 2 if nulls[i] else 3

    return Layout(columns, tuple(sorted(range(len(columns)), key=rank)))


def encode_rows(layout: Layout, rows: Sequence[Sequence[Any]]) -> bytes | None:
    """`rows` (values in the caller's order) in COPY's binary format, fields in the
    layout's order, without signature or trailer; None if a value is not of the kind its
    column takes."""
    by_column = list(zip(*rows, strict=True))
    try:
        pieces = _pieces(layout, by_column, len(rows))
    except _Unfit:
        return None
    return b"".join(chain.from_iterable(zip(*pieces, strict=True)))


# A field of the same width in every row of a slice: its length (-1 for null), and the
# dtype and value(s) of its bytes, if any.
_Field = tuple[int, np.dtype[Any] | None, Any]


def _pieces(layout: Layout, by_column: list[tuple[Any, ...]], count: int) -> Pieces:
    """The pieces of each row: consecutive fields of the same width in every row are
    packed into one record per row, the field count before the first."""
    pieces: Pieces = []
    fields: list[_Field] = []
    header = len(layout.columns)
    for i in layout.order:
        encoded = _encoded(layout.columns[i], by_column[i])
        if isinstance(encoded, tuple):
            fields.append(encoded)
            continue
        if fields or not pieces:
            pieces.append(_records(fields, count, header if not pieces else None))
            fields = []
        pieces.extend(encoded)
    if fields:
        pieces.append(_records(fields, count, header if not pieces else None))
    return pieces


def _records(fields: list[_Field], count: int, header: int | None) -> list[bytes]:
    """One piece per row holding these fields (after the field count, if given)."""
    layout: list[tuple[str, Any]] = [("count", ">i2")] if header is not None else []
    for k, (_, dtype, _) in enumerate(fields):
        layout.append((f"length{k}", ">i4"))
        if dtype is not None:
            layout.append((f"value{k}", dtype))
    records = np.empty(count, dtype=np.dtype(layout))  # packed: no padding
    if header is not None:
        records["count"] = header
    for k, (length, dtype, values) in enumerate(fields):
        records[f"length{k}"] = length
        if dtype is not None:
            records[f"value{k}"] = values
    pieces: list[bytes] = records.view(f"V{records.dtype.itemsize}").tolist()
    return pieces


def _encoded(column: _Column, values: Sequence[Any]) -> _Field | Pieces:
    """A column of a slice as one field of the same width in every row, or as pieces."""
    nulls = values.count(None)
    if nulls == len(values):
        return (-1, None, None)
    if not nulls:
        if isinstance(column, _Fixed):
            return (column.dtype.itemsize, column.dtype, column.numbers(values))
        return _texts(values, column.lead)
    present = [value for value in values if value is not None]
    encoded = _encoded(column, present)
    pieces = [_records([encoded], len(present), None)] if isinstance(encoded, tuple) else encoded
    # A null is its length alone (-1): in a column of two pieces, its data is empty.
    filled = [iter(piece) for piece in pieces]
    merged = [[_NULL if value is None else next(filled[0]) for value in values]]
    if len(filled) == 2:
        merged.append([b"" if value is None else next(filled[1]) for value in values])
    return merged  # type: ignore[return-value]


def _texts(values: Sequence[Any], lead: str) -> _Field | Pieces:
    """A text column without nulls: a field, when every value has as many bytes; else a
    piece per row (few distinct values, each encoded once), or two (length, bytes)."""
    try:  # (a value that is not text fails the join, or the set, with a TypeError)
        return _text_field(values, lead)
    except TypeError:
        raise _Unfit from None


def _text_field(values: Sequence[str], lead: str) -> _Field | Pieces:
    distinct = set(values)
    if len(distinct) * _FEW <= len(values):
        encoded = {value: (lead + value).encode() for value in distinct}
        if len(set(map(len, encoded.values()))) > 1:
            cells = {value: _PREFIX[len(data)] + data for value, data in encoded.items()}
            return [map(cells.__getitem__, values)]
        data = list(map(encoded.__getitem__, values))
    else:
        # UTF-8 holds a NUL byte only for U+0000, which no PostgreSQL text can hold
        # either: one is sent within its value (for the server to refuse), never split on.
        joined = lead + ("\x00" + lead).join(values)
        if joined.count("\x00") == len(values) - 1:
            data = joined.encode().split(b"\x00")
        else:
            data = [(lead + value).encode() for value in values]
    lengths = list(map(len, data))
    width = lengths[0]
    if lengths.count(width) == len(lengths):
        if not width:
            return (0, None, None)
        return (width, np.dtype(f"S{width}"), np.frombuffer(b"".join(data), f"S{width}"))
    return [map(_PREFIX.__getitem__, lengths), data]


class _Prefixes(dict[int, bytes]):
    """The 32-bit big-endian length of a field, made once per length."""

    def __missing__(self, length: int) -> bytes:
        prefix = self[length] = struct.pack(">i", length)
        return prefix


_PREFIX = _Prefixes()


def _whole(dtype: str) -> Numbers:
    limits = np.iinfo(dtype)

    def numbers(values: Sequence[Any]) -> np.ndarray[Any, Any]:
        if not set(map(type, values)) <= {int}:
            raise _Unfit  # (a bool is not an int here: type() is exact)
        array = np.asarray(values)
        if array.dtype.kind != "i" or array.min() < limits.min or array.max() > limits.max:
            raise _Unfit  # out of range, which NumPy would wrap: the server says so from text
        return array

    return numbers


def _floats(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    if not set(map(type, values)) <= {float, int}:
        raise _Unfit
    return np.asarray(values, dtype=np.float64)


def _booleans(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    if not set(map(type, values)) <= {bool}:
        raise _Unfit
    return np.asarray(values, dtype=bool)


def _instants(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    """Microseconds since PostgreSQL's epoch, from UTC text; a column that does not
    vary (the time of writing) is parsed once."""
    if not set(map(type, values)) <= {str}:
        raise _Unfit
    texts = values[:1] if values.count(values[0]) == len(values) else values
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy only warns of an offset, then applies it
            moments = np.array(texts, dtype="datetime64[us]")
    except (ValueError, Warning):  # not UTC text: the server's parser will say what is wrong
        raise _Unfit from None
    if np.isnat(moments).any():  # "NaT" parses; no instant is written so
        raise _Unfit
    return (moments - _EPOCH).astype(np.int64)


_KINDS: dict[str, _Column] = {  # by columnar.kind_of
    "int8": _Fixed(np.dtype(">i8"), _whole(">i8")),
    "int4": _Fixed(np.dtype(">i4"), _whole(">i4")),
    "int2": _Fixed(np.dtype(">i2"), _whole(">i2")),
    "float8": _Fixed(np.dtype(">f8"), _floats),
    "text": _Text(),
    "jsonb": _Text(lead="\x01"),
}
_OTHER_TYPES: dict[str, _Column] = {  # which columnar.py does not encode
    "boolean": _Fixed(np.dtype("?"), _booleans),
    "timestamp with time zone": _Fixed(np.dtype(">i8"), _instants),
    "character varying": _Text(),
}


def _column(db_type: str) -> _Column | None:
    other = _OTHER_TYPES.get(db_type.split("(")[0].strip().lower())
    if other is not None:
        return other
    try:
        return _KINDS[kind_of(db_type)]
    except ValueError:
        return None
