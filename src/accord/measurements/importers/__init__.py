"""File imports: `accord import tickets|events|outages|metrics FILE...`.

`run_import` streams each file in batches through the kind's importer; each batch is
written by `services.py` in its own transaction, so an interrupted import leaves whole
batches behind and a rerun completes it (every write is an idempotent upsert).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from accord.measurements import services
from accord.measurements.bulk import Bulk
from accord.measurements.importers.background import ahead, ahead_in_process
from accord.measurements.importers.base import Flushed, Importer, Parsed
from accord.measurements.importers.errors import FileUnreadable, RejectLog
from accord.measurements.importers.outages import MetricImporter, OutageImporter
from accord.measurements.importers.progress import ProgressBar, Stream
from accord.measurements.importers.reading import Table
from accord.measurements.importers.servicenow import ServiceNowImporter
from accord.measurements.importers.set_aside import SetAsideForImport, restore_all
from accord.measurements.importers.tickets import EventImporter, TicketImporter
from accord.measurements.instants import IsoInstants, time_zone
from accord.measurements.models import DEFAULT_SOURCE
from accord.measurements.records import Counts

KINDS = ("tickets", "events", "outages", "metrics")
FORMATS = ("csv", "jsonl", "servicenow")
BATCH_SIZE = 10_000
COMMIT_ROWS = 100_000  # SQLite: rows per transaction (see _Commits)
PARSE_IN_PROCESS_FROM_BYTES = 16 * 2**20  # a smaller file is parsed in line or on a thread
_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class ImportAborted(Exception):
    """Nothing was imported: a file or an option is unusable (exit status 1)."""


@dataclass
class ImportOptions:
    kind: str
    format: str | None = None  # None: from each file's suffix
    timezone: str = "UTC"
    service: str | None = None
    source: str = DEFAULT_SOURCE
    dry_run: bool = False
    errors: Path | None = None
    batch_size: int = BATCH_SIZE


@dataclass
class ImportReport:
    read: int = 0
    counts: Counts = field(default_factory=Counts)
    events: Counts | None = None  # ServiceNow: the events written beside the tickets
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)  # the first ones, then "… and N more"
    dry_run: bool = False

    @property
    def exit_status(self) -> int:
        return 2 if self.rejected else 0

    def summary(self) -> str:
        c = self.counts
        line = (
            f"read {self.read}, created {c.created}, updated {c.updated},"
            f" unchanged {c.unchanged}, rejected {self.rejected}"
        )
        if self.events is not None:
            line += f"; events: created {self.events.created}"
        return f"dry run, nothing written: {line}" if self.dry_run else line


def run_import(
    paths: Sequence[Path], options: ImportOptions, *, progress: Stream | None = None
) -> ImportReport:
    """Import `paths` as `options` say; `progress` (a terminal) gets a progress bar."""
    importer = _importer(options)
    tables = _open_tables(paths, options, importer)
    report = ImportReport(dry_run=options.dry_run)
    try:
        log = RejectLog(options.errors)
    except OSError as exc:
        for table in tables:
            table.close()
        raise ImportAborted(f"--errors: {exc}") from None
    # Parsing allocates millions of short-lived containers; without this, the collector
    # keeps rescanning Django's long-lived objects (measured: a fifth of the time).
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        if not options.dry_run:
            restore_all()  # what an import killed midway left set aside (see set_aside.py)
        # A dry run writes every batch inside one transaction, so that it counts exactly
        # what a real run would, then rolls all of it back. A real run commits batch by
        # batch (tickets on SQLite: a few batches at a time, see _Commits).
        with transaction.atomic() if options.dry_run else nullcontext():
            for table in tables:
                _import_table(table, importer, options, report, log, progress)
            if options.dry_run:
                transaction.set_rollback(True)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        log.close()
        for table in tables:
            table.close()
    report.rejected = log.count
    report.rejections = log.lines()
    return report


def _import_table(
    table: Table,
    importer: Importer,
    options: ImportOptions,
    report: ImportReport,
    log: RejectLog,
    progress: Stream | None,
) -> None:
    # A file at least as large as its table goes in without some of the table's upkeep,
    # redone in bulk at the end (see set_aside.py); not in a dry run, which writes nothing.
    aside = SetAsideForImport(importer.set_aside, enabled=not options.dry_run)
    try:
        _import_batches(table, importer, options.batch_size, report, log, progress, aside)
    except BaseException:
        aside.close(failed=True)
        raise
    aside.close()


def _import_batches(
    table: Table,
    importer: Importer,
    batch_size: int,
    report: ImportReport,
    log: RejectLog,
    progress: Stream | None,
    aside: SetAsideForImport,
) -> None:
    name = str(table.path)
    bar = ProgressBar(progress, table.path.name, table.size)
    # A large file is parsed in a child process, a chunk ahead of the writer: on another
    # core, and without contending for the GIL, which a reader thread does. On PostgreSQL
    # that contention cost more than the GIL's switch interval (5 ms) at every round trip
    # to the server, as the writer waited for the thread to let go: measured, a million
    # tickets took 22.7 s with a reader thread, 11.7 s with a reader process. A smaller
    # file is parsed on a thread for PostgreSQL (the server's work overlaps it), in line
    # for SQLite (a thread only adds contention there; measured slower).
    parsed_chunks = _parsed(table, importer, batch_size)
    if table.size >= PARSE_IN_PROCESS_FROM_BYTES:
        parsed_chunks = ahead_in_process(parsed_chunks, memo=importer.repeats_values)
    elif connection.vendor == "postgresql":
        parsed_chunks = ahead(parsed_chunks)
    statistics: _Statistics | None = None
    first = True
    with _Commits(grouped=importer.grouped_commits) as commits, ExitStack() as cache:
        for parsed, read, position in parsed_chunks:
            report.read += read
            for line, error in parsed.errors:
                log.add(name, line, error)
            if parsed.lines:
                if first:  # the file's size per row is known: decide before any write
                    first = False
                    aside.decide(_expected_rows(table.size, position, read))
                    # The larger page cache serves the indexes tickets insert all over;
                    # without them (set aside) it only costs memory (measured: 110 MiB
                    # peak instead of 235, same time).
                    if importer.grouped_commits and not aside.dropped:
                        cache.enter_context(Bulk().import_cache())
                if statistics is None:  # once the reader runs: the two overlap
                    statistics = _Statistics(batch_size, importer)
                commits.begin()
                flushed = importer.flush(parsed.items)
                commits.wrote(len(parsed.lines))
                statistics.wrote(flushed)
                report.counts.add(flushed.counts)
                if flushed.events is not None:
                    report.events = report.events or Counts()
                    report.events.add(flushed.events)
                for index, error in flushed.rejected:
                    log.add(name, parsed.lines[index], error)
            bar.update(position, report.read)
    bar.finish(report.read)


def _expected_rows(size: int, position: int, read: int) -> int:
    """The rows of a file of `size` bytes, from the `read` rows in its first `position`."""
    return size * read // max(position, 1)


class _Commits(ExitStack):
    """Tickets on SQLite: one transaction per COMMIT_ROWS rows rather than per batch.

    Each commit writes every page the transaction dirtied to the write-ahead log, and
    the index of tickets by (service, opening) is dirtied all over by each batch (rows
    arrive in id order, not in opening order): measured, a million tickets spent 17 s of
    system time writing that index again once per batch of 10,000; 4 s with ten batches
    per transaction (and the import's larger page cache, Bulk.import_cache). A
    transaction of ten batches still holds a bounded amount of work (and SQLite's write
    lock, for a second or two); each batch remains a savepoint within it, as
    `services.py` writes it. An interrupted import still leaves whole transactions
    behind, and a rerun completes it. Events append to their indexes and were measured
    slower this way (the savepoints cost more than the commits saved), so they, the
    other kinds and PostgreSQL commit batch by batch.
    """

    def __init__(self, *, grouped: bool) -> None:
        super().__init__()
        self.grouped = grouped and connection.vendor == "sqlite"
        self.rows = 0

    def begin(self) -> None:
        if self.grouped and not self.rows:
            self.enter_context(transaction.atomic())

    def wrote(self, rows: int) -> None:
        if self.grouped:
            self.rows += rows
            if self.rows >= COMMIT_ROWS:
                self.close()  # commits
                self.rows = 0


class _Statistics:
    """ANALYZE the tables an import reads and writes when a file starts, then those it
    writes each time the rows written have grown fourfold: a logarithmic number of times
    (see Bulk.analyze). Fourfold, not twofold: five million events spent 2.5 s in ten
    refreshes, and the plans that matter (look-ups by key through the unique indexes) are
    right once a table looks non-empty. Only the tables the import touches: refreshing
    the others (a million tickets, while events go in) cost a second more."""

    GROWTH = 4

    def __init__(self, batch_size: int, importer: Importer) -> None:
        self.bulk = Bulk()
        self.tables = importer.writes
        self.written = 0
        self.next_refresh = batch_size
        self.bulk.analyze((*importer.writes, *importer.reads))

    def wrote(self, flushed: Flushed) -> None:
        self.written += flushed.counts.created + (flushed.events.created if flushed.events else 0)
        if self.written >= self.next_refresh:
            self.bulk.analyze(self.tables)
            self.next_refresh = self.GROWTH * self.written


def _parsed(table: Table, importer: Importer, batch_size: int) -> Iterator[tuple[Parsed, int, int]]:
    """(parsed batch, rows read, bytes read): runs on the reader thread. A batch is
    parsed in chunks of the importer's `parse_rows`, then joined."""
    parts: list[Parsed] = []
    read = position = 0
    for chunk in table.chunks(min(batch_size, importer.parse_rows or batch_size)):
        parts.append(importer.parse_chunk(chunk))
        read, position = read + chunk.read, chunk.position
        if read >= batch_size:
            yield importer.joined(parts), read, position
            parts, read = [], 0
    if parts:
        yield importer.joined(parts), read, position
    rest = importer.finish()
    if rest is not None:
        yield rest, 0, table.size


def _importer(options: ImportOptions) -> Importer:
    if options.kind not in KINDS:
        raise ImportAborted(f"unknown kind {options.kind!r}: expected one of {', '.join(KINDS)}")
    try:
        zone = time_zone(options.timezone)
    except ValueError as exc:
        raise ImportAborted(f"--timezone: {exc}") from None
    if options.format == "servicenow" and options.kind != "tickets":
        raise ImportAborted("--format servicenow imports tickets (with their events) only")
    if options.service and options.kind not in {"tickets", "outages"}:
        raise ImportAborted("--service applies to tickets and outages only")
    if options.source != DEFAULT_SOURCE and options.kind not in {"tickets", "events"}:
        raise ImportAborted("--source applies to tickets and events only")
    _check_service(options.service)
    iso = IsoInstants(zone)
    if options.format == "servicenow":
        return ServiceNowImporter(source=options.source, zone=zone, service=options.service)
    if options.kind == "tickets":
        return TicketImporter(source=options.source, instants=iso, service=options.service)
    if options.kind == "events":
        return EventImporter(source=options.source, instants=iso)
    if options.kind == "outages":
        return OutageImporter(parse_instant=iso, target=options.service)
    return MetricImporter(parse_instant=iso)


def _check_service(name: str | None) -> None:
    if name and name not in services.subject_ids([name]):
        raise ImportAborted(f"--service: no service or component named {name!r}")


def _open_tables(paths: Sequence[Path], options: ImportOptions, importer: Importer) -> list[Table]:
    """Every file opened and its header checked before anything is written."""
    if not paths:
        raise ImportAborted("no file given")
    tables: list[Table] = []
    try:
        for path in paths:
            fmt = options.format or _SUFFIX_FORMATS.get(path.suffix.lower())
            if fmt is None:
                raise FileUnreadable(f"{path}: cannot tell the format from the name; give --format")
            table = Table(path, fmt, importer.fields, importer.missing)
            tables.append(table)
            try:
                importer.check_columns(table.columns)
            except ValueError as exc:
                raise FileUnreadable(f"{path}: {exc}") from None
    except FileUnreadable as exc:
        for table in tables:
            table.close()
        raise ImportAborted(str(exc)) from None
    return tables
