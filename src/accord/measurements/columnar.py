"""Writing rows given as NumPy columns: PostgreSQL's binary COPY, SQLite's executemany.

On PostgreSQL, formatting millions of rows one by one (psycopg's `write_row`) costs several
microseconds a row, more than the server takes to store them. Here the rows of one
*layout* — the same columns NULL, the same texts — have the same byte layout, so each
layout is one NumPy structured array filled column by column and copied out whole.
Layouts are few (NULL patterns × the texts of small vocabularies); rows are sent
grouped by layout, which COPY does not mind.

The binary format: a signature and header, then per row a 16-bit field count and per
field a 32-bit length (-1 for NULL) followed by the value in network byte order
(integers, float8; text as UTF-8; jsonb as a version byte 1 and the text), then a
16-bit -1. https://www.postgresql.org/docs/current/sql-copy.html

On SQLite the columns become Python lists (C-level `tolist`), zipped and flattened
into the parameters of multi-row INSERTs run by `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
CHUNK_ROWS = 100_000
SQLITE_ROWS_PER_STATEMENT = 100  # measured: as fast as larger statements
_NUMBERS = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8"}
TEXT_KINDS = ("text", "jsonb")
MANY_TEXTS = 64  # distinct values of a text field above which it does not shape layouts


@dataclass(frozen=True, eq=False)
class Field:
    """One column of the rows: numbers (`kind` int2/int4/int8/float8) or texts.

    Texts (`text`, `jsonb`) are given as `values` = codes into `vocabulary`, -1 for
    NULL. Numbers are NULL where `null` is True.
    """

    kind: str
    values: np.ndarray
    null: np.ndarray | None = None
    vocabulary: Sequence[str] = ()
    _encoded: list[bytes] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in _NUMBERS and self.kind not in TEXT_KINDS:
            raise ValueError(f"binary COPY of {self.kind!r} is not supported")
        prefix = b"\x01" if self.kind == "jsonb" else b""
        self._encoded.extend(prefix + text.encode() for text in self.vocabulary)

    @property
    def text(self) -> bool:
        return self.kind in TEXT_KINDS

    def variants(self) -> int:
        """How many layouts this field alone can take."""
        if self.text:
            return len(self.vocabulary) + 1
        return 2 if self.null is not None else 1

    def variant(self, rows: slice) -> np.ndarray:
        """Per row of `rows`: 0 for NULL, else 1 (numbers) or 1 + the text's code."""
        if self.text:
            return self.values[rows].astype(np.int64) + 1
        if self.null is None:
            return np.zeros(rows.stop - rows.start, np.int64)
        return (~self.null[rows]).astype(np.int64)

    def python(self, rows: slice) -> list[Any]:
        """The values of `rows` as a Python list, None for NULL (for SQLite)."""
        values = self.values[rows]
        if self.text:
            texts = np.array([*self.vocabulary, None], dtype=object)
            return texts[values].tolist()  # type: ignore[no-any-return]
        null = None if self.null is None else self.null[rows]
        if null is None or not null.any():
            return values.tolist()  # type: ignore[no-any-return]
        objects = values.astype(object)
        objects[null] = None
        return objects.tolist()  # type: ignore[no-any-return]


def kind_of(db_type: str) -> str:
    """The Field kind of a column type as Django declares it (`bigint`, `varchar(40)` …)."""
    base = db_type.split("(")[0].strip().lower()
    kinds = {
        "bigint": "int8",
        "integer": "int4",
        "smallint": "int2",
        "double precision": "float8",
        "varchar": "text",
        "text": "text",
        "jsonb": "jsonb",
    }
    if base not in kinds:
        raise ValueError(f"binary COPY of a {db_type} column is not supported")
    return kinds[base]


def copy_binary(cursor: Any, table: str, names: Sequence[str], fields: Sequence[Field]) -> int:
    """COPY the rows of `fields` (equal lengths) into `table` (`names` already quoted) on a
    psycopg cursor; returns the number of rows.

    A text field with many distinct values (say a JSON text per row) would make a layout
    per row; the one with most values above MANY_TEXTS is sent last instead and left out
    of the layouts but for NULL or not, and its texts are appended row by row.
    """
    fields, names = list(fields), list(names)
    many = [i for i, f in enumerate(fields) if f.text and len(f.vocabulary) > MANY_TEXTS]
    if many:
        last = max(many, key=lambda i: len(fields[i].vocabulary))
        fields.append(fields.pop(last))
        names.append(names.pop(last))
    count = len(fields[0].values) if fields else 0
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.write(SIGNATURE)
        for start in range(0, count, CHUNK_ROWS):
            part = slice(start, min(count, start + CHUNK_ROWS))
            copy.write(encode_rows(fields, part, variable_last=bool(many)))
        copy.write(TRAILER)
    return count


def insert_sqlite(cursor: Any, table: str, names: Sequence[str], fields: Sequence[Field]) -> int:
    """INSERT the rows of `fields` into `table` on a sqlite3 cursor; returns the count.

    Multi-row `VALUES (…), (…)` statements (a few hundred rows each) are run by
    `executemany` over flat parameter lists sliced in C: a third cheaper than a
    single-row statement per row.
    """
    if not fields or not len(fields[0].values):
        return 0
    width, count = len(fields), len(fields[0].values)
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // width))
    row = "(" + ", ".join(["?"] * width) + ")"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    for start in range(0, count, CHUNK_ROWS):
        part = slice(start, min(count, start + CHUNK_ROWS))
        flat = list(chain.from_iterable(zip(*(f.python(part) for f in fields), strict=True)))
        step = per * width
        full = len(flat) - len(flat) % step
        if full:
            statement = head + ", ".join([row] * per)
            cursor.executemany(statement, (flat[i : i + step] for i in range(0, full, step)))
        if full < len(flat):
            cursor.execute(head + ", ".join([row] * ((len(flat) - full) // width)), flat[full:])
    return count


def encode_rows(fields: Sequence[Field], rows: slice, *, variable_last: bool = False) -> bytes:
    """The binary COPY rows of `rows` (without signature and trailer). `variable_last`:
    the last field is a text whose value does not shape the layout."""
    key, bound = np.zeros(rows.stop - rows.start, np.int64), 1
    for i, f in enumerate(fields):  # mixed radix: one number per layout
        variable = variable_last and i == len(fields) - 1
        variants = 2 if variable else f.variants()
        if bound * variants >= 1 << 62:  # renumber the layouts so far: 0 … n-1
            _, key = np.unique(key, return_inverse=True)
            bound = int(key.max()) + 1
        variant = (f.values[rows] >= 0).astype(np.int64) if variable else f.variant(rows)
        key = key * variants + variant
        bound *= variants
    layouts, inverse = np.unique(key, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(inverse, minlength=layouts.size))]
    parts = []
    for group in range(layouts.size):
        members = order[bounds[group] : bounds[group + 1]] + rows.start
        parts.append(_encode_layout(fields, members, variable_last))
    return b"".join(parts)


def _encode_layout(fields: Sequence[Field], members: np.ndarray, variable_last: bool) -> bytes:
    """Rows that share one layout (found from the first of them)."""
    first = int(members[0])
    fixed = fields
    variable = None
    if variable_last and fields[-1].values[first] >= 0:
        fixed, variable = fields[:-1], fields[-1]
    layout: list[tuple[str, str]] = [("count", ">i2")]
    fill: list[tuple[str, Any]] = [("count", len(fields))]
    for i, f in enumerate(fixed):
        length, value = f"l{i}", f"v{i}"
        layout.append((length, ">i4"))
        if f.text:
            code = int(f.values[first])
            if code < 0:
                fill.append((length, -1))
                continue
            data = f._encoded[code]
            fill.append((length, len(data)))
            if data:
                layout.append((value, f"S{len(data)}"))
                fill.append((value, data))
        elif f.null is not None and f.null[first]:
            fill.append((length, -1))
        else:
            dtype = np.dtype(_NUMBERS[f.kind])
            layout.append((value, dtype.str))
            fill.append((length, dtype.itemsize))
            fill.append((value, f.values[members]))
    out = np.empty(members.size, dtype=np.dtype(layout))
    for name, value in fill:
        out[name] = value
    if variable is None:
        return out.tobytes()
    # Each row: its fixed part, then the length and bytes of its own text.
    fixed_bytes, width = out.tobytes(), out.dtype.itemsize
    texts = [variable._encoded[code] for code in variable.values[members].tolist()]
    lengths = np.fromiter(map(len, texts), np.int64, len(texts)).astype(">i4").tobytes()
    pieces: list[bytes] = []
    for i, text in enumerate(texts):
        pieces += (fixed_bytes[i * width : (i + 1) * width], lengths[4 * i : 4 * i + 4], text)
    return b"".join(pieces)
