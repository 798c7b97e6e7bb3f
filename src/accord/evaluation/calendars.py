"""Calendar rows → the engine's CalendarSpec, compiled once per evaluation.

Holidays come from the `holidays` package (country and subdivision) for every year the
evaluation touches, plus the calendar's explicit closed dates; dated exceptions become
extra openings and closures; an agreement's temporary changes of service hours become
`CalendarOverride`s, in force only within their dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import holidays
import numpy as np

from accord.agreements.models import (
    BUILTIN_24X7,
    Calendar,
    CalendarException,
    CalendarVersion,
    TemporaryChange,
)
from accord.engine.calendar import (
    TWENTY_FOUR_SEVEN,
    CalendarOverride,
    CalendarSpec,
    CompiledCalendar,
    compile_calendar,
)
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.loading import IntArray

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


def calendar_spec(calendar: Calendar | CalendarVersion, years: Iterable[int]) -> CalendarSpec:
    """The engine's form of a stored calendar (or of one of its earlier versions), with
    holidays for `years`."""
    if isinstance(calendar, Calendar) and calendar.builtin and calendar.name == BUILTIN_24X7:
        return TWENTY_FOUR_SEVEN
    terms = calendar.terms()
    weekly = tuple(tuple((int(s), int(e)) for s, e in day) for day in terms["weekly"])
    closed = {date.fromisoformat(text) for text in terms["holiday_dates"]}
    if terms["holiday_country"]:
        closed.update(
            holidays.country_holidays(
                terms["holiday_country"],
                subdiv=terms["holiday_subdivision"] or None,
                years=list(years),
            )
        )
    extra: dict[str, list[tuple[date, int, int]]] = {kind: [] for kind in CalendarException.Kind}
    for exception in terms["exceptions"]:
        day = date.fromisoformat(exception["date"])
        extra[exception["kind"]] += [(day, int(s), int(e)) for s, e in exception["intervals"]]
    return CalendarSpec(
        timezone=terms["timezone"],
        weekly=weekly,
        closed_dates=frozenset(closed),
        extra_open=tuple(extra[CalendarException.Kind.OPEN]),
        extra_closed=tuple(extra[CalendarException.Kind.CLOSED]),
    )


def changes_in_force(agreement_id: int) -> list[TemporaryChange]:
    return list(
        TemporaryChange.objects.filter(agreement_id=agreement_id, status__in=CHANGES_IN_FORCE)
        .select_related("service_hours")
        .order_by("start", "id")
    )


@dataclass
class Calendars:
    """Compiles each (calendar, with or without the agreement's changes, version) once
    over a range.

    Calendars are effective-dated (SEMANTICS §10). A calendar's *versions* are its
    earlier hours, each in force until the next, and its current ones. `compiled(…)`
    gives the hours in force at each instant (availability, scheduled time);
    `compiled(…, version=k)` one version's hours throughout, for ticket clocks, which
    keep the hours in force at their start (`version_of`)."""

    start: int
    end: int
    changes: Sequence[TemporaryChange] = ()
    _versions: dict[int, list[tuple[int, CalendarSpec]]] = field(default_factory=dict)
    _compiled: dict[tuple[int, bool, int | None], CompiledCalendar] = field(default_factory=dict)

    def versions(self, calendar: Calendar) -> list[tuple[int, CalendarSpec]]:
        """(in force from, hours) of each version, oldest first (the first from 0)."""
        if calendar.pk not in self._versions:
            years = years_between(self.start, self.end)
            found, since = [], 0
            if not calendar.builtin:
                for earlier in calendar.versions.order_by("until"):
                    found.append((since, calendar_spec(earlier, years)))
                    since = epoch_seconds(earlier.until)
            found.append((since, calendar_spec(calendar, years)))
            self._versions[calendar.pk] = found
        return self._versions[calendar.pk]

    def version_of(self, calendar: Calendar, instants: IntArray) -> IntArray:
        """The index of the version in force at each instant."""
        starts = np.array([since for since, _ in self.versions(calendar)], np.int64)
        return np.maximum(np.searchsorted(starts, instants, "right") - 1, 0).astype(np.int64)

    def spec(self, calendar: Calendar) -> CalendarSpec:
        """The hours in force at each instant: the current ones, the earlier versions as
        overrides within their dates."""
        versions = self.versions(calendar)
        *earlier, (_, current) = versions
        if not earlier:
            return current
        overrides = tuple(
            CalendarOverride(since, versions[k + 1][0], spec)
            for k, (since, spec) in enumerate(earlier)
            if versions[k + 1][0] > since
        )
        return replace(current, overrides=overrides)

    def compiled(
        self, calendar: Calendar, *, with_changes: bool, version: int | None = None
    ) -> CompiledCalendar:
        """`with_changes`: the agreement's temporary service hours apply within their dates
        (for targets that follow the agreement's service hours). `version`: that
        version's hours throughout, else those in force at each instant."""
        overrides = self.overrides() if with_changes else ()
        key = (calendar.pk, bool(overrides), version)
        if key not in self._compiled:
            spec = self.spec(calendar) if version is None else self.versions(calendar)[version][1]
            if overrides:
                spec = replace(spec, overrides=(*spec.overrides, *overrides))
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
