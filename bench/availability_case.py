"""Benchmark: availability of 1,000 services from 100,000 outages, one month.

The catalogue is layered like a real estate: 10 infrastructure components (network,
DNS, storage, regions), 190 platform components that each need one or two of them, and
800 business services that need two or three platform components; a quarter of the
services also sit behind a redundant `anyOf` pair of web pools, and one in ten calls
another service. Outages fall mostly on services (application faults), less on the
better-engineered lower layers; a fifth are partial. Every infrastructure and platform
component has agreed monthly maintenance, and a few outages are still ongoing.

`measure()` returns the median seconds of `availability()` (composition through the
graph plus evaluation under office hours with maintenance excluded) over a few runs.
Run on its own: `python bench/availability_case.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

from accord.engine.availability import (
    ONGOING,
    AvailabilityResult,
    Outages,
    SubjectIntervals,
    availability,
    calendar_opening,
)
from accord.engine.calendar import CalendarSpec, compile_calendar, weekly_hours
from accord.engine.dependencies import AnyOf, Dependency, DependencyGraph, build_dependency_graph
from accord.engine.intervals import IntervalSet

MONTH_START = 1_772_323_200  # 2026-03 in Europe/London: 2026-03-01T00:00Z ...
MONTH_END = 1_774_998_000  # ... to 2026-03-31T23:00Z
AS_OF = MONTH_END - 3 * 86_400
N_INFRA, N_PLATFORM, N_SERVICES = 10, 190, 800
N_OUTAGES = 100_000
# Share of outages by layer: infrastructure rarely fails, applications often.
LAYER_SHARE = (0.005, 0.095, 0.90)


@dataclass(frozen=True)
class Case:
    graph: DependencyGraph
    outages: Outages
    maintenance: SubjectIntervals
    opening: IntervalSet


def build_case(seed: int = 7) -> Case:
    rng = np.random.default_rng(seed)
    graph = _graph(rng)
    return Case(graph, _outages(rng, graph), _maintenance(rng, graph), _office_hours())


def _graph(rng: np.random.Generator) -> DependencyGraph:
    infra = [f"infra-{i}" for i in range(N_INFRA)]
    platform = [f"platform-{i}" for i in range(N_PLATFORM)]
    services = [f"service-{i}" for i in range(N_SERVICES)]
    pools = platform[:40]  # web pools, run in redundant pairs
    depends_on: dict[str, list[Dependency]] = {}
    for name in platform:
        depends_on[name] = list(rng.choice(infra, size=rng.integers(1, 3), replace=False))
    for i, name in enumerate(services):
        needs: list[Dependency] = list(rng.choice(platform[40:], rng.integers(2, 4), False))
        if rng.random() < 0.25:
            needs.append(AnyOf(tuple(rng.choice(pools, size=2, replace=False))))
        if i >= 100 and rng.random() < 0.1:
            needs.append(services[int(rng.integers(0, 100))])  # calls a core service
        depends_on[name] = needs
    return build_dependency_graph(depends_on, subjects=infra + platform + services)


def _outages(rng: np.random.Generator, graph: DependencyGraph) -> Outages:
    layer = rng.choice(3, size=N_OUTAGES, p=LAYER_SHARE)
    first = np.array([0, N_INFRA, N_INFRA + N_PLATFORM])
    size = np.array([N_INFRA, N_PLATFORM, N_SERVICES])
    subject = first[layer] + rng.integers(0, size[layer])
    start = rng.integers(MONTH_START - 86_400, AS_OF, N_OUTAGES)
    duration = np.minimum(rng.lognormal(np.log(300), 1.2, N_OUTAGES), 6 * 3600).astype(np.int64)
    end = start + duration + 1
    end[rng.random(N_OUTAGES) < 0.002] = ONGOING
    impact = np.where(rng.random(N_OUTAGES) < 0.8, 1.0, rng.choice([0.25, 0.5, 0.75], N_OUTAGES))
    return Outages.of(subject, start, end, impact)


def _maintenance(rng: np.random.Generator, graph: DependencyGraph) -> SubjectIntervals:
    components = np.repeat(np.arange(N_INFRA + N_PLATFORM), 2)  # two windows a month each
    start = MONTH_START + rng.integers(0, 28, components.size) * 86_400 + 2 * 3600
    return SubjectIntervals.of(components, start, start + 2 * 3600)


def _office_hours() -> IntervalSet:
    """Mon–Fri 08:00–18:00 Europe/London over the month, compiled like any calendar."""
    hours = weekly_hours({day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")})
    calendar = compile_calendar(CalendarSpec("Europe/London", hours), MONTH_START, MONTH_END)
    return calendar_opening(calendar, MONTH_START, MONTH_END)


def run(case: Case, opening: IntervalSet | None = None) -> AvailabilityResult:
    return availability(
        case.graph,
        case.outages,
        case.maintenance,
        opening=case.opening if opening is None else opening,
        periods=([MONTH_START], [MONTH_END]),
        as_of=AS_OF,
        exclude_planned=True,
    )


def measure(runs: int = 7, *, around_the_clock: bool = False) -> float:
    """Median seconds of one availability evaluation of the whole case, under office hours
    (or 24x7, where every outage second is scheduled and so must be composed)."""
    case = build_case()
    opening = IntervalSet.of([MONTH_START], [MONTH_END]) if around_the_clock else None
    run(case, opening)  # warm-up: first-touch page faults are not the engine's cost
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run(case, opening)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> int:
    subjects = N_INFRA + N_PLATFORM + N_SERVICES
    for label, around in (("office hours", False), ("24x7", True)):
        seconds = measure(around_the_clock=around)
        print(
            f"availability, {N_OUTAGES:,} outages over {subjects:,} subjects, one month, "
            f"{label}: {seconds * 1000:.1f} ms (target < 100 ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
