"""Agreement periods (SEMANTICS §1, §4): calendar months, quarters and years in a time zone,
or rolling windows ending at `as_of`.

A calendar period starts at local midnight of its first day, converted to UTC by the rule
of SEMANTICS §1 (the first instant whose local time is at or after it: the first
occurrence of an ambiguous time, the first instant after a gap), so a March in
Europe/London is one hour shorter than 31 days. Labels are `2026-03`, `2026-Q1`, `2026`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from accord.engine.parsing import format_duration, parse_duration

DAY = 86_400
CALENDAR_KINDS = ("month", "quarter", "year")
# Nominal lengths, so burn-rate factors do not change from February to March (§6 gives
# its defaults "for a 30-day period").
NOMINAL_SECONDS = {"month": 30 * DAY, "quarter": 90 * DAY, "year": 365 * DAY}
_LABEL = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")


@dataclass(frozen=True)
class PeriodSpec:
    """How an agreement cuts time: `month`, `quarter`, `year` or `rolling` of `rolling_s`."""

    kind: str
    rolling_s: int = 0

    def __post_init__(self) -> None:
        if self.kind not in (*CALENDAR_KINDS, "rolling"):
            raise ValueError(f'"{self.kind}" is not a period (month, quarter, year, rolling: 28d)')
        if self.kind == "rolling" and self.rolling_s <= 0:
            raise ValueError("a rolling period needs a positive length, e.g. rolling: 28d")

    @property
    def nominal_s(self) -> int:
        """The length burn-rate factors assume: 30, 90 or 365 days, or the rolling length."""
        return self.rolling_s if self.kind == "rolling" else NOMINAL_SECONDS[self.kind]


@dataclass(frozen=True)
class Period:
    """[start, end) in epoch seconds, with its label."""

    label: str
    start: int
    end: int

    @property
    def duration_s(self) -> int:
        return self.end - self.start

    def contains(self, instant: int) -> bool:
        return self.start <= instant < self.end


def parse_period_spec(value: str | Mapping[str, str]) -> PeriodSpec:
    """`month`, `quarter`, `year`, `{rolling: 28d}` (a manifest mapping) or `rolling: 28d`."""
    if isinstance(value, Mapping):
        if set(value) != {"rolling"}:
            raise ValueError(f"a period mapping must be {{rolling: <duration>}}, got {dict(value)}")
        return PeriodSpec("rolling", parse_duration(value["rolling"]))
    text = value.strip()
    if text.startswith("rolling"):
        return PeriodSpec("rolling", parse_duration(text.removeprefix("rolling").lstrip(": ")))
    return PeriodSpec(text)


def local_to_utc(day: date, timezone: str, *, hour: int = 0, minute: int = 0) -> int:
    """The first instant whose local time in `timezone` is at or after `day` `hour:minute`."""
    zone = ZoneInfo(timezone)
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    target = _wall_tuple(wall)
    candidates = [int(wall.replace(fold=fold).timestamp()) for fold in (0, 1)]
    low, high = min(candidates), max(candidates)
    if _wall(low, zone) >= target:
        return low  # it exists; when ambiguous, `low` is its first occurrence
    while high - low > 1:  # in a gap: bisect for the first instant past it
        middle = (low + high) // 2
        low, high = (low, middle) if _wall(middle, zone) >= target else (middle, high)
    return high


def _local(instant: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(instant, zone)


def _wall(instant: int, zone: ZoneInfo) -> tuple[int, ...]:
    return _wall_tuple(_local(instant, zone))


def _wall_tuple(moment: datetime) -> tuple[int, ...]:
    """The wall-clock reading, comparable across offsets."""
    return moment.timetuple()[:6]


def period_containing(kind: str, instant: int, timezone: str = "UTC") -> Period:
    """The calendar period of `kind` that contains `instant`."""
    _calendar_kind(kind)
    first = _first_day(kind, _local(instant, ZoneInfo(timezone)).date())
    period = _period_of(kind, first, timezone)
    # Where a clock falls back across midnight, the local date can disagree with the
    # boundary instants; the boundaries decide.
    while not period.contains(instant):
        first = _shift(kind, first, -1 if instant < period.start else 1)
        period = _period_of(kind, first, timezone)
    return period


def periods_overlapping(kind: str, start: int, end: int, timezone: str = "UTC") -> list[Period]:
    """Every calendar period of `kind` that overlaps [start, end), in order."""
    periods: list[Period] = []
    if end <= start:
        return periods
    period = period_containing(kind, start, timezone)
    while period.start < end:
        periods.append(period)
        period = _period_of(kind, _shift(kind, _first_day_of(period, timezone), 1), timezone)
    return periods


def parse_period_label(label: str, timezone: str = "UTC") -> Period:
    """`2026-03` (month), `2026-Q1` (quarter) or `2026` (year) in `timezone`."""
    match = _LABEL.match(label.strip())
    if not match or (match[2] and not 1 <= int(match[2]) <= 12):
        raise ValueError(f'"{label}" is not a period label (examples: 2026-03, 2026-Q1, 2026)')
    year = int(match[1])
    if match[2]:
        return _period_of("month", date(year, int(match[2]), 1), timezone)
    if match[3]:
        return _period_of("quarter", date(year, 3 * int(match[3]) - 2, 1), timezone)
    return _period_of("year", date(year, 1, 1), timezone)


def rolling_window(length_s: int, as_of: int) -> Period:
    """The rolling window of `length_s` ending at `as_of`, e.g. the last 28 days."""
    if length_s <= 0:
        raise ValueError("a rolling window needs a positive length")
    ending = datetime.fromtimestamp(as_of, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Period(f"{format_duration(length_s)} to {ending}", as_of - length_s, as_of)


def current_period(spec: PeriodSpec, as_of: int, timezone: str = "UTC") -> Period:
    """The period an agreement is in at `as_of`: the calendar period containing it, or the
    rolling window ending at it."""
    if spec.kind == "rolling":
        return rolling_window(spec.rolling_s, as_of)
    return period_containing(spec.kind, as_of, timezone)


def _calendar_kind(kind: str) -> None:
    if kind not in CALENDAR_KINDS:
        raise ValueError(f'"{kind}" is not a calendar period (month, quarter or year)')


def _first_day(kind: str, day: date) -> date:
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _shift(kind: str, first: date, steps: int) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[kind] * steps
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _first_day_of(period: Period, timezone: str) -> date:
    return _local(period.start, ZoneInfo(timezone)).date()


def _period_of(kind: str, first: date, timezone: str) -> Period:
    """The period of `kind` starting on local date `first` (the first of its month)."""
    _calendar_kind(kind)
    following = _shift(kind, first, 1)
    start = local_to_utc(first, timezone)
    end = local_to_utc(following, timezone)
    if kind == "month":
        label = f"{first.year}-{first.month:02d}"
    elif kind == "quarter":
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    else:
        label = f"{first.year}"
    return Period(label, start, end)
