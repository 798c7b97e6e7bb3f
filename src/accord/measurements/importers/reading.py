"""Streaming CSV and JSON Lines files in chunks of rows, column-wise.

A parser declares the columns it knows (`fields`). Each chunk holds, for each of them,
the values of the chunk's rows as text ("" where the file lacks the column), plus per
row a dict of every other non-missing column (`extras`, JSON values kept as they are),
and each row's line number. Memory is bounded by the chunk, not the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from accord.measurements.batches import NoMaps, TextMaps
from accord.measurements.importers.errors import FileUnreadable, RowError


class Chunk(NamedTuple):
    lines: list[int]  # the (first) line of each row
    columns: list[Sequence[str]]  # per field: the rows' values
    extras: list[Mapping[str, Any]]  # per row
    errors: list[tuple[int, RowError]]  # (line, why) of rows that could not be read
    read: int  # rows read, including those in `errors`
    position: int  # bytes of the file read so far


class Table:
    """One input file, opened and its header read; `chunks()` streams it once."""

    def __init__(self, path: Path, fmt: str, fields: Sequence[str], missing: Collection[str]):
        self.path = path
        self.fmt = fmt
        self.fields = tuple(fields)
        self.missing = frozenset(missing)
        try:
            self.size = path.stat().st_size
            self._raw: BinaryIO = path.open("rb")
        except OSError as exc:
            raise FileUnreadable(f"{path}: {exc.strerror or exc}") from None
        self.columns = self._csv_header() if fmt != "jsonl" else self._jsonl_first_keys()

    def close(self) -> None:
        self._raw.close()

    def chunks(self, rows: int) -> Iterator[Chunk]:
        return self._csv_chunks(rows) if self.fmt != "jsonl" else self._jsonl_chunks(rows)

    def _csv_header(self) -> list[str]:
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._text)
        try:
            header = next(self._reader)
        except StopIteration:
            raise FileUnreadable(f"{self.path}: the file is empty; expected a header row") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileUnreadable(f"{self.path}: not a UTF-8 CSV file ({exc})") from None
        columns = [name.strip() for name in header]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise FileUnreadable(f"{self.path}: column {duplicates[0]!r} appears twice")
        return columns

    def _csv_chunks(self, size: int) -> Iterator[Chunk]:
        """Chunks of `size` rows. Plain chunks — no quote, one row per line, every row
        of the header's width — are split by `_plain_chunk` with a few string operations
        on the whole chunk; from the first other chunk on, the csv module reads the rest
        of the file."""
        shape = _Shape(self.columns, self.fields, self.missing)
        before = self._reader.line_num  # the header's lines
        lines: list[str] = []
        while True:
            lines = []
            try:
                lines.extend(islice(self._text, size))  # keeps the lines read before a failure
            except UnicodeDecodeError as exc:
                rest: Iterator[str] = chain(lines, _raising(exc))
                break
            if not lines:
                return
            chunk = _plain_chunk(lines, before, shape, self._raw.tell())
            if chunk is None:
                rest = chain(lines, self._text)
                break
            before += len(lines)
            yield chunk
        yield from self._csv_reader_chunks(csv.reader(rest), before, size, shape)

    def _csv_reader_chunks(
        self, reader: Any, before: int, size: int, shape: _Shape
    ) -> Iterator[Chunk]:
        """Chunks read by the csv module from `reader`, which starts after line `before`."""
        width, last_end, failure = shape.width, before, None
        while failure is None:
            rows: list[list[str]] = []
            try:
                rows.extend(islice(reader, size))  # extend keeps the rows read before a failure
            except (UnicodeDecodeError, csv.Error) as exc:
                failure = RowError("", "", f"unreadable from here on ({exc}); reading stopped")
            if not rows and failure is None:
                return
            lines = _first_lines(rows, last_end, before + reader.line_num)
            last_end = before + reader.line_num
            errors: list[tuple[int, RowError]] = []
            if set(map(len, rows)) != {width}:
                rows, lines, errors = _well_formed(rows, lines, width)
            if failure is not None:
                errors.append((last_end + 1, failure))
            transposed = list(zip(*rows, strict=True)) if rows else [()] * width
            columns, extras = shape.columns(transposed, len(rows))
            yield Chunk(lines, columns, extras, errors, len(lines) + len(errors), self._raw.tell())

    def _jsonl_first_keys(self) -> list[str]:
        for line in self._raw:
            if line.strip():
                try:
                    first = json.loads(line)
                except ValueError:
                    raise FileUnreadable(
                        f"{self.path}: line 1 is not JSON; expected JSON Lines"
                    ) from None
                if not isinstance(first, dict):
                    raise FileUnreadable(f"{self.path}: expected one JSON object per line")
                self._raw.seek(0)
                return list(first)
        raise FileUnreadable(f"{self.path}: the file is empty")

    def _jsonl_chunks(self, size: int) -> Iterator[Chunk]:
        numbered = enumerate(self._raw, start=1)
        while True:
            lines, values, extras, errors, read, consumed = [], [], [], [], 0, 0
            for line_number, line in islice(numbered, size):
                consumed += 1
                if not line.strip():
                    continue
                read += 1
                try:
                    row, others = self._jsonl_row(line)
                except RowError as error:
                    errors.append((line_number, error))
                    continue
                lines.append(line_number)
                values.append(row)
                extras.append(others)
            if not consumed:
                return
            columns = list(zip(*values, strict=True)) if values else [()] * len(self.fields)
            yield Chunk(lines, list(columns), extras, errors, read, self._raw.tell())

    def _jsonl_row(self, line: bytes) -> tuple[list[str], dict[str, Any]]:
        try:
            item = json.loads(line, parse_constant=_no_constant)
        except ValueError as exc:
            raise RowError("", line[:60].decode(errors="replace"), f"not JSON: {exc}") from None
        if not isinstance(item, dict):
            raise RowError("", "", "expected a JSON object")
        values = [_cell(item.pop(field, None), field) for field in self.fields]
        missing = self.missing
        return values, {k: v for k, v in item.items() if not _is_missing(v, missing)}


class _Shape:
    """Where the fields a parser knows, and the other columns (extras), sit in a file."""

    def __init__(self, columns: Sequence[str], fields: Sequence[str], missing: frozenset[str]):
        self.width = len(columns)
        where = {name: i for i, name in enumerate(columns)}
        self.indexes = [where.get(field) for field in fields]
        self.extra = [(i, c) for i, c in enumerate(columns) if c and c not in fields]
        self.missing = missing

    def columns(
        self, by_column: Sequence[Sequence[str]], count: int
    ) -> tuple[list[Sequence[str]], list[Mapping[str, Any]]]:
        """The known fields' columns ("" where the file lacks one) and each row's extras,
        from the file's columns of `count` rows."""
        blank = [""] * count
        known = [by_column[i] if i is not None else blank for i in self.indexes]
        if not self.extra:
            return known, NoMaps(count)
        names = [name for _, name in self.extra]
        values = [by_column[i] for i, _ in self.extra]
        missing = self.missing
        if all(missing.isdisjoint(column) for column in values):  # every row has every extra
            return known, TextMaps(names, values)
        extras = [
            {name: value for name, value in zip(names, row, strict=True) if value not in missing}
            for row in zip(*values, strict=True)
        ]
        return known, extras  # type: ignore[return-value]


def _plain_chunk(lines: list[str], before: int, shape: _Shape, position: int) -> Chunk | None:
    """`lines` (following line `before`) split into columns without the csv module, or
    None unless every line is one row of the header's width without quotes.

    Each line end becomes a NUL and a comma, so that one `split(",")` cuts every cell;
    each row's last cell then ends with the NUL. There is one NUL per line, and a cell
    holds at most one (a comma always follows it): so if the `count` cells in the last
    column's places hold `count` NULs between them, every row has exactly `width` cells.
    """
    count, width = len(lines), shape.width
    text = "".join(lines)
    if width < 2 or '"' in text or "\x00" in text:
        return None
    if not text.endswith("\n"):  # the file's last line
        text += "\r\n" if lines[0].endswith("\r\n") else "\n"
    ends = text.count("\r")
    if ends == 0:
        text = text.replace("\n", "\x00,")
    elif ends == count and text.count("\r\n") == count:
        text = text.replace("\r\n", "\x00,")
    else:
        return None
    cells = text.split(",")
    cells.pop()  # after the last line end
    if len(cells) != count * width:
        return None
    last = "".join(cells[width - 1 :: width])
    if last.count("\x00") != count:  # a blank line, or a row of another width
        return None
    by_column = [cells[i::width] for i in range(width - 1)]
    by_column.append(last.split("\x00")[:-1])
    columns, extras = shape.columns(by_column, count)
    line_numbers = list(range(before + 1, before + count + 1))
    return Chunk(line_numbers, columns, extras, [], count, position)


def _raising(error: Exception) -> Iterator[str]:
    raise error
    yield ""  # a generator: it raises when first read


def _first_lines(rows: list[list[str]], before: int, after: int) -> list[int]:
    """The line each row starts on, given the reader's line count before and after."""
    if after - before == len(rows):  # one line per row: the usual case, no scan needed
        return list(range(before + 1, after + 1))
    lines, line = [], before + 1
    for row in rows:  # a quoted cell spanning lines holds its line breaks
        lines.append(line)
        line += 1 + sum(cell.count("\n") for cell in row)
    return lines


def _well_formed(
    rows: list[list[str]], lines: list[int], width: int
) -> tuple[list[list[str]], list[int], list[tuple[int, RowError]]]:
    """Rows of the header's width; blank lines skipped, other widths rejected."""
    good, good_lines, errors = [], [], []
    for row, line in zip(rows, lines, strict=True):
        if len(row) == width:
            good.append(row)
            good_lines.append(line)
        elif row:
            found = f"{len(row)} fields where the header has {width}"
            errors.append((line, RowError("", "", found)))
    return good, good_lines, errors


def _cell(value: Any, field: str) -> str:
    """A JSON value of a known field as the text a CSV cell would hold."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # priority 1.0 is priority 1
    if isinstance(value, int | float):
        return str(value)
    raise RowError(field, json.dumps(value)[:60], "expected a single value, not an object or array")


def _is_missing(value: Any, missing: frozenset[str]) -> bool:
    return value is None or (isinstance(value, str) and value in missing)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")
