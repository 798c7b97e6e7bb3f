"""Calendar rows → the engine's CalendarSpec, compiled once per evaluation.

Holidays come from the `holidays` package (country and subdivision) for every year the
evaluation touches, plus the calendar's explicit closed dates; dated exceptions become
extra openings and closures; an agreement's temporary changes of service hours become
`CalendarOverride`s, in force only within their dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import holidays

from accord.agreements.models import BUILTIN_24X7, Calendar, TemporaryChange
from accord.engine.calendar import (
    TWENTY_FOUR_SEVEN,
    CalendarOverride,
    CalendarSpec,
    CompiledCalendar,
    compile_calendar,
)
from accord.evaluation.fields import epoch_seconds

YEAR_S = 365 * 86_400
# Temporary changes that have been (or are) in force; a requested or rejected one never was.
CHANGES_IN_FORCE = (
    TemporaryChange.Status.APPROVED,
    TemporaryChange.Status.ACTIVE,
    TemporaryChange.Status.REVERTED,
)


def years_between(start: int, end: int) -> range:
    """Every calendar year [start, end) touches, with a year of margin on each side
    for time zones far from UTC."""
    first = 1970 + max(start, 0) // YEAR_S - 1
    last = 1970 + max(end, 0) // YEAR_S + 2
    return range(max(first, 1970), last + 1)


def calendar_spec(calendar: Calendar, years: Iterable[int]) -> CalendarSpec:
    """The engine's form of a stored calendar, with holidays for `years`."""
    if calendar.builtin and calendar.name == BUILTIN_24X7:
        return TWENTY_FOUR_SEVEN
    weekly = tuple(tuple((int(s), int(e)) for s, e in day) for day in calendar.weekly)
    closed = {date.fromisoformat(text) for text in calendar.holiday_dates}
    if calendar.holiday_country:
        closed.update(
            holidays.country_holidays(
                calendar.holiday_country,
                subdiv=calendar.holiday_subdivision or None,
                years=list(years),
            )
        )
    extra_open: list[tuple[date, int, int]] = []
    extra_closed: list[tuple[date, int, int]] = []
    for exception in calendar.exceptions.all():
        into = extra_open if exception.kind == exception.Kind.OPEN else extra_closed
        into.extend((exception.date, int(s), int(e)) for s, e in exception.intervals)
    return CalendarSpec(
        timezone=calendar.timezone,
        weekly=weekly,
        closed_dates=frozenset(closed),
        extra_open=tuple(extra_open),
        extra_closed=tuple(extra_closed),
    )


def changes_in_force(agreement_id: int) -> list[TemporaryChange]:
    return list(
        TemporaryChange.objects.filter(agreement_id=agreement_id, status__in=CHANGES_IN_FORCE)
        .select_related("service_hours")
        .order_by("start", "id")
    )


@dataclass
class Calendars:
    """Compiles each (calendar, with or without the agreement's changes) once over a range."""

    start: int
    end: int
    changes: Sequence[TemporaryChange] = ()
    _specs: dict[int, CalendarSpec] = field(default_factory=dict)
    _compiled: dict[tuple[int, bool], CompiledCalendar] = field(default_factory=dict)

    def spec(self, calendar: Calendar) -> CalendarSpec:
        if calendar.pk not in self._specs:
            self._specs[calendar.pk] = calendar_spec(calendar, years_between(self.start, self.end))
        return self._specs[calendar.pk]

    def compiled(self, calendar: Calendar, *, with_changes: bool) -> CompiledCalendar:
        """`with_changes`: the agreement's temporary service hours apply within their dates
        (for targets that follow the agreement's service hours)."""
        overrides = self.overrides() if with_changes else ()
        key = (calendar.pk, bool(overrides))
        if key not in self._compiled:
            spec = self.spec(calendar)
            if overrides:
                spec = CalendarSpec(
                    timezone=spec.timezone,
                    weekly=spec.weekly,
                    closed_dates=spec.closed_dates,
                    extra_open=spec.extra_open,
                    extra_closed=spec.extra_closed,
                    overrides=overrides,
                    always_open=spec.always_open,
                )
            self._compiled[key] = compile_calendar(spec, self.start, self.end)
        return self._compiled[key]

    def overrides(self) -> tuple[CalendarOverride, ...]:
        return tuple(
            CalendarOverride(
                epoch_seconds(change.start),
                epoch_seconds(change.end),
                self.spec(change.service_hours),
            )
            for change in self.changes
            if change.service_hours is not None and change.end > change.start
        )
