"""Demo measurements for the Northwind manifests, written by `accord demo` (docs/demo.md).

Six months of them up to `as_of` (further back to take in an agreed maintenance window
of the last year): tickets of every priority of online-store (Retail Division) and
warehouse-system (Logistics Division) with full histories, outages of services and
components, hourly good/total counts of checkout-success and hourly values of the two
threshold series. Everything is a function of the seed and the calendar, written by
upsert under fixed keys (ticket source `demo`, outage keys `demo:…`), so a second run
with the same `as_of` changes nothing and a later one adds what happened in between.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from accord.agreements.models import MaintenanceWindow
from accord.measurements import services
from accord.measurements.demo_calendar import Span
from accord.measurements.demo_signals import demo_outages, demo_points
from accord.measurements.demo_tickets import demo_tickets
from accord.measurements.models import Outage
from accord.measurements.records import Counts, Result

DEFAULT_SEED = 2026
SOURCE = "demo"  # the import source of the demo tickets (of the default seed)
CHUNK = 10_000


@dataclass
class DemoReport:
    span: Span
    counts: dict[str, Counts] = field(default_factory=dict)

    def lines(self) -> list[str]:
        span = self.span
        head = (
            f"demo measurements (seed {span.seed}) from {span.start:%Y-%m-%d} "
            f"to {span.as_of:%Y-%m-%d %H:%M} UTC"
        )
        return [head] + [
            f"  {kind}: created {c.created}, updated {c.updated}, unchanged {c.unchanged}"
            for kind, c in self.counts.items()
        ]


def generate(*, as_of: datetime, seed: int = DEFAULT_SEED) -> DemoReport:
    """Write the demo measurements; the Northwind manifests must be applied."""
    windows = agreed_windows()
    span = Span.ending(as_of, seed, also=tuple(start for _, start, _ in windows))
    tickets, events = demo_tickets(span)
    outages = demo_outages(span, windows)
    points = demo_points(span)
    report = DemoReport(span)
    source = ticket_source(seed)
    with transaction.atomic():
        report.counts["tickets"] = _write(services.upsert_tickets, tickets, source=source)
        report.counts["ticket events"] = _write(services.add_ticket_events, events, source=source)
        origin = Outage.Origin.IMPORT
        report.counts["outages"] = _write(services.upsert_outages, outages, origin=origin)
        report.counts["metric points"] = _write(services.upsert_metric_points, points)
    return report


def ticket_source(seed: int) -> str:
    """Another seed's tickets have the same ids but other histories: kept apart, since
    events are only ever added to a history."""
    return SOURCE if seed == DEFAULT_SEED else f"{SOURCE}-{seed}"


def agreed_windows() -> list[tuple[str, datetime, datetime]]:
    """(subject, start, end) of every agreed maintenance window."""
    windows = MaintenanceWindow.objects.filter(agreed=True).prefetch_related("subjects")
    return [(s.name, w.start, w.end) for w in windows for s in w.subjects.all()]


def _write(write: Callable[..., Result], items: Sequence[Any], **options: Any) -> Counts:
    counts = Counts()
    for start in range(0, len(items), CHUNK):
        result = write(items[start : start + CHUNK], **options)
        if result.rejected:  # the demo names only what the Northwind manifests define
            first = result.rejected[0]
            raise RuntimeError(f"demo data refused: {first.field} {first.value!r}: {first.reason}")
        counts.add(result.counts)
    return counts
