"""Small pieces of the bulk path: the reader thread and process, duplicate runs, JSON
columns. (A history's positions within runs of tickets: tests/measurements/test_history.py.)"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Iterator, Mapping, Sequence

import pytest

from accord.measurements.batches import NOTHING, EventBatch, NoMaps, TextMaps, concatenated, picked
from accord.measurements.bulk import COPY_SLICE_ROWS, _copy_rows
from accord.measurements.importers import background
from accord.measurements.importers.background import QUEUED, ahead, ahead_in_process
from accord.measurements.importers.base import unique_runs
from accord.measurements.importers.errors import RowError
from accord.measurements.jsontext import json_column, json_text


def test_items_come_through_in_order() -> None:
    assert list(ahead(iter(range(100)))) == list(range(100))


def test_a_producer_error_reaches_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad chunk")

    with pytest.raises(ValueError, match="bad chunk"):
        list(ahead(failing()))


def test_a_consumer_that_stops_stops_the_producer() -> None:
    produced = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    items = ahead(endless(), depth=2)
    assert next(items) == 0
    items.close()  # the consumer gives up (an error while writing, Ctrl-C)
    assert not [t for t in threading.enumerate() if t.name == "accord-import-reader"]
    assert len(produced) <= 5  # bounded by the queue: memory stays bounded


def test_unique_runs_split_only_at_a_repeated_key() -> None:
    assert unique_runs(["a", "b", "c"]) is None
    assert unique_runs(["a", "b", "a", "c", "b", "b"]) == [[0, 1], [2, 3, 4], [5]]


def test_text_maps_encode_as_json_text_does() -> None:
    maps = TextMaps(
        ["category", 'we{ir}d "key"', "ü"],
        [["a", 'b"', "{x}"], ["1", "2\n", "é"], ["", "z\\", "y"]],
    )
    assert list(maps) == [
        {"category": "a", 'we{ir}d "key"': "1", "ü": ""},
        {"category": 'b"', 'we{ir}d "key"': "2\n", "ü": "z\\"},
        {"category": "{x}", 'we{ir}d "key"': "é", "ü": "y"},
    ]
    assert json_column(maps) == [json_text(m) for m in maps]
    assert json_column(list(maps)[1:]) == [json_text(m) for m in list(maps)[1:]]


@pytest.mark.parametrize("memo", [True, False])
def test_a_reader_process_hands_over_items_in_order(memo: bool) -> None:
    chunk = [{"a": "1"}, NOTHING, NOTHING]
    assert list(ahead_in_process(iter([chunk, chunk]), memo=memo)) == [chunk, chunk]
    received = next(ahead_in_process(iter([[NOTHING, NOTHING]]), memo=memo))
    assert received[0] is NOTHING and received[1] is NOTHING  # the shared empty extras
    maps = TextMaps(["k"], [["x", "y"]])
    (again,) = ahead_in_process(iter([maps]), memo=memo)
    assert isinstance(again, TextMaps) and again == maps and again.columns == maps.columns


def test_a_reader_process_error_reaches_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise RowError("opened_at", "yesterday", "not a date")

    items = ahead_in_process(failing())
    assert next(items) == 1
    with pytest.raises(RowError) as caught:
        next(items)
    assert (caught.value.column, caught.value.value, caught.value.reason) == (
        "opened_at",
        "yesterday",
        "not a date",
    )


def test_a_reader_process_that_dies_is_an_error_not_a_hang() -> None:
    def dying() -> Iterator[int]:
        yield 1
        os._exit(3)

    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        list(ahead_in_process(dying()))


def test_a_consumer_that_stops_early_leaves_no_reader_behind() -> None:
    # The reader runs ahead (QUEUED batches and one more in the pipe) and is then blocked
    # on a full queue: closing the consumer must still end the child and the receiver.
    items = ahead_in_process(iter(range(QUEUED * 10)))
    assert [next(items), next(items)] == [0, 1]
    items.close()
    assert not [t for t in threading.enumerate() if t.name == "accord-import-receiver"]
    assert not multiprocessing.active_children()


def test_a_consumer_that_stops_after_the_reader_ended_is_not_kept_waiting() -> None:
    """The reader sent everything and left while the queue was full: the receiver, told
    of the end, must not wait for room that a consumer which stopped never makes."""
    items = ahead_in_process(iter(range(QUEUED)))
    assert next(items) == 0
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)  # the child has sent the rest and its end
    time.sleep(0.2)  # and the receiver has found the pipe closed
    closing = threading.Thread(target=items.close, daemon=True)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive(), "closing the consumer hung"
    assert not [t for t in threading.enumerate() if t.name == "accord-import-receiver"]


def test_text_maps_make_a_map_only_when_one_is_read() -> None:
    maps = TextMaps(["a", "b"], [["1", "2", "3"], ["x", "y", "z"]])
    assert len(maps) == 3 and maps and not TextMaps(["a"], [[]])
    assert maps[1] == {"a": "2", "b": "y"}
    assert maps[1:] == [{"a": "2", "b": "y"}, {"a": "3", "b": "z"}]
    assert maps == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}, {"a": "3", "b": "z"}]
    assert maps != [{"a": "1", "b": "x"}]
    assert maps[0] is not maps[0]  # made on each read, never kept


def test_copy_rows_are_sent_slice_by_slice_and_row_by_row_where_needed() -> None:
    class Copy:
        def __init__(self) -> None:
            self.sent: list[object] = []

        def write(self, text: str) -> None:
            self.sent.append(text)

        def write_row(self, row: tuple[object, ...]) -> None:
            self.sent.append(row)

    count = COPY_SLICE_ROWS + 2
    # A float only in the last slice: that slice goes to psycopg row by row.
    rows = [(i, "a\tb" if i == 0 else "x") for i in range(count - 1)] + [(count - 1, 0.5)]
    copy = Copy()
    _copy_rows(copy, rows)
    first, *rest = copy.sent
    assert isinstance(first, str) and first.startswith("0\ta\\tb\n1\tx\n")
    assert first.count("\n") == COPY_SLICE_ROWS and first.endswith("\n")
    assert rest == [(COPY_SLICE_ROWS, "x"), (COPY_SLICE_ROWS + 1, 0.5)]


def test_rows_without_extras_cross_to_the_writer_as_their_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader pickles without a memo: each NOTHING of a plain list would be reduced
    by a Python call; a NoMaps is pickled as its length, and stays one when picked."""
    calls: list[object] = []
    reduce_proxy = background._reduce_proxy

    def counted(proxy: object) -> object:
        calls.append(proxy)
        return reduce_proxy(proxy)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "_reduce_proxy", counted)
    extras = NoMaps(5)
    picked_ = picked(extras, [4, 0, 2])
    assert isinstance(picked_, NoMaps) and list(picked_) == [NOTHING] * 3
    for sent in (extras, picked_):
        received = pickle.loads(background._pickled(("item", sent), memo=False))[1]
        assert isinstance(received, NoMaps) and list(received) == list(sent)
        assert all(extra is NOTHING for extra in received)
    assert calls == []
    changed = NoMaps(2)
    changed[1] = {"a": "1"}  # no longer NOTHING throughout: sent as what it holds
    received = pickle.loads(background._pickled(changed, memo=False))
    assert received == [NOTHING, {"a": "1"}] and received[0] is NOTHING


def test_batches_join_column_by_column_keeping_their_kind_of_extras() -> None:
    def events(count: int, extras: Sequence[Mapping[str, str]]) -> EventBatch:
        return EventBatch(*(["x"] * count for _ in range(4)), extras)  # type: ignore[arg-type]

    joined = concatenated([events(2, NoMaps(2)), events(1, NoMaps(1))])
    assert isinstance(joined.attributes, NoMaps) and len(joined.attributes) == 3
    maps = concatenated(
        [events(1, TextMaps(["k"], [["a"]])), events(2, TextMaps(["k"], [["b", "c"]]))]
    )
    assert isinstance(maps.attributes, TextMaps)
    assert list(maps.attributes) == [{"k": "a"}, {"k": "b"}, {"k": "c"}]
    mixed = concatenated([events(1, TextMaps(["k"], [["a"]])), events(2, [{}, {"j": "d"}])])
    assert mixed.attributes == [{"k": "a"}, {}, {"j": "d"}]
    assert mixed.ticket == ["x"] * 3
