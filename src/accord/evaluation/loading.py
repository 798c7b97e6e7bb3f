"""Bulk reads: measurement rows → NumPy columns, below the ORM.

Instants are converted to epoch seconds by the database (those of histories, stored as
JSON arrays of UTC text, by NumPy). Each column comes back as one
text (`group_concat` / `string_agg`) that NumPy parses in C, which is several times
faster than fetching a Python tuple per row. All columns of one query are aggregated
over the same rows in the same order, whatever that order is, and are then sorted by
the first column (the row id).
"""

from __future__ import annotations

import gc
import json
import sqlite3
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from accord.evaluation.fields import from_epoch

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
NULL = -1  # a missing instant or reference in an int column (instants are >= 0)
_TEXT_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Column:
    expression: str  # SQL over the query's FROM clause
    kind: str = "int"  # int | float | text | json (a JSON array per row)
    # kind "int" with a vocabulary: the text's index in it, -1 for any other text (the
    # database maps it, so no text crosses over)
    vocabulary: tuple[str, ...] = ()

    def sql(self) -> str:
        if not self.vocabulary:
            return self.expression
        cases = " ".join(
            f"WHEN {_literal(text)} THEN {code}" for code, text in enumerate(self.vocabulary)
        )
        return f"(CASE {self.expression} {cases} ELSE {NULL} END)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def postgres() -> bool:
    return connection.vendor == "postgresql"


def epoch(column: str) -> str:
    """SQL for a date-time column as whole epoch seconds (floored)."""
    if postgres():
        return f"FLOOR(EXTRACT(EPOCH FROM {column}))::bigint"
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"  # a third faster than strftime
    # %% because the query goes through Django's placeholder conversion (%s → ?).
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def json_text(column: str, key: str) -> str:
    """SQL for the text of `key` in a JSON column (null when absent)."""
    quoted = "'" + key.replace("'", "''") + "'"
    if postgres():
        return f"({column} ->> {quoted})"
    path = "'$.\"" + key.replace("'", "''").replace('"', '\\"') + "\"'"
    return f"CAST(json_extract({column}, {path}) AS TEXT)"


def instant_param(instant: int) -> Any:
    """Epoch seconds as a parameter compared with a stored date-time column."""
    return connection.ops.adapt_datetimefield_value(from_epoch(instant))


def quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def read_columns(
    source: str, params: Sequence[Any], columns: Sequence[Column], *, ordered: bool = True
) -> list[Any]:
    """Columns of `SELECT … FROM {source}`; ints/instants as int64 (NULL → -1), floats as
    float64 (NULL → NaN), texts as a list of str (NULL → ""), JSON arrays as a list of
    lists (NULL: not allowed), sorted by the first unless `ordered` is False."""
    parts = [_aggregate(column) for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), {', '.join(parts)} FROM {source}", list(params))
        row = cursor.fetchone()
    count = int(row[0])
    values = [
        _parse(text, column.kind, count) for text, column in zip(row[1:], columns, strict=True)
    ]
    if ordered and count and len(values[0]) and np.any(np.diff(values[0]) < 0):
        order = np.argsort(values[0], kind="stable")
        values = [_take(value, order) for value in values]
    return values


def _aggregate(column: Column) -> str:
    if column.kind == "json":  # the rows' arrays joined by commas: items of an array of arrays
        expression, separator = column.sql(), "','"
    elif column.kind == "text":
        expression = f"COALESCE({column.sql()}, '')"
        separator = "E'\\x1f'" if postgres() else "char(31)"
    else:
        null = "'nan'" if column.kind == "float" else f"'{NULL}'"
        cast = "text" if postgres() else "TEXT"
        expression = f"COALESCE(CAST({column.sql()} AS {cast}), {null})"
        separator = "','"
    if postgres():
        return f"string_agg({expression}, {separator})"
    return f"group_concat({expression}, {separator})"


def _parse(text: str | None, kind: str, count: int) -> Any:
    if kind == "json":
        with _no_cyclic_gc():
            arrays = json.loads(f"[{text}]") if count and text is not None else []
        if len(arrays) != count:
            raise ValueError(f"read {len(arrays)} arrays of {count} rows")
        return arrays
    if kind == "text":
        return text.split(_TEXT_SEPARATOR) if count and text is not None else []
    dtype = np.float64 if kind == "float" else np.int64
    if not count or text is None:
        return np.empty(0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a malformed number must not pass silently
        values = np.fromstring(text, dtype=dtype, sep=",")
    if values.size != count:
        raise ValueError(f"read {values.size} values of {count} rows")
    return values


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a million new lists (JSON arrays) trigger
    collection after collection, each walking all of them, which tripled the decoding
    (1.6 s → 0.5 s for a million histories). Nothing made there can form a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _take(value: Any, order: IntArray) -> Any:
    if isinstance(value, list):
        return [value[i] for i in order.tolist()]
    return value[order]


def codes(values: Sequence[str]) -> tuple[IntArray, list[str]]:
    """Texts as small integer codes and the vocabulary they index."""
    index: dict[str, int] = {}
    setdefault = index.setdefault
    coded = np.fromiter((setdefault(v, len(index)) for v in values), np.int64, len(values))
    return coded, list(index)


def codes_of(vocabulary: Sequence[str], wanted: Sequence[str]) -> IntArray:
    """The codes of the `wanted` texts that occur in `vocabulary`."""
    known = {text: code for code, text in enumerate(vocabulary)}
    return np.array([known[w] for w in wanted if w in known], dtype=np.int64)
