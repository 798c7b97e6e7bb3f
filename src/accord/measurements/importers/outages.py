"""`accord import outages` and `accord import metrics` from CSV or JSON Lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from accord.measurements import services
from accord.measurements.importers.base import Flushed, Importer, flush_in_runs, rejections
from accord.measurements.importers.errors import RowError
from accord.measurements.importers.fields import (
    InstantParser,
    boolean,
    instant,
    number,
    optional,
    optional_instant,
    required,
)
from accord.measurements.importers.tickets import NAME_MAX_LENGTH
from accord.measurements.instants import iso_utc
from accord.measurements.models import MetricPoint, MetricSeries, Outage
from accord.measurements.records import OutageRecord, PointRecord

KEY_MAX_LENGTH = 200
SERIES_MAX_LENGTH = 200


def _after(end: datetime | None, start: datetime, column: str) -> None:
    if end is not None and end <= start:
        raise RowError(column, end.isoformat(), f"not after start ({start.isoformat()})")


class OutageImporter(Importer):
    """Outages keyed by the `id` column when the file has one, else by target and start."""

    writes = (Outage,)
    fields = ("id", "target", "start", "end", "planned", "impact", "reference")

    def __init__(self, *, parse_instant: InstantParser, target: str | None) -> None:
        self.parse_instant = parse_instant
        self.target = target  # --service: every row's subject

    def required_columns(self) -> Sequence[str]:
        return ("start",) if self.target else ("target", "start")

    def parse(self, values: Sequence[str], extras: dict[str, Any]) -> OutageRecord:
        key, target, start, end, planned, impact, reference = values
        name = self.target or required(target, "target", NAME_MAX_LENGTH)
        began = instant(start, "start", self.parse_instant)
        ended = optional_instant(end, "end", self.parse_instant)
        _after(ended, began, "end")
        share = number(impact, "impact")
        if share is not None and not 0 < share <= 1:
            raise RowError("impact", impact, "expected a share of the subject: 0 < impact ≤ 1")
        return OutageRecord(
            key=optional(key, "id", KEY_MAX_LENGTH) or f"{name}@{iso_utc(began)}",
            subject=name,
            start=began,
            end=ended,
            planned=boolean(planned, "planned", default=False),
            impact=1.0 if share is None else share,
            reference=optional(reference, "reference", 200),
        )

    def flush(self, records: list[OutageRecord]) -> Flushed:
        def flush_positions(positions: list[int] | None) -> Flushed:
            part = records if positions is None else [records[i] for i in positions]
            result = services.upsert_outages(part, origin=Outage.Origin.IMPORT)
            errors = rejections(result)
            for _, error in errors:
                error.column = "target"  # the service's field is `subject`
            return Flushed(result.counts, None, errors)

        return flush_in_runs([r.key for r in records], flush_positions)


class MetricImporter(Importer):
    writes = (MetricSeries, MetricPoint)
    fields = ("series", "start", "end", "good", "total", "value")

    def __init__(self, *, parse_instant: InstantParser) -> None:
        self.parse_instant = parse_instant

    def check_columns(self, columns: Sequence[str]) -> None:
        super().check_columns(columns)
        if not ({"good", "total"} <= set(columns) or "value" in columns):
            raise ValueError("missing columns: good and total, or value")

    def required_columns(self) -> Sequence[str]:
        return ("series", "start", "end")

    def parse(self, values: Sequence[str], extras: dict[str, Any]) -> PointRecord:
        series, start, end, good, total, value = values
        name = required(series, "series", SERIES_MAX_LENGTH)
        began = instant(start, "start", self.parse_instant)
        ended = instant(end, "end", self.parse_instant)
        _after(ended, began, "end")
        good_count, total_count = number(good, "good"), number(total, "total")
        measured = number(value, "value")
        if measured is not None:
            if good_count is not None or total_count is not None:
                raise RowError("value", value, "give either good and total, or value, not both")
            return PointRecord(name, began, ended, value=measured)
        if good_count is None or total_count is None:
            column = "good" if good_count is None else "total"
            raise RowError(column, "", "required (a point has good and total, or a value)")
        if not 0 <= good_count <= total_count:
            raise RowError("good", good, f"expected 0 ≤ good ≤ total ({total_count:g})")
        return PointRecord(name, began, ended, good=good_count, total=total_count)

    def flush(self, records: list[PointRecord]) -> Flushed:
        def flush_positions(positions: list[int] | None) -> Flushed:
            part = records if positions is None else [records[i] for i in positions]
            result = services.upsert_metric_points(part)
            errors = rejections(result)
            for _, error in errors:
                error.reason += " (fixed by the series' first point)"
            return Flushed(result.counts, None, errors)

        return flush_in_runs([(r.series, r.start) for r in records], flush_positions)
