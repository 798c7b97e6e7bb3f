"""Availability (SEMANTICS §4): hand-worked cases and a property against the reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.availability import (
    ONGOING,
    AvailabilityResult,
    Coverage,
    Outages,
    SubjectIntervals,
    availability,
    calendar_opening,
    compose_impacts,
    evaluate_availability,
)
from accord.engine.calendar import CalendarSpec, compile_calendar, weekly_hours
from accord.engine.dependencies import (
    AnyOf,
    Dependency,
    DependencyCycleError,
    build_dependency_graph,
)
from accord.engine.intervals import IntervalSet
from tests.engine.reference_availability import Row, Scenario, reference


def run(scenario: Scenario) -> AvailabilityResult:
    """The engine on a reference scenario."""
    depends_on: dict[str, list[Dependency]] = {
        name: [AnyOf(d) if isinstance(d, tuple) else d for d in deps]
        for name, deps in scenario.depends_on.items()
    }
    names = [s for s, *_ in scenario.outages] + [s for s, *_ in scenario.maintenance]
    graph = build_dependency_graph(depends_on, subjects=names)
    index = graph.index
    outages = Outages.of(
        [index[s] for s, *_ in scenario.outages],
        [a for _, a, _, _ in scenario.outages],
        [b for _, _, b, _ in scenario.outages],
        [w for *_, w in scenario.outages],
    )
    maintenance = SubjectIntervals.of(
        [index[s] for s, *_ in scenario.maintenance],
        [a for _, a, _ in scenario.maintenance],
        [b for *_, b in scenario.maintenance],
    )
    coverage = None
    if scenario.coverage is not None:
        listed = [(index[s], a, b) for s, spans in scenario.coverage.items() for a, b in spans]
        coverage = Coverage(
            np.array([index[s] for s in scenario.coverage], dtype=np.int64),
            SubjectIntervals.of(*(list(column) for column in zip(*listed, strict=True)))
            if listed
            else SubjectIntervals.none(),
        )
    opening = (
        IntervalSet.of(*zip(*scenario.opening, strict=True))
        if scenario.opening
        else IntervalSet.empty()
    )
    return availability(
        graph,
        outages,
        maintenance,
        opening=opening,
        periods=tuple(zip(*scenario.periods, strict=True)),  # type: ignore[arg-type]
        as_of=scenario.as_of,
        exclude_planned=scenario.exclude_planned,
        coverage=coverage,
        window=(min(a for a, _ in scenario.periods), max(b for _, b in scenario.periods)),
    )


def row(result: AvailabilityResult, subject: str, period: int = 0) -> Row:
    i = result.names.index(subject)
    return Row(
        int(result.scheduled_s[i, period]),
        int(result.unknown_s[i, period]),
        float(result.downtime_s[i, period]),
        int(result.period_scheduled_s[i, period]),
    )


STORE: dict[str, list[str | tuple[str, ...]]] = {
    "online-store": [("web-a", "web-b"), "orders-db", "payment-gateway"],
    "web-a": ["cloud-hosting"],
    "web-b": ["cloud-hosting"],
    "orders-db": ["cloud-hosting"],
    "warehouse-system": ["orders-db"],
}

# (what it shows, scenario, subject, expected (scheduled, unknown, downtime, period scheduled))
CASES = [
    (
        "overlapping partial outages: the largest impact wins where they overlap",
        Scenario(
            {"svc": []},
            [("svc", 0, 100, 0.5), ("svc", 50, 150, 0.8)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "svc",
        Row(1000, 0, 50 * 0.5 + 100 * 0.8, 1000),
    ),
    (
        "a partial outage inside a full one adds nothing",
        Scenario(
            {"svc": []},
            [("svc", 0, 100, 1.0), ("svc", 20, 40, 0.3)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "svc",
        Row(1000, 0, 100.0, 1000),
    ),
    (
        "anyOf: down only while every member is down",
        Scenario(
            STORE,
            [("web-a", 0, 100, 1.0), ("web-b", 50, 150, 1.0)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "online-store",
        Row(1000, 0, 50.0, 1000),
    ),
    (
        "anyOf with partial members passes on the smallest impact",
        Scenario(
            STORE,
            [("web-a", 0, 100, 0.5), ("web-b", 0, 100, 0.3)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "online-store",
        Row(1000, 0, 30.0, 1000),
    ),
    (
        "a required dependency passes its impact on, recursively",
        Scenario(
            STORE,
            [("cloud-hosting", 10, 70, 1.0)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "online-store",
        Row(1000, 0, 60.0, 1000),
    ),
    (
        "maintenance of one member of a redundant group excuses nothing",
        Scenario(
            STORE,
            [("web-a", 0, 100, 1.0), ("web-b", 50, 80, 1.0)],
            maintenance=[("web-a", 0, 100)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "online-store",
        Row(1000, 0, 30.0, 1000),
    ),
    (
        "maintenance of a required dependency is excused where planned work is excluded",
        Scenario(
            STORE,
            [("orders-db", 100, 160, 1.0), ("orders-db", 300, 310, 1.0)],
            maintenance=[("orders-db", 90, 200)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "warehouse-system",
        Row(890, 0, 10.0, 890),
    ),
    (
        "without excludePlanned, maintenance excuses nothing and outages in it count",
        Scenario(
            STORE,
            [("orders-db", 100, 160, 1.0), ("orders-db", 300, 310, 1.0)],
            maintenance=[("orders-db", 90, 200)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
            exclude_planned=False,
        ),
        "warehouse-system",
        Row(1000, 0, 70.0, 1000),
    ),
    (
        "an ongoing outage counts up to as_of; the period's future is scheduled, not yet measured",
        Scenario(
            {"svc": []},
            [("svc", 600, ONGOING, 1.0)],
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=700,
        ),
        "svc",
        Row(700, 0, 100.0, 1000),
    ),
    (
        "seconds without monitoring coverage are unknown, in neither numerator nor denominator",
        Scenario(
            {"svc": []},
            [("svc", 0, 100, 1.0), ("svc", 500, 600, 1.0)],
            coverage={"svc": [(0, 400)]},
            opening=[(0, 1000)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "svc",
        Row(1000, 600, 100.0, 1000),
    ),
    (
        "only opening hours are scheduled (several intervals a day)",
        Scenario(
            {"svc": []},
            [("svc", 50, 250, 1.0)],
            opening=[(0, 100), (200, 300), (400, 500)],
            periods=[(0, 1000)],
            as_of=1000,
        ),
        "svc",
        Row(300, 0, 100.0, 300),
    ),
]


@pytest.mark.parametrize(
    ("what", "scenario", "subject", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_hand_worked(what: str, scenario: Scenario, subject: str, expected: Row) -> None:
    assert row(run(scenario), subject) == expected
    by_hand = reference(scenario)[(subject, 0)]  # the reference agrees with the hand too
    assert by_hand == Row(
        expected.scheduled,
        expected.unknown,
        pytest.approx(expected.downtime),
        expected.period_scheduled,
    )


def test_availability_percent_and_rows() -> None:
    scenario = Scenario(
        {"svc": []},
        [("svc", 0, 2592, 1.0)],
        opening=[(0, 2_592_000)],
        periods=[(0, 2_592_000)],
        as_of=2_592_000,
    )
    result = run(scenario)
    assert result.percent("svc") == 99.9  # multiplied before dividing: exactly 99.9
    (only,) = result.rows()
    assert only.availability == 99.9 and only.downtime_s == 2592.0


def test_no_measured_time_has_no_availability() -> None:
    scenario = Scenario({"svc": []}, [], opening=[(0, 100)], periods=[(200, 300)], as_of=300)
    assert run(scenario).percent("svc") is None


def test_several_periods_split_an_outage() -> None:
    scenario = Scenario(
        {"svc": []},
        [("svc", 90, 120, 1.0)],
        opening=[(0, 300)],
        periods=[(0, 100), (100, 200), (200, 300)],
        as_of=300,
    )
    result = run(scenario)
    assert result.downtime_s[0].tolist() == [10.0, 20.0, 0.0]
    assert result.scheduled_s[0].tolist() == [100, 100, 100]


def test_northwind_patching_window() -> None:
    """orders-db is patched 01:00-03:00 on 8 March 2026 and goes down for 40 minutes of it."""
    march = (1_772_323_200, 1_774_998_000)  # 2026-03 in Europe/London
    patch = (1_772_931_600, 1_772_938_800)
    scenario = Scenario(
        STORE,
        [
            ("orders-db", patch[0] + 600, patch[0] + 3000, 1.0),
            ("payment-gateway", patch[1], patch[1] + 900, 1.0),
        ],
        maintenance=[("orders-db", *patch)],
        opening=[march],
        periods=[march],
        as_of=march[1],
    )
    result = run(scenario)
    assert row(result, "online-store") == Row(
        march[1] - march[0] - 7200, 0, 900.0, march[1] - march[0] - 7200
    )
    assert row(result, "payment-gateway").downtime == 900.0


def test_composed_profile_and_maintenance_are_exposed() -> None:
    graph = build_dependency_graph({"app": ["db"]})
    outages = Outages.of([graph.subject("db")], [10], [20], [0.5])
    maintenance = SubjectIntervals.of([graph.subject("db")], [50], [60])
    composed = compose_impacts(graph, outages, maintenance, window=(0, 100), as_of=100)
    profile = composed.profile("app")
    assert (profile.starts.tolist(), profile.ends.tolist(), profile.weights.tolist()) == (
        [10],
        [20],
        [0.5],
    )
    assert composed.maintenance_of("app").starts.tolist() == [50]
    result = evaluate_availability(
        composed,
        opening=IntervalSet.of([0], [100]),
        periods=([0], [100]),
        exclude_planned=True,
        subjects=["app"],
    )
    assert result.names == ("app",) and float(result.downtime_s[0, 0]) == 5.0


def test_ledger_of_a_subject_gives_downtime_in_any_window() -> None:
    scenario = Scenario(
        {"svc": []}, [("svc", 100, 200, 0.5)], opening=[(0, 1000)], periods=[(0, 1000)], as_of=1000
    )
    bad, total = run(scenario).ledger_of("svc").window([0, 150, 500], [1000, 250, 600])
    assert bad.tolist() == [50.0, 25.0, 0.0] and total.tolist() == [1000.0, 100.0, 100.0]


def test_cycles_are_rejected_naming_the_cycle() -> None:
    with pytest.raises(DependencyCycleError, match="a → b → c → a") as raised:
        build_dependency_graph({"a": ["b"], "b": [AnyOf(("c", "d"))], "c": ["a"]})
    assert raised.value.cycle == ("a", "b", "c", "a")
    with pytest.raises(DependencyCycleError, match="self → self"):
        build_dependency_graph({"self": ["self"]})


def test_graph_building() -> None:
    graph = build_dependency_graph({"app": ["db", AnyOf(("web-a", "web-b")), "db"]})
    assert graph.names == ("app", "db", "web-a", "web-b")
    assert graph.depth.tolist() == [1, 0, 0, 0]
    assert graph.dependencies_of(0) == ([1], [[2, 3]])
    with pytest.raises(ValueError, match="without members"):
        build_dependency_graph({"app": [AnyOf(())]})
    with pytest.raises(KeyError, match="nope"):
        graph.subject("nope")


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Small random graphs (each subject depends only on later ones, so no cycles)."""
    names = [f"s{i}" for i in range(draw(st.integers(1, 5)))]
    depends_on: dict[str, list[str | tuple[str, ...]]] = {}
    for i, name in enumerate(names):
        later = names[i + 1 :]
        deps: list[str | tuple[str, ...]] = []
        if later:
            deps += draw(st.lists(st.sampled_from(later), max_size=2, unique=True))
            if draw(st.booleans()):
                deps.append(
                    tuple(
                        draw(st.lists(st.sampled_from(later), min_size=1, max_size=3, unique=True))
                    )
                )
        depends_on[name] = deps
    span = st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted).map(tuple)
    impact = st.sampled_from([0.25, 0.5, 1.0]) | st.floats(0.01, 1.0)
    outages = draw(st.lists(st.tuples(st.sampled_from(names), span, impact), max_size=8))
    maintenance = draw(st.lists(st.tuples(st.sampled_from(names), span), max_size=3))
    coverage = None
    if draw(st.booleans()):
        reporting = draw(st.lists(st.sampled_from(names), unique=True))
        coverage = {s: [draw(span) for _ in range(draw(st.integers(0, 2)))] for s in reporting}
    cut = draw(st.integers(1, 59))
    return Scenario(
        depends_on,
        [(s, a, b, w) for s, (a, b), w in outages],
        [(s, a, b) for s, (a, b) in maintenance],
        coverage,
        opening=draw(st.lists(span, max_size=3)),
        periods=[(0, cut), (cut, 60)],
        as_of=draw(st.integers(0, 70)),
        exclude_planned=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_matches_the_second_by_second_reference(scenario: Scenario) -> None:
    result = run(scenario)
    expected = reference(scenario)
    percent = result.availability_percent()
    for (subject, period), want in expected.items():
        got = row(result, subject, period)
        assert (got.scheduled, got.unknown, got.period_scheduled) == (
            want.scheduled,
            want.unknown,
            want.period_scheduled,
        )
        assert got.downtime == pytest.approx(want.downtime, abs=1e-9)
        value = percent[result.names.index(subject), period]
        assert np.isnan(value) or 0.0 <= value <= 100.0


def test_scheduled_time_under_a_compiled_calendar() -> None:
    """uk-office-hours in March 2026: 22 weekdays of 10 h, clocks change on Sunday 29th."""
    march = (1_772_323_200, 1_774_998_000)
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    spec = CalendarSpec("Europe/London", weekly_hours({day: ["08:00-18:00"] for day in weekdays}))
    opening = calendar_opening(compile_calendar(spec, *march), *march)
    graph = build_dependency_graph({"svc": []})
    tuesday_3rd_9am = march[0] + 2 * 86_400 + 9 * 3600
    outages = Outages.of([0], [tuesday_3rd_9am - 7200], [tuesday_3rd_9am + 1800])
    result = availability(
        graph,
        outages,
        SubjectIntervals.none(),
        opening=opening,
        periods=([march[0]], [march[1]]),
        as_of=march[1],
        exclude_planned=True,
    )
    assert int(result.scheduled_s[0, 0]) == 22 * 10 * 3600
    assert float(result.downtime_s[0, 0]) == 5400.0  # 08:00-09:30 of the outage is in hours


def test_evaluating_outside_the_composed_hours_is_refused() -> None:
    graph = build_dependency_graph({"svc": []})
    composed = compose_impacts(
        graph,
        Outages.of([0], [0], [10]),
        SubjectIntervals.none(),
        window=(0, 100),
        as_of=100,
        within=IntervalSet.of([0], [50]),
    )
    with pytest.raises(ValueError, match="outside the instants"):
        evaluate_availability(
            composed, opening=IntervalSet.of([0], [100]), periods=([0], [100]), exclude_planned=True
        )
