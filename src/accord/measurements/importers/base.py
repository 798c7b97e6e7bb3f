"""What every kind of import (tickets, events, outages, metrics, ServiceNow) provides."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from itertools import chain
from typing import Any, NamedTuple

from django.db.models import Model

from accord.measurements.importers.errors import RowError
from accord.measurements.importers.reading import Chunk
from accord.measurements.importers.set_aside import SetAside
from accord.measurements.records import Counts, Result

MISSING = frozenset({""})


class Parsed(NamedTuple):
    """A chunk made ready to write: `items` (records, or a column-wise batch), the line
    of each item, and the rows refused while parsing."""

    items: Any
    lines: list[int]
    errors: list[tuple[int, RowError]]  # (line, why)


class Flushed(NamedTuple):
    """What writing one batch did."""

    counts: Counts
    events: Counts | None  # events written beside tickets (ServiceNow), else None
    rejected: list[tuple[int, RowError]]  # (position in the batch, why)


class Importer:
    """Parses chunks of one kind of row and writes them through `services.py`.

    `parse_chunk` runs on a reader thread and must not touch the database; `flush` runs
    on the caller's thread, one transaction per call.
    """

    fields: tuple[str, ...] = ()  # the columns it reads, in the order `parse` receives them
    missing: frozenset[str] = MISSING  # cell values that mean "no value"
    # SQLite: several batches per transaction, with a larger page cache (see _Commits in
    # importers/__init__.py); measured faster for ticket rows only.
    grouped_commits = False
    # The upkeep a large file may set aside while it writes (see set_aside.py).
    set_aside: tuple[SetAside, ...] = ()
    # The tables it writes, whose statistics are refreshed as they grow, and those it only
    # looks rows up in, refreshed once at the start (see _Statistics).
    writes: tuple[type[Model], ...] = ()
    reads: tuple[type[Model], ...] = ()
    # Rows parsed at a time, several such chunks making one batch (`joined`); None: a
    # batch at a time. The column-wise kinds parse faster in smaller chunks, whose
    # columns stay in the processor's cache: five million events took 6.1–6.7 s of CPU
    # to read, check and group in chunks of 2,500 rows, 7.2–8.5 s in chunks of 10,000.
    parse_rows: int | None = None
    # Whether its batches hold the same objects many times over, which a reader process
    # then pickles once each (see background._pickled): ServiceNow's events repeat their
    # ticket's fields (measured: 165 MiB peak for its log, 196 MiB without).
    repeats_values = False

    def required_columns(self) -> Sequence[str]:
        return ()

    def check_columns(self, columns: Sequence[str]) -> None:
        """Raise ValueError when the header lacks what this kind needs."""
        absent = [c for c in self.required_columns() if c not in columns]
        if absent:
            found = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
            raise ValueError(f"missing column {', '.join(absent)} (found: {found})")

    def parse_chunk(self, chunk: Chunk) -> Parsed:
        """Row by row through `parse`; the bulk kinds override this column-wise."""
        records, lines, errors = [], [], list(chunk.errors)
        for line, values, extras in zip(
            chunk.lines, zip(*chunk.columns, strict=True), chunk.extras, strict=True
        ):
            try:
                records.append(self.parse(values, extras))
            except RowError as error:
                errors.append((line, error))
                continue
            lines.append(line)
        return Parsed(records, lines, errors)

    def finish(self) -> Parsed | None:
        """What `parse_chunk` held back, at the end of a file."""
        return None

    def joined(self, parts: Sequence[Parsed]) -> Parsed:
        """One batch from the chunks it was parsed in (see `parse_rows`)."""
        if len(parts) == 1:
            return parts[0]
        return joined_parts(list(chain.from_iterable(part.items for part in parts)), parts)

    def parse(self, values: Sequence[str], extras: Any) -> Any:
        raise NotImplementedError

    def flush(self, items: Any) -> Flushed:
        raise NotImplementedError


def rejections(result: Result) -> list[tuple[int, RowError]]:
    """The items a service refused, as row errors (the first one per item)."""
    seen: set[int] = set()
    errors = []
    for rejection in result.rejected:
        if rejection.position not in seen:
            seen.add(rejection.position)
            errors.append(
                (rejection.position, RowError(rejection.field, rejection.value, rejection.reason))
            )
    return errors


def unique_runs(keys: Sequence[Hashable]) -> list[list[int]] | None:
    """Positions split into consecutive runs without a repeated key (None: no repeat).

    A batch must not hold one key twice; the second occurrence goes in the next run so
    that rows apply in file order.
    """
    if len(set(keys)) == len(keys):
        return None
    runs: list[list[int]] = [[]]
    seen: set[Hashable] = set()
    for position, key in enumerate(keys):
        if key in seen:
            runs.append([])
            seen.clear()
        seen.add(key)
        runs[-1].append(position)
    return runs


def flush_in_runs(
    keys: Sequence[Hashable], flush_positions: Callable[[list[int] | None], Flushed]
) -> Flushed:
    """`flush_positions(None)` for the whole batch, or once per run of unique keys."""
    runs = unique_runs(keys)
    if runs is None:
        return flush_positions(None)
    counts, events, rejected = Counts(), None, []
    for run in runs:
        part = flush_positions(run)
        counts.add(part.counts)
        if part.events is not None:
            events = events or Counts()
            events.add(part.events)
        rejected += [(run[position], error) for position, error in part.rejected]
    return Flushed(counts, events, rejected)


def joined_parts(items: Any, parts: Sequence[Parsed]) -> Parsed:
    """`items` with the lines and errors of `parts`, one after the other."""
    lines = list(chain.from_iterable(part.lines for part in parts))
    errors = list(chain.from_iterable(part.errors for part in parts))
    return Parsed(items, lines, errors)
