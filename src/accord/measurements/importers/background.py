"""Running a generator on a thread (or a child process), ahead of its consumer.

The import reads and parses the next chunk while the caller's thread writes the previous
one: SQLite (inside a statement) and PostgreSQL (waiting for the server) release the
GIL, so the two overlap. A large file is parsed in a child process instead, which
contends for no GIL. The queue is short, so memory stays bounded by a few chunks.
"""

from __future__ import annotations

import copyreg
import io
import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from accord.measurements.batches import NOTHING

T = TypeVar("T")
_END = object()
QUEUED = 4  # messages received ahead of the writer (ahead_in_process)


def ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """The items of `items`, produced on a background thread; its exceptions re-raised."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, payload: Any) -> bool:
        return _put_unless_stopped(channel, (kind, payload), stop)

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
        yield from _received(channel.get)
    finally:
        stop.set()  # the consumer stopped (done, failed or interrupted): so does the producer
        thread.join()


def ahead_in_process(items: Iterator[T], *, memo: bool = True) -> Iterator[T]:
    """The items of the (not yet started) generator `items`, produced in a forked child
    process and pickled across a pipe (`memo`: see `_pickled`), ahead of the consumer.

    Parsing then runs on the other core without contending for the GIL, as a thread does
    (on SQLite, inside every statement; on PostgreSQL, at every round trip to the
    server), and the writer pays only for unpickling. The child never touches the database
    (parsing must not) and leaves by `os._exit`, so nothing of the parent's connections
    is closed or flushed twice. A child that dies is an error, never a hang.
    """
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(
        target=_produce_into,
        args=(items, sender, receiver, memo),
        name="accord-import-reader",
        daemon=True,
    )
    process.start()
    sender.close()  # the child's end: EOF here once the child is gone

    # The pipe holds less than one message, so a child done parsing would wait for the
    # writer to start reading; a thread that only receives the bytes (the GIL is free
    # while it waits) lets it run up to QUEUED messages ahead, which evens out batches
    # that take the writer longer (a commit, statistics) or the reader longer.
    arrived: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)
    stop = threading.Event()

    def pump() -> None:
        while True:
            try:
                message: bytes | None = receiver.recv_bytes()
            except (EOFError, OSError):
                message = None  # the child is gone: the consumer is told, if it still asks
            if not _put_unless_stopped(arrived, message, stop) or message is None:
                return

    thread = threading.Thread(target=pump, name="accord-import-receiver", daemon=True)
    thread.start()

    def receive() -> tuple[str, Any]:
        message = arrived.get()
        if message is None:
            raise RuntimeError("the import's reader process stopped unexpectedly")
        result: tuple[str, Any] = pickle.loads(message)
        return result

    try:
        yield from _received(receive)
    finally:
        stop.set()
        if process.is_alive():
            process.terminate()
        process.join()
        thread.join()
        receiver.close()


def _put_unless_stopped(channel: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put `item` on `channel`, waiting for room until `stop` is set (then False): a
    consumer that stopped reading must not leave its producer blocked on a full queue."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
        except queue.Full:
            continue
        return True
    return False


def _received(receive: Callable[[], tuple[str, Any]]) -> Iterator[Any]:
    """The payloads of ("item", payload) messages up to ("end", …); an ("error", exc)
    message raises its exception here, in the consumer."""
    while True:
        kind, payload = receive()
        if kind == "end":
            return
        if kind == "error":
            raise payload
        yield payload


def _produce_into(items: Iterator[Any], sender: Any, receiver: Any, memo: bool) -> None:
    # The parent's end, inherited by the fork: closed, so that a parent that dies (killed)
    # leaves the pipe without a reader and the next send fails, ending this process.
    receiver.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    try:
        for item in items:
            sender.send_bytes(_pickled(("item", item), memo=memo))
        sender.send_bytes(_pickled(("end", None)))
    except BrokenPipeError:  # the parent is gone
        return
    except BaseException as exc:  # handed to the consumer, which re-raises it
        try:
            message = _pickled(("error", exc))
        except Exception:  # an error that does not pickle: its text does
            message = _pickled(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        sender.send_bytes(message)


def _pickled(value: Any, *, memo: bool = True) -> bytes:
    """Pickled, with the read-only empty mapping of rows without extras (a
    mappingproxy, which pickle refuses) sent as the shared one it is.

    `memo=False` (pickle's fast mode; a batch holds no cycle) sends every object as
    often as it is referred to. Remembering each object, to send a repeated one as a
    reference, cost more than the rest of the pickling for batches of distinct strings
    (a million tickets: 0.78 s against 0.21 s without the memo); it pays where batches
    repeat objects. Either way a reducer runs once per object sent, so a column of the
    same object is sent as one (see batches.NoMaps).
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.fast = not memo  # (a cycle would recurse without end)
    pickler.dump(value)
    return buffer.getvalue()


def _reduce_proxy(proxy: MappingProxyType[str, Any]) -> tuple[Any, tuple[dict[str, Any]]]:
    return _read_only, (dict(proxy),)


def _read_only(values: dict[str, Any]) -> Mapping[str, Any]:
    return NOTHING if not values else MappingProxyType(values)
