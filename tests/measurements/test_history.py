"""Merging incoming events into a stored history (pure, no database)."""

from __future__ import annotations

from accord.measurements.batches import EventRow
from accord.measurements.history import by_instant, plan_history


def event(at: str, state: str = "in-progress", **attributes: str) -> EventRow:
    return EventRow("T1", f"2025-01-01 {at}", state, "3", attributes)


def stored(*events: EventRow) -> list[tuple[int, EventRow]]:
    return list(enumerate(events))


def test_a_first_history_is_sorted_by_instant_keeping_file_order_on_ties() -> None:
    a, b, c = event("10:00:00", "new"), event("09:00:00", "x"), event("09:00:00", "y")
    plan = plan_history([], [a, b, c], by_instant)
    assert plan.merged == [b, c, a]
    assert plan.new == [(0, b), (1, c), (2, a)]
    assert not plan.renumber


def test_the_same_history_again_adds_nothing() -> None:
    history = [event("09:00:00", "new"), event("10:00:00")]
    plan = plan_history(stored(*history), history, by_instant)
    assert (plan.new, plan.unchanged, plan.renumber) == ([], 2, False)


def test_a_later_export_appends_only_the_new_events() -> None:
    old = [event("09:00:00", "new"), event("10:00:00")]
    later = event("11:00:00", "resolved")
    plan = plan_history(stored(*old), [*old, later], by_instant)
    assert plan.new == [(2, later)]
    assert plan.unchanged == 2


def test_an_incremental_export_appends_too() -> None:
    old = [event("09:00:00", "new"), event("10:00:00")]
    later = event("11:00:00", "resolved")
    plan = plan_history(stored(*old), [later], by_instant)
    assert (plan.new, plan.unchanged) == ([(2, later)], 0)


def test_a_late_event_that_sorts_earlier_renumbers_the_history() -> None:
    old = [event("09:00:00", "new"), event("11:00:00", "resolved")]
    late = event("10:00:00")
    plan = plan_history(stored(*old), [late], by_instant)
    assert plan.renumber
    assert plan.merged == [old[0], late, old[1]]
    assert plan.new == [(1, late)]


def test_identical_events_count_as_a_multiset() -> None:
    twice = event("09:00:00", "new")
    plan = plan_history(stored(twice), [twice, twice], by_instant)
    assert (len(plan.new), plan.unchanged) == (1, 1)


def test_attributes_are_part_of_an_events_identity() -> None:
    old = event("09:00:00", group="a")
    moved = event("09:00:00", group="b")
    plan = plan_history(stored(old), [moved], by_instant)
    assert plan.new == [(1, moved)]  # same instant: stored first, then the new one
