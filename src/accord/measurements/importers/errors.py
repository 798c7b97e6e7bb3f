"""Rejected rows: each names its file, row, column, value and reason."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, NamedTuple

SHOWN = 20  # rejected rows printed; all of them go to --errors


class RowError(ValueError):
    """A row that cannot be imported, with the column at fault ("" for the whole row)."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = "" if value is None else str(value)
        self.reason = reason

    def __reduce__(self) -> tuple[type[RowError], tuple[str, str, str]]:
        return RowError, (self.column, self.value, self.reason)  # pickled by the reader process


class FileUnreadable(Exception):
    """Nothing of the file can be read: missing, unreadable, or not in the format given."""


class Rejection(NamedTuple):
    file: str
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}"
        column = f" column {self.column}" if self.column else ""
        value = f" (value {self.value[:60]!r})" if self.value else ""
        return f"{where}:{column} {self.reason}{value}"


class RejectLog:
    """Keeps the first rejections to show and streams every one to the --errors file."""

    def __init__(self, errors_path: Path | None) -> None:
        self.count = 0
        self.first: list[Rejection] = []
        self._file: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None  # type: ignore[type-var]
        if errors_path is not None:
            self._file = errors_path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._file, fieldnames=Rejection._fields)
            self._writer.writeheader()

    def add(self, file: str, row: int, error: RowError) -> None:
        rejection = Rejection(file, row, error.column, error.value, error.reason)
        self.count += 1
        if len(self.first) < SHOWN:
            self.first.append(rejection)
        if self._writer is not None:
            self._writer.writerow(rejection._asdict())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def lines(self) -> list[str]:
        """The report: the first rejections, then how many more there are."""
        shown = [str(r) for r in self.first]
        if self.count > len(self.first):
            shown.append(f"… and {self.count - len(self.first)} more")
        return shown
