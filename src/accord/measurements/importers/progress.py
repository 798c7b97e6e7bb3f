"""A progress bar on a terminal: bytes read of the file, rows per second."""

from __future__ import annotations

import time
from typing import Protocol

WIDTH = 30
INTERVAL = 0.2  # seconds between redraws; a terminal redrawn per row slows the import


class Stream(Protocol):
    def write(self, text: str) -> object: ...
    def flush(self) -> None: ...


class ProgressBar:
    def __init__(self, stream: Stream | None, label: str, total_bytes: int) -> None:
        self.stream = stream
        self.label = label
        self.total = max(total_bytes, 1)
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def update(self, done_bytes: int, rows: int) -> None:
        now = time.monotonic()
        if self.stream is None or now - self._drawn_at < INTERVAL:
            return
        self._drawn_at = now
        self._draw(done_bytes, rows, now)

    def finish(self, rows: int) -> None:
        if self.stream is not None and self._drawn:
            self._draw(self.total, rows, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, done_bytes: int, rows: int, now: float) -> None:
        assert self.stream is not None
        share = min(done_bytes / self.total, 1.0)
        filled = int(share * WIDTH)
        bar = "█" * filled + "·" * (WIDTH - filled)
        elapsed = max(now - self.started, 1e-9)
        mib = f"{done_bytes / 2**20:.1f}/{self.total / 2**20:.1f} MiB"
        text = f"\r{self.label} {bar} {share:4.0%} {mib} {rows / elapsed:,.0f} rows/s"
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True
