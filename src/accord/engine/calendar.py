"""Service-hours calendars compiled into UTC opening intervals (SEMANTICS §1).

A calendar is a time zone, weekly local opening hours, closed dates, dated exceptions
and temporary overrides. `compile_calendar` turns it into sorted, disjoint UTC opening
intervals over a range plus lookup tables (see `calendar_lookup`) that answer
"business seconds up to t" and its inverse in O(1) per query, vectorised.

Local wall-clock boundaries become UTC instants by one rule that covers both DST cases
of SEMANTICS §1: a local time w maps to the first instant whose local time is >= w.
That is the first occurrence of an ambiguous time, and the first instant after the gap
for a nonexistent one. The map is monotone, so local intervals stay intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import ArrayLike

from accord.engine import calendar_lookup as lookup
from accord.engine.calendar_lookup import Instants
from accord.engine.parsing import parse_clock_range

DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_FAR_PAST = -(1 << 62)
_FAR_FUTURE = 1 << 62
# Offsets are sampled this often; two offset changes closer together than this (none
# in the tz database since 1970) would be seen as one.
_OFFSET_SAMPLE_STEP = 43_200
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DayIntervals = tuple[tuple[int, int], ...]


def _check_minutes(start: int, end: int, where: str) -> None:
    if not 0 <= start < end <= 1440:
        raise ValueError(
            f"opening interval {start}-{end} on {where}: "
            "minutes must satisfy 0 <= start < end <= 1440"
        )


@dataclass(frozen=True)
class CalendarSpec:
    """Service hours. Minutes are local wall-clock minutes after midnight (end <= 1440)."""

    timezone: str
    weekly: tuple[DayIntervals, ...]
    closed_dates: frozenset[date] = frozenset()
    extra_open: tuple[tuple[date, int, int], ...] = ()
    extra_closed: tuple[tuple[date, int, int], ...] = ()
    overrides: tuple[CalendarOverride, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly hours need 7 days (Mon..Sun), got {len(self.weekly)}")
        for day, intervals in zip(WEEKDAYS, self.weekly, strict=True):
            for start, end in intervals:
                _check_minutes(start, end, day)
        for when, start, end in (*self.extra_open, *self.extra_closed):
            _check_minutes(start, end, when.isoformat())


@dataclass(frozen=True)
class CalendarOverride:
    """A temporary change of service hours: within [start, end) the openings are `spec`'s."""

    start: int
    end: int
    spec: CalendarSpec

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"an override must end after it starts ({self.start}..{self.end})")


TWENTY_FOUR_SEVEN = CalendarSpec(timezone="UTC", weekly=(((0, 1440),),) * 7, always_open=True)


def weekly_hours(days: Mapping[str, Sequence[str]]) -> tuple[DayIntervals, ...]:
    """`{"mon": ["08:00-12:00", "13:00-17:00"], ...}` → the `weekly` tuple (missing days closed)."""
    unknown = set(days) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday(s) {sorted(unknown)}; expected {', '.join(WEEKDAYS)}")
    return tuple(tuple(parse_clock_range(text) for text in days.get(day, ())) for day in WEEKDAYS)


@dataclass(frozen=True, eq=False)
class CompiledCalendar:
    """Opening intervals of a calendar over [start, end), with O(1) lookup tables.

    Outside [start, end) the calendar counts as closed: compile a range that covers
    every instant you ask about, including future breach instants you want to know.
    """

    start: int
    end: int
    opens: Instants
    closes: Instants
    total_open: int
    forward: lookup.ForwardTable
    inverse: lookup.InverseTable


def compile_calendar(spec: CalendarSpec, start: int, end: int) -> CompiledCalendar:
    if not 0 <= start < end:
        raise ValueError(f"calendar range must end after it starts, from 1970 on ({start}..{end})")
    opens, closes = _open_intervals(spec, start, end)
    anchor = _local_midnight_anchor(spec, start)
    return CompiledCalendar(
        start=start,
        end=end,
        opens=opens,
        closes=closes,
        total_open=int((closes - opens).sum()),
        forward=lookup.build_forward(opens, closes, start, end, anchor),
        inverse=lookup.build_inverse(opens, closes, start, end),
    )


# --------------------------------------------------------------------------- queries


def cumulative(cal: CompiledCalendar, t: ArrayLike) -> Instants:
    """Open seconds in [cal.start, t): monotone; 0 before the range, the total after it."""
    times = np.asarray(t, dtype=np.int64)
    out = np.empty(times.shape, dtype=np.int64)
    lookup.cumulative_into(cal.forward, cal.start, cal.end, times.ravel(), out.ravel())
    return out


def business_seconds(cal: CompiledCalendar, a: ArrayLike, b: ArrayLike) -> Instants:
    """Seconds of [a, b) that are open (0 where b <= a)."""
    lo, hi = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
    return cumulative(cal, np.maximum(hi, lo)) - cumulative(cal, lo)


def advance(cal: CompiledCalendar, t: ArrayLike, seconds: ArrayLike) -> Instants:
    """inf{u >= t : business_seconds(t, u) > seconds}; NO_INSTANT beyond the calendar.

    By the infimum rule a budget used up exactly at closing time ends at the next opening.
    """
    times, budget = np.broadcast_arrays(
        np.asarray(t, dtype=np.int64), np.asarray(seconds, dtype=np.int64)
    )
    if budget.size and budget.min() < 0:
        raise ValueError("advance needs seconds >= 0")
    target = cumulative(cal, times) + budget
    out = np.empty(target.shape, dtype=np.int64)
    lookup.inverse_into(cal.inverse, target.ravel(), out.ravel())
    return out


def opening_intervals(cal: CompiledCalendar, a: int, b: int) -> tuple[Instants, Instants]:
    """The opening intervals clipped to [a, b)."""
    first = int(np.searchsorted(cal.closes, a, side="right"))
    last = int(np.searchsorted(cal.opens, b, side="left"))
    opens = np.maximum(cal.opens[first:last], a)
    closes = np.minimum(cal.closes[first:last], b)
    keep = closes > opens
    return opens[keep], closes[keep]


# --------------------------------------------------------------------------- compiling


def _open_intervals(spec: CalendarSpec, start: int, end: int) -> tuple[Instants, Instants]:
    if spec.always_open:
        opens, closes = _array([start]), _array([end])
    else:
        opens, closes = _weekly_in_utc(spec, start, end)
    for override in spec.overrides:
        lo, hi = max(override.start, start), min(override.end, end)
        if lo >= hi:
            continue
        inner = _open_intervals(override.spec, lo, hi)
        opens, closes = lookup.subtract(opens, closes, _array([lo]), _array([hi]))
        opens, closes = lookup.merge(
            np.concatenate([opens, inner[0]]), np.concatenate([closes, inner[1]])
        )
    return opens, closes


def _weekly_in_utc(spec: CalendarSpec, start: int, end: int) -> tuple[Instants, Instants]:
    zone = _zone(spec.timezone)
    transitions, offsets = _offset_segments(zone, start - 2 * DAY, end + 2 * DAY)
    first_day = (start + int(offsets.min())) // DAY - 1
    last_day = (end + int(offsets.max())) // DAY + 1
    local_opens, local_closes = _local_intervals(spec, first_day, last_day)
    opens = _local_to_utc(local_opens, transitions, offsets)
    closes = _local_to_utc(local_closes, transitions, offsets)
    opens, closes = np.clip(opens, start, end), np.clip(closes, start, end)
    return lookup.merge(opens, closes)


def _local_intervals(
    spec: CalendarSpec, first_day: int, last_day: int
) -> tuple[Instants, Instants]:
    """Local opening intervals as naive local seconds since 1970-01-01 00:00 (local)."""
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    closed = np.isin(days, _day_numbers(spec.closed_dates))
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    starts: list[Instants] = []
    ends: list[Instants] = []
    for number, intervals in enumerate(spec.weekly):
        open_days = days[(weekday == number) & ~closed] * DAY
        for start_min, end_min in intervals:
            starts.append(open_days + start_min * 60)
            ends.append(open_days + end_min * 60)
    opens, closes = lookup.merge(_concat(starts), _concat(ends))
    # A dated exception is more specific than the weekly hours or a closed date, so
    # extra openings are added after closed dates are applied, and closures win last.
    extra = _dated(spec.extra_open)
    opens, closes = lookup.merge(
        np.concatenate([opens, extra[0]]), np.concatenate([closes, extra[1]])
    )
    cut = _dated(spec.extra_closed)
    return lookup.subtract(opens, closes, *lookup.merge(*cut))


def _dated(exceptions: Sequence[tuple[date, int, int]]) -> tuple[Instants, Instants]:
    day = np.array([d.toordinal() - _EPOCH_ORDINAL for d, _, _ in exceptions], dtype=np.int64)
    start = np.array([s for _, s, _ in exceptions], dtype=np.int64)
    end = np.array([e for _, _, e in exceptions], dtype=np.int64)
    return day * DAY + start * 60, day * DAY + end * 60


def _day_numbers(dates: frozenset[date]) -> Instants:
    return np.array(sorted(d.toordinal() - _EPOCH_ORDINAL for d in dates), dtype=np.int64)


def _local_to_utc(local: Instants, transitions: Instants, offsets: Instants) -> Instants:
    """First instant whose local time is >= `local` (vectorised over offset segments).

    Segment k runs from transitions[k] with offset offsets[k]; its local times end at
    transitions[k + 1] + offsets[k], an increasing sequence, so the first segment that
    reaches `local` is found by binary search.
    """
    local_ends = np.append(transitions[1:] + offsets[:-1], _FAR_FUTURE)
    segment = np.searchsorted(local_ends, local, side="right")
    utc: Instants = np.maximum(transitions[segment], local - offsets[segment])
    return utc


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[Instants, Instants]:
    """UTC offset changes in [lo, hi]: (instants from which each offset holds, offsets)."""
    samples = range(lo - lo % _OFFSET_SAMPLE_STEP, hi + _OFFSET_SAMPLE_STEP, _OFFSET_SAMPLE_STEP)
    offsets = [_utc_offset(zone, t) for t in samples]
    starts, values = [_FAR_PAST], [offsets[0]]
    for (t_a, off_a), (t_b, off_b) in pairwise(zip(samples, offsets, strict=True)):
        if off_a != off_b:
            starts.append(_first_instant_with_offset(zone, t_a, t_b, off_a))
            values.append(off_b)
    return _array(starts), _array(values)


def _first_instant_with_offset(zone: ZoneInfo, before: int, after: int, old: int) -> int:
    while after - before > 1:
        middle = (before + after) // 2
        if _utc_offset(zone, middle) == old:
            before = middle
        else:
            after = middle
    return after


def _utc_offset(zone: ZoneInfo, t: int) -> int:
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _local_midnight_anchor(spec: CalendarSpec, start: int) -> int:
    """A UTC instant at local midnight (offset at `start`), to align lookup buckets with days."""
    if spec.always_open:
        return 0
    return -_utc_offset(_zone(spec.timezone), start)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f'unknown time zone "{name}" (expected an IANA name)') from error


def _array(values: Sequence[int]) -> Instants:
    return np.array(values, dtype=np.int64)


def _concat(parts: list[Instants]) -> Instants:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
