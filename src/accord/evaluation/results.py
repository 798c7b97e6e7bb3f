"""Bulk writes of evaluation results, below the ORM for clocks (millions of rows).

Clock rows stay NumPy columns until the driver: SQLite gets multi-row INSERTs run by
`executemany` over parameters zipped from column lists, PostgreSQL a binary `COPY`
encoded by NumPy (accord.measurements.columnar). Clock rows of an agreement are replaced
ticket by ticket (or all at once), so a ticket whose priority changed loses the clock
of the target it no longer matches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Q

from accord.engine.clocks import NO_INSTANT
from accord.engine.periods import Period
from accord.evaluation import archive
from accord.evaluation.clocks import ClockGroup
from accord.evaluation.fields import from_epoch
from accord.evaluation.figures import Figures
from accord.evaluation.loading import NULL, IntArray, postgres, quote
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.measurements.columnar import Field, copy_binary, insert_sqlite, kind_of

CLOCK_COLUMNS = (
    "agreement_id",
    "ticket_id",
    "target_name",
    "target_id",
    "version_id",
    "status",
    "started_at",
    "stopped_at",
    "threshold_s",
    "business_elapsed_s",
    "actual_elapsed_s",
    "percent_elapsed",
    "breach_at",
    "counted_at",
    "period",
    "warnings",
    "warn_last_at",
)
WARNINGS_KEPT_S = 86_400  # warnings that fell due longer ago than this are history
SQLITE_WRITE_CACHE_KIB = 256 * 1024
REBUILD_INDEXES_FROM = 200_000  # rows inserted at once
_ID_CHUNK = 900


def _delete_rows(agreement_id: int, ticket_ids: IntArray | None) -> None:
    """Remove the agreement's clock rows (of these tickets only, when given)."""
    table = quote(ClockResult._meta.db_table)
    with connection.cursor() as cursor:
        if ticket_ids is None:
            cursor.execute(f"DELETE FROM {table} WHERE agreement_id = %s", [agreement_id])
        else:
            for test, ids in _memberships(ticket_ids):
                cursor.execute(
                    f"DELETE FROM {table} WHERE agreement_id = %s AND ticket_id {test}",
                    [agreement_id, *ids],
                )


def refresh_statistics() -> None:
    """After a bulk rewrite, PostgreSQL's planner needs fresh statistics, or the next
    routine evaluation's lookups by ticket may scan the whole table."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(ClockResult._meta.db_table)}")


def stored_clocks(agreement_id: int, ticket_ids: IntArray) -> list[tuple[str, int, int]]:
    """(target name, status, counted_at) of the counted clocks of these tickets, before
    they are replaced: rows and archived (met) ones."""
    table = quote(ClockResult._meta.db_table)
    found: list[tuple[str, int, int]] = []
    with connection.cursor() as cursor:
        for test, ids in _memberships(ticket_ids):
            # No condition on counted_at: it would steer SQLite to the wrong index.
            cursor.execute(
                f"SELECT target_name, status, counted_at FROM {table}"
                f" WHERE agreement_id = %s AND ticket_id {test}",
                [agreement_id, *ids],
            )
            found.extend(row for row in cursor.fetchall() if row[2] is not None)
    settled = archive.of_tickets(agreement_id, ticket_ids)
    names = settled.names()
    met = int(ClockStatus.MET)
    found += [
        (names[target], met, stopped)
        for target, stopped in zip(
            settled.columns["target"].tolist(), settled.columns["stopped"].tolist(), strict=True
        )
    ]
    return found


def _memberships(ids: IntArray) -> Iterable[tuple[str, list[Any]]]:
    """(SQL membership test, its parameters) for the ids: one array on PostgreSQL, lists
    within SQLite's parameter limit."""
    values = ids.tolist()
    if postgres():
        if values:
            yield "= ANY(%s)", [values]
        return
    for start in range(0, len(values), _ID_CHUNK):
        chunk = values[start : start + _ID_CHUNK]
        yield f"IN ({', '.join(['%s'] * len(chunk))})", chunk


def replace_clocks(
    agreement_id: int,
    replacing: IntArray | None,
    groups: Sequence[ClockGroup],
    ticket_ids: IntArray,
    labels: Labeller,
    *,
    as_of: int,
) -> int:
    """Replace the agreement's clocks of the tickets `replacing` (every clock when None)
    by those of `groups`; `labels` names their periods. Settled clocks (met, no warning
    due) go to the archive (archive.py), whose leaves are rewritten once; the others
    become ClockResult rows.

    Rows go in ticket order, so the unique index on (agreement, ticket, target) grows at
    its end instead of being written all over. They never become Python objects one by
    one: PostgreSQL gets them as binary COPY encoded by NumPy, SQLite as parameters
    zipped from column lists (see accord.measurements.columnar)."""
    _delete_rows(agreement_id, replacing)
    if not groups:
        archive.replace(agreement_id, replacing, {})
        return 0
    names = list(dict.fromkeys(g.name for g in groups))
    warning_texts: list[str] = []
    row_parts: list[list[np.ndarray]] = []
    archived: dict[str, list[archive.Settled]] = {}
    for group in groups:
        codes, texts, last = _warnings(group, as_of)
        settled = (group.status == ClockStatus.MET) & (last == NULL)
        chosen = np.flatnonzero(settled)
        archived.setdefault(group.name, []).append(_archived(group, ticket_ids, chosen, labels))
        kept = np.flatnonzero(~settled)
        columns = _group_columns(
            agreement_id, group, ticket_ids, names.index(group.name), as_of, kept
        )
        warning_codes = np.where(codes >= 0, codes + len(warning_texts), -1)
        row_parts.append([*columns, warning_codes[kept], last[kept]])
        warning_texts += texts
    # A target's clocks are in ticket order already, unless it has several segments.
    by_name = {name: archive.Settled.concat(parts) for name, parts in archived.items()}
    archive.replace(agreement_id, replacing, by_name)
    rows, periods = _merged(row_parts, labels)
    vocabularies = {"target_name": names, "period": periods, "warnings": warning_texts}
    _insert_rows(rows, vocabularies)
    return sum(settled.size for settled in by_name.values()) + rows[0].size


def _insert_rows(columns: list[np.ndarray], vocabularies: dict[str, list[str]]) -> None:
    fields = _fields(columns, vocabularies)
    table = quote(ClockResult._meta.db_table)
    names = [quote(c) for c in CLOCK_COLUMNS]
    with _indexes_rebuilt_if_cheaper(columns[0].size), connection.cursor() as cursor:
        if postgres():
            copy_binary(cursor.cursor, table, names, fields)
        else:
            with _large_cache(cursor):
                insert_sqlite(cursor.cursor, table, names, fields)


def _merged(parts: list[list[np.ndarray]], labels: Labeller) -> tuple[list[np.ndarray], list[str]]:
    """The groups' row columns as one table sorted by ticket, the period coded from
    the counted instant; and the period labels of the codes."""
    merged = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(merged[_TICKET], kind="stable")
    merged = [column[order] for column in merged]
    merged[_PERIOD], periods = labels.codes(merged[_COUNTED])
    return merged, periods


_TICKET = CLOCK_COLUMNS.index("ticket_id")
_COUNTED = CLOCK_COLUMNS.index("counted_at")
_PERIOD = CLOCK_COLUMNS.index("period")


def _archived(
    group: ClockGroup, ticket_ids: IntArray, chosen: IntArray, labels: Labeller
) -> archive.Settled:
    """The `chosen` clocks of a group as the archive keeps them (in ticket order, as
    the group's rows are)."""
    result = group.result
    stopped = group.stop[chosen].astype(np.int64)
    periods, labelled = labels.codes(stopped)
    columns = {
        "ticket": ticket_ids[group.rows[chosen]],
        "target": np.zeros(chosen.size, np.int64),
        "period": periods,
        "threshold": result.threshold[chosen].astype(np.int64),
        "started": group.start[chosen].astype(np.int64),
        "stopped": stopped,
        "business": result.business_elapsed[chosen].astype(np.int64),
        "actual": result.actual_elapsed[chosen].astype(np.int64),
    }
    key = (group.name, group.terms.target.pk, group.version_id)
    return archive.Settled(columns, [key], labelled)


@contextmanager
def _indexes_rebuilt_if_cheaper(rows: int) -> Iterator[None]:
    """For an insert at least as large as the rest of the table, drop the secondary
    indexes and build them again afterwards: one sort instead of millions of inserts in
    random order (three times cheaper). Inside the caller's transaction, so SQLite's
    other connections keep their snapshot; PostgreSQL holds readers of the table until
    the commit — only full evaluations of large agreements come here."""
    table = quote(ClockResult._meta.db_table)
    with connection.cursor() as cursor:
        if rows < REBUILD_INDEXES_FROM:
            yield
            return
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        if cursor.fetchone()[0] > rows:
            yield
            return
        editor = connection.schema_editor()
        indexes = ClockResult._meta.indexes
        for index in indexes:
            cursor.execute(f"DROP INDEX {quote(index.name)}")
        yield
        for index in indexes:
            cursor.execute(str(index.create_sql(ClockResult, editor)))


def _fields(columns: list[np.ndarray], vocabularies: dict[str, list[str]]) -> list[Field]:
    kinds = _column_kinds()
    fields = []
    for name, values in zip(CLOCK_COLUMNS, columns, strict=True):
        kind = kinds[name]
        if name in vocabularies:
            fields.append(Field(kind, values, vocabulary=vocabularies[name]))
        elif name in _NULLABLE:
            fields.append(Field(kind, values, null=values == NULL))
        else:
            fields.append(Field(kind, values))
    return fields


_NULLABLE = {"stopped_at", "breach_at", "counted_at", "warn_last_at"}


def _column_kinds() -> dict[str, str]:
    """The binary COPY kind of each clock column, from the column types Django declares
    (on SQLite only texts and numbers are told apart)."""
    kinds = {}
    for name in CLOCK_COLUMNS:
        field = ClockResult._meta.get_field(name)
        if postgres():
            kinds[name] = kind_of(field.db_type(connection))
        elif name in {"target_name", "period", "warnings"}:
            kinds[name] = "text"
        else:
            kinds[name] = "float8" if name == "percent_elapsed" else "int8"
    return kinds


def _group_columns(
    agreement_id: int,
    group: ClockGroup,
    ticket_ids: IntArray,
    name_code: int,
    as_of: int,
    chosen: IntArray,
) -> list[np.ndarray]:
    """The row columns of the `chosen` clocks of one group, in CLOCK_COLUMNS order up to
    `period` (zeros there: periods are named from counted_at after the merge). NULL is
    -1."""
    result, n = group.result, chosen.size
    stop, breach = group.stop[chosen], result.breach_at[chosen]
    return [
        np.full(n, agreement_id, np.int64),
        ticket_ids[group.rows[chosen]],
        np.full(n, name_code, np.int64),
        np.full(n, group.terms.target.pk, np.int64),
        np.full(n, group.version_id, np.int64),
        group.status[chosen].astype(np.int64),
        group.start[chosen].astype(np.int64),
        np.where(stop <= as_of, stop, NULL),
        result.threshold[chosen].astype(np.int64),
        result.business_elapsed[chosen].astype(np.int64),
        result.actual_elapsed[chosen].astype(np.int64),
        result.percent_elapsed[chosen].astype(np.float64),
        np.where(breach == NO_INSTANT, NULL, breach),
        group.counted_at[chosen].astype(np.int64),  # NULL while open
        np.zeros(n, np.int64),  # period: named after the merge
    ]


def _warnings(group: ClockGroup, as_of: int) -> tuple[IntArray, list[str], IntArray]:
    """(code into the texts or -1, the warnings JSON texts, the last warning or NULL) of
    the clocks with a warning due from WARNINGS_KEPT_S before as_of on."""
    n = group.rows.size
    codes = np.full(n, -1, np.int64)
    last = np.full(n, NULL, np.int64)
    instants = group.result.warn_at
    if not instants.shape[1]:
        return codes, [], last
    known = np.where(instants == NO_INSTANT, NULL, instants)
    latest = known.max(axis=1)
    keep = np.flatnonzero(latest >= as_of - WARNINGS_KEPT_S)
    last[keep] = latest[keep]
    codes[keep] = np.arange(keep.size)
    texts = [
        json.dumps(
            [
                {"label": label, "at": _iso(int(at))}
                for label, at in zip(group.warning_labels, known[i].tolist(), strict=True)
                if at != NULL
            ]
        )
        for i in keep.tolist()
    ]
    return codes, texts, last


def _iso(instant: int) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _large_cache(cursor: Any) -> Iterator[None]:
    """A bulk write keeps the indexes it grows in memory (SQLite's default page cache is
    2 MB), then gives the memory back."""
    cursor.execute("PRAGMA cache_size")
    (previous,) = cursor.fetchone()
    cursor.execute(f"PRAGMA cache_size = {-SQLITE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class Labeller:
    """counted_at → the label of the period containing it ('' outside them or NULL)."""

    def __init__(self, periods: Sequence[Period]) -> None:
        self.starts = np.array([p.start for p in periods], dtype=np.int64)
        self.ends = np.array([p.end for p in periods], dtype=np.int64)
        self.names = [p.label for p in periods] + [""]

    def codes(self, counted: IntArray) -> tuple[IntArray, list[str]]:
        """Per instant, the index of its label in the list returned with them."""
        index = np.searchsorted(self.starts, counted, side="right") - 1
        inside = (index >= 0) & (counted != NULL) & (counted < self.ends[np.maximum(index, 0)])
        return np.where(inside, index, len(self.names) - 1), self.names

    def __call__(self, counted: IntArray) -> list[str]:
        codes, names = self.codes(counted)
        return np.array(names, dtype=object)[codes].tolist()  # type: ignore[no-any-return]


def period_labeller(periods: Sequence[Period]) -> Labeller:
    return Labeller(periods)


StatusKey = tuple[str, int | None, str]  # target name, subject id, period label


def write_periods(
    agreement_id: int, figures: Sequence[Figures], *, as_of: int, evaluated_at: datetime
) -> tuple[list[PeriodResult], dict[StatusKey, str]]:
    """Replace the agreement's results for the periods of `figures`, and every result
    not yet final (a rolling window's label moves on). Returns the rows written and the
    statuses they replace."""
    labels = {f.period.label for f in figures}
    replaced = PeriodResult.objects.filter(agreement_id=agreement_id).filter(
        Q(period__in=labels) | Q(final=False)
    )
    before = {
        (name, subject, period): status
        for name, subject, period, status in replaced.values_list(
            "target_name", "subject_id", "period", "status"
        )
    }
    replaced.delete()
    rows = [period_row(agreement_id, f, as_of=as_of, evaluated_at=evaluated_at) for f in figures]
    return PeriodResult.objects.bulk_create(rows, batch_size=500), before


def period_row(
    agreement_id: int, f: Figures, *, as_of: int, evaluated_at: datetime
) -> PeriodResult:
    return PeriodResult(
        agreement_id=agreement_id,
        **figure_values(f),
        as_of=from_epoch(as_of),
        evaluated_at=evaluated_at,
    )


def figure_values(f: Figures) -> dict[str, Any]:
    """The PeriodResult fields that hold a period's figures, from the figures."""
    return {
        "target_name": f.target_name,
        "metric": f.metric,
        "subject_id": f.subject_id,
        "period": f.period.label,
        "period_start": from_epoch(f.period.start),
        "period_end": from_epoch(f.period.end),
        "objective": f.objective,
        "attainment": f.attainment,
        "status": f.status,
        "met": f.met,
        "breached": f.breached,
        "open": f.open,
        "excluded": f.excluded,
        "scheduled_s": f.scheduled_s,
        "downtime_s": f.downtime_s,
        "unknown_s": f.unknown_s,
        "good": f.good,
        "total": f.total,
        "no_data_slices": f.no_data_slices,
        "budget_consumed": _finite(f.budget_consumed),
        "budget_remaining": _finite(f.budget_remaining),
        "burn_rates": f.burn_rates,
        "forecast": f.forecast,
        "forecast_assumption": f.forecast_assumption,
        "credit_percent": f.credit_percent,
        "credit_amount": f.credit_amount,
        "currency": f.currency if f.credit_amount is not None else "",
        "final": f.final,
    }


def _finite(value: float | None) -> float | None:
    """An objective of 100 % has no budget: any bad weight consumes ∞, stored as null."""
    return None if value is None or not np.isfinite(value) else float(value)
