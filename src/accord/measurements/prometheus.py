"""The Prometheus connector: ratio targets with `source` + `good` + `total` queries are
read as range queries and stored as bucketed good/total counts (docs/prometheus.md).

A target's counts go to its own `series` if it names one, else to `<agreement>/<target>`
for every agreement it is in force for (its own or inherited): the series evaluation
reads (`accord.evaluation.ratios`). Evaluation and reports read only those stored counts
and never depend on Prometheus' retention. Buckets are aligned to multiples of their
length since the epoch; bucket [t − b, t) holds the queries evaluated at t with
`{{window}}` = b. Each sync continues from the last stored bucket and reads only buckets
that ended at least ACCORD_PROMETHEUS_SETTLE seconds ago, so their scrapes are in. The
worker runs a `prometheus-sync` job every bucket.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.agreements.services import effective_targets
from accord.catalogue.models import DataSource
from accord.evaluation.jobs import handler
from accord.evaluation.models import Job
from accord.measurements import services
from accord.measurements.intake import evaluate_soon
from accord.measurements.models import MetricPoint
from accord.measurements.prometheus_api import PrometheusError, query_range
from accord.measurements.records import Counts, PointRecord

log = logging.getLogger(__name__)
SYNC_JOB = "prometheus-sync"
WRITE_BATCH = 10_000
_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")
# `rate(…)` is per second; `increase(…)`, `count_over_time(…)`, … already count a window.
_RATE = re.compile(r"\brate\s*\(")
_INCREASE = re.compile(r"\bincrease\s*\(")


@dataclass(frozen=True)
class RatioTarget:
    series: str  # where its counts go
    url: str
    good: str
    total: str


@dataclass(frozen=True)
class Options:
    bucket: int  # seconds
    settle: int  # seconds
    backfill: timedelta
    timeout: float  # seconds

    @classmethod
    def from_settings(cls) -> Options:
        return cls(
            bucket=settings.ACCORD_PROMETHEUS_BUCKET,
            settle=settings.ACCORD_PROMETHEUS_SETTLE,
            backfill=timedelta(days=settings.ACCORD_PROMETHEUS_BACKFILL_DAYS),
            timeout=settings.ACCORD_PROMETHEUS_TIMEOUT,
        )


@dataclass
class SyncReport:
    series: str
    start: datetime | None = None  # the buckets asked for: [start, end)
    end: datetime | None = None
    buckets: int = 0
    without_data: int = 0
    counts: Counts = field(default_factory=Counts)
    error: str = ""

    def summary(self) -> str:
        if self.error:
            return f"{self.series}: {self.error}"
        start, end = self.start, self.end
        if not self.buckets or start is None or end is None:
            return f"{self.series}: up to date"
        c = self.counts
        form = "%Y-%m-%d %H:%M:%S" if start.second or end.second else "%Y-%m-%d %H:%M"
        span = f"{start:{form}} → {end:{form}} UTC"
        return (
            f"{self.series}: {span}, {self.buckets} bucket{'s' if self.buckets != 1 else ''}: "
            f"created {c.created}, updated "
            f"{c.updated}, unchanged {c.unchanged}, no data {self.without_data}"
        )


def series_name(agreement: str, target: str) -> str:
    """Where a target without a `series` of its own keeps its counts:
    `retail-online-store-sla/checkout-success`."""
    return f"{agreement}/{target}"


def ratio_targets(*, at: datetime, agreement: str | None = None) -> list[RatioTarget]:
    """The targets read from Prometheus, as in force at `at` (inherited ones included)."""
    agreements = Agreement.objects.order_by("name")
    if agreement is not None:
        agreements = agreements.filter(name=agreement)
    found: dict[str, RatioTarget] = {}
    for each in agreements:
        for effective in effective_targets(each, at):
            target = effective.target
            source = target.source
            if source is None or source.type != DataSource.Type.PROMETHEUS:
                continue
            if target.good_query and target.total_query:
                ratio = RatioTarget(
                    target.series or series_name(each.name, target.name),
                    source.url,
                    target.good_query,
                    target.total_query,
                )
                found[ratio.series] = ratio
    return list(found.values())


def sync_prometheus(
    *,
    agreement: str | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
    options: Options | None = None,
) -> list[SyncReport]:
    """Sync every Prometheus target (of one agreement); a failing one does not stop the rest."""
    now = now or timezone.now()
    options = options or Options.from_settings()
    return [
        sync_target(target, now=now, since=since, options=options)
        for target in ratio_targets(at=now, agreement=agreement)
    ]


def sync_target(
    target: RatioTarget, *, now: datetime, since: datetime | None, options: Options
) -> SyncReport:
    bucket = options.bucket
    end = _floor(_epoch(now) - options.settle, bucket)
    start = _first_bucket(target.series, since, now, options)
    report = SyncReport(target.series)
    if end <= start:
        return report
    report.start, report.end, report.buckets = (
        _instant(start),
        _instant(end),
        (end - start) // bucket,
    )
    try:
        # Evaluated at each bucket's end: the value at t covers the window (t − b, t].
        good, total = (
            query_range(
                target.url,
                _with_window(query, bucket),
                start=start + bucket,
                end=end,
                step=bucket,
                timeout=options.timeout,
            )
            for query in (target.good, target.total)
        )
    except PrometheusError as exc:
        report.error = str(exc)
        return report
    points = to_points(target, good, total, bucket)
    report.without_data = report.buckets - len(points)
    for at in range(0, len(points), WRITE_BATCH):
        result = services.upsert_metric_points(points[at : at + WRITE_BATCH])
        if result.rejected:
            report.error = f"not stored: {result.rejected[0].reason}"
            break
        report.counts.add(result.counts)
    evaluate_soon(report.counts)
    return report


def to_points(
    target: RatioTarget, good: dict[int, float], total: dict[int, float], bucket: int
) -> list[PointRecord]:
    """One point per instant with a total; no total is no data (not zero).

    Where total has a value and good has none, good is 0: a selector such as
    `code!~"5.."` matches nothing while every request fails. Extrapolation can make good
    exceed total by a fraction, or a counter reset make either negative: clamped.
    """
    scale_good, scale_total = _scale(target.good, bucket), _scale(target.total, bucket)
    points = []
    for instant in sorted(total):
        events = max(round(total[instant] * scale_total, 6), 0.0)
        ok = min(max(round(good.get(instant, 0.0) * scale_good, 6), 0.0), events)
        start = _instant(instant - bucket)
        points.append(PointRecord(target.series, start, _instant(instant), good=ok, total=events))
    return points


def window_text(seconds: int) -> str:
    """A Prometheus duration: 300 → `5m`, 3600 → `1h`, 90 → `90s`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _with_window(query: str, bucket: int) -> str:
    return _WINDOW.sub(window_text(bucket), query)


def _scale(query: str, bucket: int) -> int:
    """Per-second rates become counts per bucket; rate × window is exactly `increase`."""
    return bucket if _RATE.search(query) and not _INCREASE.search(query) else 1


def _first_bucket(series: str, since: datetime | None, now: datetime, options: Options) -> int:
    if since is not None:
        return _floor(_epoch(since), options.bucket)
    last = MetricPoint.objects.filter(series__name=series).aggregate(end=Max("end"))["end"]
    begin = last if last is not None else now - options.backfill
    return _floor(_epoch(begin), options.bucket)


def _floor(seconds: int, bucket: int) -> int:
    return seconds - seconds % bucket


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@handler(SYNC_JOB, every=timedelta(seconds=settings.ACCORD_PROMETHEUS_BUCKET))
def sync_job(job: Job) -> dict[str, Any]:
    """Periodic (every bucket; the worker keeps one pending), payload `{}`; or asked for
    once with `{"agreement": name}`. A target that fails is logged and listed in the
    result, and the next run is its retry: raising would only retry every target."""
    reports = sync_prometheus(agreement=(job.payload or {}).get("agreement"))
    failed = {r.series: r.summary() for r in reports if r.error}
    before = _failed_last_time(job)
    for series, line in failed.items():
        # A Prometheus that stays down is said once, not every few minutes.
        again = before.get(series) == line
        log.log(logging.DEBUG if again else logging.WARNING, "prometheus-sync: %s", line)
    for series in sorted(set(before) - set(failed)):
        log.warning("prometheus-sync: %s: synchronised again", series)
    return {"series": [r.summary() for r in reports], "failed": len(failed), "errors": failed}


def _failed_last_time(job: Job) -> dict[str, str]:
    """series → failure the previous periodic sync reported (none for a sync asked for)."""
    if job.payload:
        return {}
    previous = (
        Job.objects.filter(kind=SYNC_JOB, done_at__isnull=False, payload={})
        .exclude(pk=job.pk)
        .order_by("-done_at")
        .first()
    )
    errors = (previous.result or {}).get("errors") if previous else None
    return dict(errors) if isinstance(errors, dict) else {}
