"""A slow, plainly written reference for availability: one second at a time.

It follows SEMANTICS §4 word for word, with no cleverness, so the vectorised engine can be
checked against it on small ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

Group = tuple[str, ...]
Impact = Callable[[str, int], float]


@dataclass
class Scenario:
    """Everything an availability evaluation needs, in plain Python."""

    depends_on: dict[str, list[str | Group]]  # a tuple is an anyOf group
    outages: list[tuple[str, int, int, float]]  # subject, start, end, impact
    maintenance: list[tuple[str, int, int]] = field(default_factory=list)
    coverage: dict[str, list[tuple[int, int]]] | None = None  # reporting subjects only
    opening: list[tuple[int, int]] = field(default_factory=list)
    periods: list[tuple[int, int]] = field(default_factory=list)
    as_of: int = 0
    exclude_planned: bool = True


@dataclass
class Row:
    scheduled: int
    unknown: int
    downtime: float
    period_scheduled: int


def seconds(intervals: list[tuple[int, int]]) -> set[int]:
    return {t for start, end in intervals for t in range(start, end)}


def reference(scenario: Scenario) -> dict[tuple[str, int], Row]:
    """(subject, period index) → what SEMANTICS §4 says, computed second by second."""
    deps = scenario.depends_on

    def own_impact(subject: str, t: int) -> float:
        if t >= scenario.as_of:
            return 0.0  # an ongoing outage counts up to as_of, and nothing after it
        covering = [w for s, a, b, w in scenario.outages if s == subject and a <= t < b]
        return max(covering, default=0.0)

    def own_maintenance(subject: str, t: int) -> float:
        inside = any(s == subject and a <= t < b for s, a, b in scenario.maintenance)
        return 1.0 if inside else 0.0

    def composed(own: Impact) -> Impact:
        @cache
        def value(subject: str, t: int) -> float:
            best = own(subject, t)
            for dependency in deps.get(subject, []):
                if isinstance(dependency, tuple):
                    passed = min(value(member, t) for member in dependency)
                else:
                    passed = value(dependency, t)
                best = max(best, passed)
            return float(best)

        return value

    impact = composed(own_impact)
    maintained = composed(own_maintenance)
    opening = seconds(scenario.opening)
    names = _names(scenario)
    rows = {}
    for subject in names:
        for index, (start, end) in enumerate(scenario.periods):
            rows[(subject, index)] = _row(
                scenario, subject, opening, start, end, impact, maintained
            )
    return rows


def _row(
    scenario: Scenario,
    subject: str,
    opening: set[int],
    start: int,
    end: int,
    impact: Impact,
    maintained: Impact,
) -> Row:
    scheduled = unknown = period_scheduled = 0
    downtime = 0.0
    coverage = scenario.coverage or {}
    covered = seconds(coverage[subject]) if subject in coverage else None
    for t in range(start, end):
        if t not in opening:
            continue
        if scenario.exclude_planned and maintained(subject, t) > 0:
            continue
        period_scheduled += 1
        if t >= scenario.as_of:
            continue
        scheduled += 1
        if covered is not None and t not in covered:
            unknown += 1
            continue
        downtime += impact(subject, t)
    return Row(scheduled, unknown, downtime, period_scheduled)


def _names(scenario: Scenario) -> list[str]:
    names: dict[str, None] = dict.fromkeys(scenario.depends_on)
    for dependencies in scenario.depends_on.values():
        for dependency in dependencies:
            members = dependency if isinstance(dependency, tuple) else (dependency,)
            names.update(dict.fromkeys(members))
    for subject, *_ in scenario.outages:
        names[subject] = None
    for subject, *_ in scenario.maintenance:
        names[subject] = None
    return list(names)
