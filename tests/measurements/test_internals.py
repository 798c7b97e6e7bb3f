"""Small pieces of the bulk path: the reader thread, duplicate runs, sequence numbers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from accord.measurements.importers.background import ahead
from accord.measurements.importers.base import unique_runs
from accord.measurements.storage import _positions_in_runs


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


def test_positions_in_runs() -> None:
    assert _positions_in_runs([7, 7, 7, 9, 9, 3]) == [0, 1, 2, 0, 1, 0]
    assert _positions_in_runs([]) == []
