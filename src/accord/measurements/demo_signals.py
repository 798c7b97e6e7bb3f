"""Demo outages and metric series (see demo.py).

Each past month tells one of three stories per target, turning month by month (see
`pattern`), so the history shows targets met, met narrowly and breached. The current
month's stories are placed relative to `as_of` under fixed keys (outages) or on buckets
that are rewritten on every run (metrics), so a later run moves them instead of piling
them up: retail availability at risk (both web servers down together, 34 of the 43
minutes a month of 99.9 % allows), web-a and web-b breaching the platform OLA,
checkout-success at risk, energy per order breached, report freshness at risk.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from accord.measurements.demo_calendar import HOUR, Span, at, month_start, pattern, rng
from accord.measurements.prometheus import series_name
from accord.measurements.records import OutageRecord, PointRecord

MINUTE = timedelta(minutes=1)
CHECKOUT = series_name("retail-online-store-sla", "checkout-success")
ENERGY = "energy-wh-per-order"
LAG = "analytics-data-lag-minutes"
CHECKOUT_OBJECTIVE = 99.5
AT_RISK_SHARE = 0.85  # of the error budget, for the stories of the current month
Value = Callable[[datetime, random.Random, bool], float]  # (hour, its day's rng, bad?)


def outage(
    key: str,
    subject: str,
    start: datetime,
    minutes: float,
    *,
    planned: bool = False,
    impact: float = 1.0,
    reference: str = "",
) -> OutageRecord:
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=round(minutes * 60))
    return OutageRecord(f"demo:{key}", subject, start, end, planned, impact, reference)


def demo_outages(
    span: Span, windows: Iterable[tuple[str, datetime, datetime]]
) -> list[OutageRecord]:
    """`windows`: the agreed maintenance windows as (component, start, end)."""
    outages = [o for month in span.past_months() for o in _month_outages(span.seed, month)]
    for component, start, end in windows:
        if span.start <= start and end + HOUR <= span.as_of:
            outages += _maintenance(component, start, end)
    outages += _current_outages(span)
    return [o for o in outages if o.end is not None and o.end <= span.as_of]


def _month_outages(seed: int, month: datetime) -> list[OutageRecord]:
    r = rng(seed, "outages", f"{month:%Y-%m}")
    label = f"{month:%Y-%m}"

    def when(earliest: int = 2, latest: int = 26) -> datetime:
        return at((month + timedelta(days=r.randint(earliest, latest))).date(), r.uniform(0, 23))

    kind = pattern(month, seed)
    if kind == 0:  # redundancy works: one web server down, the store only slowed
        return [
            outage(
                f"{label}:web-a", "web-a", when(), r.uniform(12, 20), reference="web-a disk full"
            ),
            outage(
                f"{label}:store-partial",
                "online-store",
                when(),
                r.uniform(20, 40),
                impact=0.4,
                reference="search degraded",
            ),
            outage(f"{label}:payments", "payment-gateway", when(), r.uniform(5, 10)),
        ]
    if kind == 1:  # the hosting supplier fails: everything on it is down
        return [
            outage(
                f"{label}:cloud",
                "cloud-hosting",
                when(),
                r.uniform(46, 60),
                reference="Cumulus incident",
            ),
            outage(f"{label}:web-b", "web-b", when(), r.uniform(10, 20)),
        ]
    both = when()
    minutes = r.uniform(24, 32)  # the store's budget is 43 minutes: met, narrowly
    return [
        outage(f"{label}:web-a-pair", "web-a", both, minutes, reference="bad load balancer config"),
        outage(f"{label}:web-b-pair", "web-b", both + 2 * MINUTE, minutes - 2),
        outage(f"{label}:warehouse", "warehouse-system", at(both.date(), 9.5), r.uniform(60, 90)),
        outage(f"{label}:orders-db", "orders-db", when(), r.uniform(3, 8)),
    ]


def _maintenance(component: str, start: datetime, end: datetime) -> list[OutageRecord]:
    """Planned work inside the agreed window, then a failure after it (not excused)."""
    key = f"maintenance:{component}:{start:%Y-%m-%dT%H:%M}"
    length = (end - start) / MINUTE
    return [
        outage(
            f"{key}:planned",
            component,
            start + 5 * MINUTE,
            length - 15,
            planned=True,
            reference="agreed patching",
        ),
        outage(
            f"{key}:after",
            component,
            end + 25 * MINUTE,
            35,
            reference="replica failed to resync after patching",
        ),
    ]


def _current_outages(span: Span) -> list[OutageRecord]:
    month, as_of = span.current_month, span.as_of
    pair = max(month + HOUR, (as_of - timedelta(hours=50)).replace(minute=0, second=0))
    warehouse = max(month + 9 * HOUR, at((as_of - timedelta(days=5)).date(), 10))
    return [
        outage("recent:web-a", "web-a", pair, 34, reference="expired TLS certificate"),
        outage("recent:web-b", "web-b", pair, 34, reference="expired TLS certificate"),
        outage(
            "recent:warehouse",
            "warehouse-system",
            warehouse,
            40,
            impact=0.5,
            reference="scanner sync slow",
        ),
    ]


def demo_points(span: Span) -> list[PointRecord]:
    return [*_checkout(span), *_values(span, ENERGY, _energy), *_values(span, LAG, _lag)]


def _checkout(span: Span) -> list[PointRecord]:
    """Hourly good/total of checkout requests; errors of 0.05–0.35 % besides incidents."""
    bad_hours = _incident_hours(span, "checkout", {1: (4, 0.25), 0: (6, 0.5), 2: (0, 0.0)})
    points = []
    for hour, r in _hourly(span, "checkout"):
        total = round(_traffic(hour) * r.uniform(0.85, 1.15))
        error = bad_hours.get(hour, r.uniform(0.0005, 0.0035))
        good = float(total - round(total * error))
        points.append(PointRecord(CHECKOUT, hour, hour + HOUR, good=good, total=float(total)))
    return _checkout_at_risk(span, points)


def _checkout_at_risk(span: Span, points: list[PointRecord]) -> list[PointRecord]:
    """A failed release the day before `as_of`, sized to bring the month's error budget
    to AT_RISK_SHARE consumed: at risk, not yet breached."""
    month = [p for p in points if p.start >= span.current_month]
    total = sum(p.total or 0 for p in month)
    bad = sum((p.total or 0) - (p.good or 0) for p in month)
    missing = AT_RISK_SHARE * total * (100 - CHECKOUT_OBJECTIVE) / 100 - bad
    day_before = span.as_of - timedelta(hours=24)
    release = [p for p in month if day_before - 3 * HOUR <= p.start < day_before]
    if missing <= 0 or not release:
        return points
    share = missing / len(release)
    changed = {p.start: p._replace(good=max(0.0, (p.good or 0) - round(share))) for p in release}
    return [changed.get(p.start, p) for p in points]


def _traffic(hour: datetime) -> float:
    """Requests an hour: a daily curve peaking in the UK evening, less at weekends."""
    daily = 0.25 + 0.75 * math.sin(math.pi * ((hour.hour - 5) % 24) / 24) ** 2
    return 3600 * daily * (0.8 if hour.weekday() >= 5 else 1.0)


def _energy(hour: datetime, r: random.Random, bad: bool) -> float:
    """Wh per order, ≤ 12 agreed: 7–11 normally, 12.5–16 in a bad hour."""
    if bad:
        return round(r.uniform(12.5, 16), 2)
    return round(8.5 + 1.5 * math.cos(2 * math.pi * hour.hour / 24) + r.uniform(-1, 1), 2)


def _lag(hour: datetime, r: random.Random, bad: bool) -> float:
    """Minutes the analytics data lags, ≤ 60 required: 8–35 normally, 75–180 when stalled."""
    return round(r.uniform(75, 180) if bad else r.triangular(8, 35, 15), 1)


def _values(span: Span, series: str, value: Value) -> list[PointRecord]:
    # Past months: pattern → bad hours (a 1 h timeslice budget at 95 % is 36 hours a
    # month, at 99 % 7); this month: (bad hours, ending this many hours before as_of).
    stories = {ENERGY: {0: 50, 1: 25, 2: 5}, LAG: {1: 10, 2: 4, 0: 0}}[series]
    recent = {ENERGY: (40, 0), LAG: (6, 72)}[series]
    bad = _bad_hours(span, series, stories, *recent)
    return [
        PointRecord(series, hour, hour + HOUR, value=value(hour, r, hour in bad))
        for hour, r in _hourly(span, series)
    ]


def _hourly(span: Span, series: str) -> Iterator[tuple[datetime, random.Random]]:
    """Every whole hour of the span with a generator for its day."""
    day, r = None, random.Random()
    for hour in span.hours():
        if hour.date() != day:
            day, r = hour.date(), rng(span.seed, series, hour.date().isoformat())
        yield hour, r


def _incident_hours(
    span: Span, series: str, stories: dict[int, tuple[int, float]]
) -> dict[datetime, float]:
    """Error ratios of the incident hours of past months: pattern → (hours, ratio)."""
    found: dict[datetime, float] = {}
    for month in span.past_months():
        hours, ratio = stories[pattern(month, span.seed, shift=1)]
        start = _month_hour(span.seed, series, month)
        found |= {start + i * HOUR: ratio for i in range(hours)}
    return found


def _bad_hours(
    span: Span, series: str, stories: dict[int, int], recent: int, before: int
) -> set[datetime]:
    """Past months: pattern → that many bad hours, scattered; this month: `recent` hours
    ending `before` hours before `as_of`."""
    bad: set[datetime] = set()
    for month in span.past_months():
        r = rng(span.seed, series, "bad", f"{month:%Y-%m}")
        count = stories[pattern(month, span.seed, shift=2)]
        bad |= {month + h * HOUR for h in r.sample(range(24 * 27), count)}
    end = span.as_of.replace(minute=0, second=0, microsecond=0) - before * HOUR
    recent_hours = (end - (i + 1) * HOUR for i in range(recent))
    bad |= {hour for hour in recent_hours if hour >= span.current_month}
    return bad


def _month_hour(seed: int, series: str, month: datetime) -> datetime:
    r = rng(seed, series, "incident", f"{month:%Y-%m}")
    return month_start(month) + timedelta(days=r.randint(3, 25), hours=r.choice((10, 13, 17, 19)))
