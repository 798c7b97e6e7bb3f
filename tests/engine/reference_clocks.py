"""A slow, plainly written reference for calendars and ticket clocks.

It shares no code with accord.engine. Membership of an instant in service hours is
decided minute by minute with the "high-water" reading of SEMANTICS §1: a local
boundary w maps to the first instant whose local time is >= w, so instant t is open
exactly when the largest local time shown so far, H(t), lies in an opening interval
of H(t)'s local date. That needs only datetime and a running maximum. Clocks walk the
open intervals one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from accord.engine.calendar import TWENTY_FOUR_SEVEN, CalendarOverride, CalendarSpec

Interval = tuple[int, int]


def open_minutes_of_day(spec: CalendarSpec, day: date) -> set[int]:
    minutes: set[int] = set()
    if day not in spec.closed_dates:
        for start, end in spec.weekly[day.weekday()]:
            minutes.update(range(start, end))
    for when, start, end in spec.extra_open:
        if when == day:
            minutes.update(range(start, end))
    for when, start, end in spec.extra_closed:
        if when == day:
            minutes.difference_update(range(start, end))
    return minutes


def open_intervals(spec: CalendarSpec, start: int, end: int) -> list[Interval]:
    """Open intervals within [start, end); start and end on whole minutes for weekly hours."""
    intervals = [(start, end)] if spec.always_open else _weekly_intervals(spec, start, end)
    for override in spec.overrides:
        lo, hi = max(override.start, start), min(override.end, end)
        if lo < hi:
            intervals = subtract(intervals, [(lo, hi)]) + open_intervals(override.spec, lo, hi)
            intervals = normalise(intervals)
    return intervals


def _weekly_intervals(spec: CalendarSpec, start: int, end: int) -> list[Interval]:
    zone = ZoneInfo(spec.timezone)
    first_minute = start - start % 60
    high_water = datetime(1, 1, 1)  # noqa: DTZ001 - local wall-clock time, naive on purpose
    cache: dict[date, set[int]] = {}
    opened: list[Interval] = []
    for minute in range(first_minute - 2 * 86_400, end, 60):
        local = datetime.fromtimestamp(minute, zone).replace(tzinfo=None)
        high_water = max(high_water, local)
        if minute < first_minute:
            continue
        day = high_water.date()
        if day not in cache:
            cache[day] = open_minutes_of_day(spec, day)
        if high_water.hour * 60 + high_water.minute in cache[day]:
            opened.append((minute, minute + 60))
    return normalise([(max(a, start), min(b, end)) for a, b in opened])


def normalise(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def subtract(intervals: list[Interval], cuts: list[Interval]) -> list[Interval]:
    result = []
    for a, b in intervals:
        pieces = [(a, b)]
        for c, d in cuts:
            pieces = [p for x, y in pieces for p in ((x, min(y, c)), (max(x, d), y)) if p[1] > p[0]]
        result.extend(pieces)
    return normalise(result)


def clip(intervals: list[Interval], lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def business_seconds(intervals: list[Interval], a: int, b: int) -> int:
    return sum(y - x for x, y in clip(intervals, a, b))


@dataclass(frozen=True)
class ReferenceClock:
    business_elapsed: int
    actual_elapsed: int
    breach_at: int | None
    status: str
    warn_at: tuple[int | None, ...]


def crossing(running: list[Interval], amount: int) -> int | None:
    """inf{t : running seconds before t > amount}: walk the intervals in order."""
    counted = 0
    for a, b in running:
        if counted + (b - a) > amount:
            return a + (amount - counted)
        counted += b - a
    return None


def evaluate(
    intervals: list[Interval],
    *,
    calendar_end: int,
    start: int,
    stop: int | None,
    threshold: int,
    pauses: list[Interval],
    as_of: int,
    excluded: bool = False,
    warn_amounts: tuple[int, ...] = (),
) -> ReferenceClock:
    """One clock. `warn_amounts` are the business seconds each warning waits for."""
    limit = calendar_end if stop is None else min(stop, calendar_end)
    end = max(min(stop if stop is not None else as_of, as_of), start)
    held = normalise(clip(pauses, start, stop if stop is not None else 1 << 62))
    running = subtract(clip(intervals, start, limit), held)
    elapsed = business_seconds(running, start, end)
    actual = (end - start) - sum(y - x for x, y in clip(held, start, end))

    def before_stop(instant: int | None) -> int | None:
        return instant if instant is not None and instant < limit and not excluded else None

    breach = before_stop(crossing(running, threshold))
    if excluded:
        status = "excluded"
    elif elapsed > threshold:
        status = "breached"
    elif stop is not None and stop <= as_of:
        status = "met"
    else:
        status = "open"
    warns = tuple(before_stop(crossing(running, amount)) for amount in warn_amounts)
    return ReferenceClock(elapsed, actual, breach, status, warns)


def utc(text: str) -> int:
    """`2026-03-29 01:30` (UTC) → epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def local(text: str, zone: str) -> int:
    """An unambiguous local time → epoch seconds (for writing expected values)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


def days(n: float) -> int:
    return int(timedelta(days=n).total_seconds())


# --------------------------------------------------------------------------- strategies

WINDOWS = [
    ("Europe/London", "2026-03-29"),
    ("Europe/London", "2026-10-25"),
    ("America/Sao_Paulo", "2018-11-04"),
    ("America/Sao_Paulo", "2019-02-17"),
    ("Australia/Lord_Howe", "2026-04-05"),
    ("America/St_Johns", "2026-03-08"),
    ("Asia/Kathmandu", "2026-01-10"),
    ("Asia/Tokyo", "2026-01-10"),
    ("Pacific/Apia", "2011-12-30"),
    ("UTC", "2026-01-10"),
]


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    points = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
    pairs = zip(points[::2], points[1::2], strict=False)
    return tuple((a * 15, b * 15) for a, b in pairs)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[CalendarSpec, int, int]:
    zone, centre = draw(st.sampled_from(WINDOWS))
    middle = date.fromisoformat(centre)
    lo = utc(centre + " 00:00") - days(4) + draw(st.integers(0, 86_399))
    hi = lo + draw(st.integers(days(1), days(7)))
    window_days = [middle + timedelta(days=d) for d in range(-4, 5)]
    dated = st.tuples(st.sampled_from(window_days), st.integers(0, 94)).map(
        lambda t: (t[0], t[1] * 15, t[1] * 15 + 30)
    )
    override_spec = draw(
        st.one_of(
            st.just(TWENTY_FOUR_SEVEN), day_hours().map(lambda d: CalendarSpec(zone, (d,) * 7))
        )
    )
    start = lo + draw(st.integers(-days(1), days(3)))
    overrides = draw(
        st.lists(
            st.builds(
                CalendarOverride,
                st.just(start),
                st.integers(start + 1, start + days(2)),
                st.just(override_spec),
            ),
            max_size=1,
        )
    )
    spec = CalendarSpec(
        zone,
        tuple(draw(day_hours()) for _ in range(7)),
        closed_dates=frozenset(draw(st.lists(st.sampled_from(window_days), max_size=2))),
        extra_open=tuple(draw(st.lists(dated, max_size=2))),
        extra_closed=tuple(draw(st.lists(dated, max_size=2))),
        overrides=tuple(overrides),
    )
    return spec, lo, hi
