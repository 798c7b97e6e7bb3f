"""Bulk statements on Django's connection: the import hot path, below the ORM.

SQLite gets multi-row `INSERT … VALUES (…), (…) ON CONFLICT …` through `executemany`
(one prepared statement per ~900 parameters, which is several times faster than a
statement per row); PostgreSQL gets `COPY` into a temporary table followed by one
`INSERT … SELECT … ON CONFLICT`. Both are upserts on the model's unique key, so a row
written concurrently by another import is merged, never duplicated.

Instants are UTC text (instants.py), bound as such on SQLite (the form Django writes, so
ORM lookups compare like with like); PostgreSQL gets them in binary (copybinary.py), or
with an explicit `+00` offset as text.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import DateTimeField, Model

from accord.measurements import copybinary
from accord.measurements.instants import utc_text

Row = Sequence[Any]
_SQLITE_MAX_PARAMS = 999  # the lowest limit SQLite builds have shipped with
_IN_CHUNK = 900
IMPORT_CACHE_KIB = 64 * 1024
# Per connection: whether its database compares text by code point (Bulk.select_in_range).
_CODE_POINT_ORDER: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


class Bulk:
    """Bulk reads and writes for one database connection."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        if self.connection.vendor not in {"postgresql", "sqlite"}:
            raise NotImplementedError(f"bulk import on {self.connection.vendor}")

    def analyze(self, models: Sequence[type[Model]]) -> None:
        """Refresh PostgreSQL's statistics of these tables (nothing to do on SQLite).

        A table filled by an import looks empty to the planner until analysed (autovacuum
        may be off, and lags behind a long import anyway); it then looks ids up by
        scanning the whole table, once per batch, and the import slows quadratically.
        """
        if self.postgres and models:  # (a bare ANALYZE would do the whole database)
            with self.connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(self.table(m) for m in models))

    @contextmanager
    def import_cache(self) -> Iterator[None]:
        """On SQLite, a page cache of IMPORT_CACHE_KIB for the length of a ticket import.

        The default (2 MB) holds a sliver of the index of tickets by opening, which a
        ticket import writes all over; pages evicted mid-transaction are written out and
        read back. The cache is the connection's own memory, bounded whatever the file
        size; nothing about durability changes.
        """
        if self.postgres:
            yield
            return
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (previous,) = cursor.fetchone()
            cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        try:
            yield
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")

    def table(self, model: type[Model]) -> str:
        return str(self.connection.ops.quote_name(model._meta.db_table))

    def instant(self, text: str | None) -> str | None:
        """A UTC-text instant as a statement parameter for this backend."""
        if text is None or not self.postgres:
            return text
        return text + "+00"  # PostgreSQL must not read it in the session's zone

    def stored(self, model: type[Model], columns: Sequence[str]) -> str:
        """A select list for `columns`; read date-times back with `read_instant`.

        On SQLite, date-times are read as their text: Django's converter would parse
        them into datetimes, slowly, only for them to be compared with text.
        """
        quote = self.connection.ops.quote_name
        names = []
        for column in columns:
            name = quote(column)
            if not isinstance(model._meta.get_field(column), DateTimeField):  # name or attname
                names.append(name)
            elif self.postgres:  # text is cheaper to compare than datetimes to format
                names.append(f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
            else:
                names.append(f"CAST({name} AS TEXT)")
        return ", ".join(names)

    @staticmethod
    def read_instant(value: Any) -> str | None:
        """A stored instant (selected by `stored`) as UTC text."""
        if isinstance(value, str):
            # PostgreSQL's to_char always gives microseconds; UTC text omits zero ones.
            return value[:-7] if value.endswith(".000000") else value
        return None if value is None else utc_text(value)

    @staticmethod
    def read_json(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value

    def select_in(
        self, sql: str, params: Sequence[Any], values: Iterable[Any]
    ) -> list[tuple[Any, ...]]:
        """Rows of `sql`, whose `{in}` is replaced by a membership test on `values`.

        PostgreSQL binds the values as one array; SQLite gets them in chunks, within its
        parameter limit.
        """
        values = list(values)
        rows: list[tuple[Any, ...]] = []
        with self.connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(sql.format(in_="= ANY(%s)"), [*params, values])
                return list(cursor.fetchall())
            for start in range(0, len(values), _IN_CHUNK):
                chunk = values[start : start + _IN_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(sql.format(in_=f"IN ({marks})"), [*params, *chunk])
                rows.extend(cursor.fetchall())
        return rows

    def select_in_range(
        self, sql: str, params: Sequence[Any], values: Sequence[str] | Sequence[int], key_at: int
    ) -> list[tuple[Any, ...]] | None:
        """Rows of `sql` — which ends with its key column, compared to `values` — that lie
        between the least and the greatest of `values`, keeping those whose key (column
        `key_at`) is one of them; None if that stretch holds more than twice as many rows,
        or, for keys of text, where the database orders text otherwise than Python (then
        use `select_in`).

        A batch's keys usually lie close together in the key's index (exports list ids in
        order): one scan of that stretch costs less than a look-up per key (half on
        SQLite), and PostgreSQL, given thousands of keys, scans the whole table instead.
        """
        if not values or (isinstance(values[0], str) and not self.orders_text_by_code_point()):
            return None
        limit = 2 * len(values)
        with self.connection.cursor() as cursor:
            cursor.execute(
                sql + " BETWEEN %s AND %s LIMIT %s", [*params, min(values), max(values), limit + 1]
            )
            rows = cursor.fetchall()
        if len(rows) > limit:
            return None
        keep = set(values)
        return [row for row in rows if row[key_at] in keep]

    def orders_text_by_code_point(self) -> bool:
        """Whether the database compares text as Python does (by code point): SQLite's
        BINARY collation does; PostgreSQL when the database's collation is C, POSIX or
        C.UTF-8 (byte order, or glibc's code point order); others sort by language rules."""
        if not self.postgres:
            return True
        known = _CODE_POINT_ORDER.get(self.connection)
        if known is None:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT datcollate FROM pg_database WHERE datname = current_database()"
                )
                (collation,) = cursor.fetchone()
            known = collation.lower() in {"c", "posix", "c.utf-8", "c.utf8"}
            _CODE_POINT_ORDER[self.connection] = known
        return known

    def write(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Sequence[Row],
        *,
        conflict: Sequence[str],
        update: Sequence[str] = (),
        new: bool = False,
    ) -> None:
        """Insert `rows`; a row whose `conflict` key exists updates `update` (or is skipped).
        Instants are UTC text.

        `new`: the caller found none of the keys stored. PostgreSQL then copies the rows
        straight into the table, and only if a concurrent writer stored one meanwhile
        (a unique violation) goes through the staging table and ON CONFLICT, which costs
        a third more.
        """
        if not rows:
            return
        table = self.table(model)
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        on_conflict = f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) " + (
            "DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update)
            if update
            else "DO NOTHING"
        )
        if self.postgres:
            copy = _Copy(self.connection, model, columns, rows)
            if new and self._copy_new(table, copy):
                return
            self._copy_upsert(table, names, copy, on_conflict)
        else:
            self._values_upsert(table, names, len(columns), rows, on_conflict)

    def _values_upsert(
        self, table: str, names: str, width: int, rows: Sequence[Row], on_conflict: str
    ) -> None:
        per_statement = max(1, _SQLITE_MAX_PARAMS // width)
        row_marks = "(" + ", ".join(["%s"] * width) + ")"

        def statement(count: int) -> str:
            values = ", ".join([row_marks] * count)
            return f"INSERT INTO {table} ({names}) VALUES {values} {on_conflict}"

        flat = list(chain.from_iterable(rows))  # the parameters of every row, sliced in C
        step = per_statement * width
        full = len(flat) - len(flat) % step
        with self.connection.cursor() as cursor:
            if full:
                slices = (flat[start : start + step] for start in range(0, full, step))
                cursor.executemany(statement(per_statement), slices)
            if full < len(flat):
                cursor.execute(statement((len(flat) - full) // width), flat[full:])

    def _copy_new(self, table: str, copy: _Copy) -> bool:
        try:
            with (
                transaction.atomic(using=self.connection.alias),
                self.connection.wrap_database_errors,  # psycopg's errors → Django's
                self.connection.cursor() as cursor,
            ):
                copy.into(cursor, table)
        except IntegrityError:  # unique keys are checked at once (only foreign keys defer)
            return False
        return True

    def _copy_upsert(self, table: str, names: str, copy: _Copy, on_conflict: str) -> None:
        staging = "accord_import_staging"
        with self.connection.wrap_database_errors, self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {table} LIMIT 0"
            )
            copy.into(cursor, staging)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} {on_conflict}"
            )
            cursor.execute(f"DROP TABLE {staging}")


class _NotBinary(Exception):
    """A value that COPY's binary format here does not take: copy the rows as text."""


class _Copy:
    """Rows on their way into a PostgreSQL table by `COPY … FROM STDIN`."""

    def __init__(
        self, connection: Any, model: type[Model], columns: Sequence[str], rows: Sequence[Row]
    ) -> None:
        fields = [model._meta.get_field(column) for column in columns]  # name or attname
        self.connection = connection
        self.columns = [connection.ops.quote_name(column) for column in columns]
        self.rows = rows
        db_types = [field.db_type(connection) or "" for field in fields]
        self.layout = copybinary.layout(db_types, [field.null for field in fields])
        self.instants = [i for i, f in enumerate(fields) if isinstance(f, DateTimeField)]

    def into(self, cursor: Any, table: str) -> None:
        """COPY the rows into `table`: in binary, unless a value has no binary form here,
        then as text."""
        if self.layout is not None:
            names = ", ".join(self.columns[i] for i in self.layout.order)
            try:
                with transaction.atomic(using=self.connection.alias):
                    sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
                    with cursor.cursor.copy(sql) as copy:
                        _copy_binary(copy, self.rows, self.layout)
                return
            except _NotBinary:
                pass
        sql = f"COPY {table} ({', '.join(self.columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            _copy_rows(copy, self._with_offsets())

    def _with_offsets(self) -> Sequence[Row]:
        """The rows with `+00` after each instant: PostgreSQL must not read UTC text in
        the session's time zone."""
        if not self.instants:
            return self.rows
        at = self.instants
        rows = [list(row) for row in self.rows]
        for row in rows:
            for i in at:
                if isinstance(row[i], str):
                    row[i] += "+00"
        return rows


_PLAIN = frozenset({str, int, type(None)})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"
COPY_SLICE_ROWS = 1_000


def _copy_binary(copy: Any, rows: Sequence[Row], layout: copybinary.Layout) -> None:
    """Send `rows` in COPY's binary format, COPY_SLICE_ROWS at a time (see `_copy_rows`);
    raises _NotBinary (the COPY is then abandoned) at a value it has no binary form for."""
    copy.write(copybinary.SIGNATURE)
    for start in range(0, len(rows), COPY_SLICE_ROWS):
        data = copybinary.encode_rows(layout, rows[start : start + COPY_SLICE_ROWS])
        if data is None:
            raise _NotBinary
        copy.write(data)
    copy.write(copybinary.TRAILER)


def _copy_rows(copy: Any, rows: Sequence[Row]) -> None:
    """Send `rows` to a COPY … FROM STDIN, COPY_SLICE_ROWS at a time, each slice as one
    text built column by column in C when every value is text, a whole number or null (a
    third of the client's time per event when psycopg formats row by row); else row by
    row. The server stores a slice while the next one is built: a million tickets on
    PostgreSQL took 9.4–10.7 s (five runs, mean 9.9 s) against 10.0–10.8 s (mean 10.5 s)
    as one text per batch."""
    for start in range(0, len(rows), COPY_SLICE_ROWS):
        part = rows[start : start + COPY_SLICE_ROWS]
        columns = [_copy_cells(values) for values in zip(*part, strict=True)]
        if any(cells is None for cells in columns):
            for row in part:
                copy.write_row(row)
            continue
        copy.write("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n")


def _copy_cells(values: tuple[Any, ...]) -> Sequence[str] | None:
    """The cells of one column in COPY's text format; None for a type it does not write."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN:
        return None  # (bool is not int here: type() is exact)
    if kinds == {int}:
        return list(map(str, values))
    texts = values if kinds == {str} else ["" if v is None else str(v) for v in values]
    joined = "".join(texts)
    if any(special in joined for special in "\\\t\n\r"):
        texts = [text.translate(_COPY_ESCAPES) for text in texts]
    if type(None) in kinds:
        cells = zip(values, texts, strict=True)
        return [_COPY_NULL if value is None else text for value, text in cells]
    return texts
