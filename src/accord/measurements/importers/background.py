"""Running a generator on a thread, a few items ahead of its consumer.

The import reads and parses the next chunk while the caller's thread writes the previous
one: SQLite (inside a statement) and PostgreSQL (waiting for the server) release the
GIL, so the two overlap. The queue is short, so memory stays bounded by a few chunks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()


def ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """The items of `items`, produced on a background thread; its exceptions re-raised."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, payload: Any) -> bool:
        while not stop.is_set():
            try:
                channel.put((kind, payload), timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", _END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put("error", exc)

    thread = threading.Thread(target=produce, name="accord-import-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, payload = channel.get()
            if kind == "end":
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        stop.set()  # the consumer stopped (done, failed or interrupted): so does the producer
        thread.join()
