"""Merging incoming events into a stored history, and encoding a history as the one row
that stores it (pure, no database)."""

from __future__ import annotations

import json

import pytest

from accord.measurements.batches import EventBatch, EventRow, TextMaps
from accord.measurements.history import (
    HistoryBatch,
    HistoryColumns,
    HistoryText,
    by_instant,
    decode_history,
    encode_histories,
    encode_history,
    plan_history,
    prepare_histories,
)


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


# Stored as one row: each field a JSON array (encode_history / encode_histories /
# decode_history).

AWKWARD = [
    'say "hi"',
    "back\\slash",
    "record\x1eseparator",
    "tab\there",
    "new\nline",
    "ünï € 😀",
    'a", "b',  # the separators of the arrays, inside a value
    '"]\x1e["',
    "\\u001e",
    "",
]


def row(ticket: str, at: str, state: str, priority: str = "3", **attributes: object) -> EventRow:
    return EventRow(ticket, at, state, priority, attributes)


def decoded(text: HistoryText) -> list[tuple[str, str, str, dict[str, object]]]:
    return decode_history(*text)


def test_a_history_of_awkward_strings_comes_back_unchanged() -> None:
    events = [
        row("T1", f"2025-01-01 09:{i:02d}:00", text or "new", text, note=text)
        for i, text in enumerate(AWKWARD)
    ]
    events.append(row("T1", "2025-01-01 10:00:00.123456", "\x1e", "", **{'k\x1e"': "\x1e"}))
    text = encode_history(events)
    assert text.size == len(events)
    for column in text[1:]:
        assert "\x1e" not in column  # the mark between runs never reaches the database
    assert json.loads(text.instants) == [e.at for e in events]
    assert json.loads(text.states) == [e.state for e in events]
    assert json.loads(text.priorities) == [e.priority for e in events]
    assert text.attributes is not None
    assert json.loads(text.attributes) == [dict(e.attributes) for e in events]
    assert decoded(text) == [(e.at, e.state, e.priority, dict(e.attributes)) for e in events]


def test_attributes_are_null_when_no_event_has_any_else_empty_for_those_without() -> None:
    plain = [row("T1", "2025-01-01 09:00:00", "new"), row("T1", "2025-01-01 09:05:00", "closed")]
    text = encode_history(plain)
    assert text.attributes is None
    assert decoded(text) == [
        ("2025-01-01 09:00:00", "new", "3", {}),
        ("2025-01-01 09:05:00", "closed", "3", {}),
    ]
    mixed = [
        plain[0],
        row("T1", "2025-01-01 09:01:00", "in-progress", group="desk", n=2, nested={"a": [1, None]}),
        plain[1],
    ]
    text = encode_history(mixed)
    assert text.attributes is not None
    assert json.loads(text.attributes) == [
        {},
        {"group": "desk", "n": 2, "nested": {"a": [1, None]}},
        {},
    ]
    assert [extra for *_, extra in decoded(text)] == [
        {},
        {"group": "desk", "n": 2, "nested": {"a": [1, None]}},
        {},
    ]


def texts_of(columns: HistoryColumns) -> list[HistoryText]:
    return list(map(HistoryText, *columns))


def test_encode_histories_makes_one_history_per_run() -> None:
    # Runs of 3, 1, 2 and 1 events.
    starts = [0, 3, 4, 6]
    instants = [f"2025-01-01 09:0{i}:00" for i in range(7)]
    states = ["new", 'q"uote', "closed", "new", "new", "back\\slash", "x\x1ey"]
    priorities = ["1", "1", "2", "", "3", "3", "4"]
    attributes: list[dict[str, object]] = [{}, {}, {}, {}, {}, {"k": "v\x1e"}, {}]
    texts = texts_of(encode_histories(starts, instants, states, priorities, attributes))
    assert [t.size for t in texts] == [3, 1, 2, 1]
    runs = [slice(0, 3), slice(3, 4), slice(4, 6), slice(6, 7)]
    for text, run in zip(texts, runs, strict=True):
        assert json.loads(text.instants) == instants[run]
        assert json.loads(text.states) == states[run]
        assert json.loads(text.priorities) == priorities[run]
        assert decoded(text) == list(
            zip(instants[run], states[run], priorities[run], attributes[run], strict=True)
        )
    # Only the run with an event that has attributes stores them.
    assert [t.attributes is None for t in texts] == [True, True, False, True]
    assert json.loads(texts[2].attributes or "") == [{}, {"k": "v\x1e"}]
    # Each run is the history encode_history makes of it alone.
    for text, run in zip(texts, runs, strict=True):
        alone = [
            EventRow("T", *fields)
            for fields in zip(
                instants[run], states[run], priorities[run], attributes[run], strict=True
            )
        ]
        assert encode_history(alone) == text
    assert encode_histories([], [], [], [], []) == ([], [], [], [], [])


def test_encode_histories_reads_attributes_column_wise_as_from_maps() -> None:
    """The importer's attributes arrive as TextMaps (the extra columns of a CSV chunk)."""
    maps = TextMaps(["group", 'we"ird'], [["desk", "net", "a\\b"], ["1", "", "\x1e"]])
    args = ([0, 2], ["2025-01-01 09:00:00"] * 3, ["new"] * 3, ["3"] * 3)
    from_maps = texts_of(encode_histories(*args, maps))
    assert from_maps == texts_of(encode_histories(*args, list(maps)))
    assert [json.loads(t.attributes or "") for t in from_maps] == [list(maps)[:2], list(maps)[2:]]


def batch_of(*events: tuple[str, str, str]) -> EventBatch:
    """(ticket, instant, state) events, priority 3, no attributes."""
    tickets, instants, states = ([event[i] for event in events] for i in range(3))
    return EventBatch(tickets, instants, states, ["3"] * len(events), [{}] * len(events))


def instants_of(prepared: HistoryBatch) -> dict[str, list[str]]:
    return {
        ticket: json.loads(prepared.history(k).instants) for k, ticket in enumerate(prepared.ticket)
    }


def test_a_batch_in_order_is_grouped_as_it_is() -> None:
    prepared = prepare_histories(
        batch_of(("B", "09:00", "new"), ("B", "09:05", "closed"), ("A", "08:00", "new"))
    )
    assert prepared.ticket == ["B", "A"] and prepared.order is None
    assert instants_of(prepared) == {"B": ["09:00", "09:05"], "A": ["08:00"]}
    assert [prepared.positions([k]) for k in range(2)] == [[0, 1], [2]]
    assert prepared.positions([1, 0]) == [2, 0, 1]


def test_only_the_tickets_out_of_order_are_sorted_ties_keeping_file_order() -> None:
    prepared = prepare_histories(
        batch_of(
            ("A", "09:00", "new"),
            ("A", "08:00", "first"),
            ("A", "08:00", "second"),
            ("B", "07:00", "new"),  # earlier than A's, but another ticket: stays after A
            ("B", "07:30", "closed"),
        )
    )
    assert prepared.ticket == ["A", "B"]
    assert instants_of(prepared) == {"A": ["08:00", "08:00", "09:00"], "B": ["07:00", "07:30"]}
    assert json.loads(prepared.history(0).states) == ["first", "second", "new"]
    assert prepared.positions([0]) == [1, 2, 0] and prepared.positions([1]) == [3, 4]


def test_a_tickets_events_apart_are_brought_together_in_order_of_first_appearance() -> None:
    prepared = prepare_histories(
        batch_of(
            ("A", "09:00", "new"),
            ("B", "07:00", "new"),
            ("A", "10:00", "closed"),
            ("B", "06:00", "earlier"),
        )
    )
    assert prepared.ticket == ["A", "B"]
    assert instants_of(prepared) == {"A": ["09:00", "10:00"], "B": ["06:00", "07:00"]}
    assert prepared.positions([0]) == [0, 2] and prepared.positions([1]) == [3, 1]
    assert prepare_histories(batch_of()) == HistoryBatch([], ([], [], [], [], []), None)


def test_a_history_whose_fields_disagree_in_length_is_refused() -> None:
    text = encode_history([row("T1", "2025-01-01 09:00:00", "new", a="1")])
    good = decode_history(*text)
    assert good == [("2025-01-01 09:00:00", "new", "3", {"a": "1"})]
    two = '["x", "y"]'
    for bad in (
        text._replace(size=2),
        text._replace(size=0),
        text._replace(instants='["2025-01-01 09:00:00", "2025-01-01 09:01:00"]'),
        text._replace(states=two),
        text._replace(priorities="[]"),
        text._replace(attributes="[{}, {}]"),
    ):
        with pytest.raises(ValueError, match="other lengths"):
            decode_history(*bad)
