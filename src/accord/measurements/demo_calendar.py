"""The time frame of the demo measurements and their random numbers (see demo.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS_BACK = 6
HOUR = timedelta(hours=1)


def rng(seed: int, *parts: object) -> random.Random:
    """A generator for one day, month or series: the same numbers whatever else is made,
    so a later `--as-of` leaves the earlier days as they were. (A str seed is hashed with
    SHA-512, the same in every process.)"""
    return random.Random(":".join(map(str, (seed, *parts))))


def month_start(instant: datetime | date) -> datetime:
    return datetime(instant.year, instant.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Span:
    """[start, as_of): whole months up to the instant of the demo."""

    start: datetime
    as_of: datetime
    seed: int

    @classmethod
    def ending(cls, as_of: datetime, seed: int, *, also: tuple[datetime, ...] = ()) -> Span:
        """Six months before the month of `as_of`, or earlier to take in each instant of
        `also` (agreed maintenance windows of the last year)."""
        start = add_months(month_start(as_of), -MONTHS_BACK)
        for instant in also:
            if as_of - timedelta(days=366) <= instant < as_of:
                start = min(start, month_start(instant))
        return cls(start, as_of.astimezone(UTC), seed)

    @property
    def current_month(self) -> datetime:
        return month_start(self.as_of)

    def days(self) -> Iterator[date]:
        day = self.start.date()
        while day < self.as_of.date() + timedelta(days=1):
            yield day
            day += timedelta(days=1)

    def months(self) -> Iterator[datetime]:
        month = self.start
        while month <= self.as_of:
            yield month
            month = add_months(month, 1)

    def past_months(self) -> Iterator[datetime]:
        """Months that ended before `as_of`: their stories are fixed for good."""
        return (m for m in self.months() if m < self.current_month)

    def hours(self) -> Iterator[datetime]:
        """The start of every whole hour of the span that ended by `as_of`."""
        hour = self.start
        while hour + HOUR <= self.as_of:
            yield hour
            hour += HOUR


def at(day: date, hours: float) -> datetime:
    """`hours` after midnight UTC of `day`, to the second."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=round(hours * 3600)
    )


def pattern(month: datetime, seed: int, shift: int = 0) -> int:
    """0, 1 or 2, turning month by month: each kind of month recurs every quarter, so six
    months always show each story twice; `shift` lets targets take turns."""
    return (month.year * 12 + month.month + seed + shift) % 3
