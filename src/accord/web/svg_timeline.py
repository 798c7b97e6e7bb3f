"""One ticket clock's explanation as a picture: a band of segments over a time axis and,
below it, the business time elapsed climbing towards the threshold.

Everything drawn comes from `accord.evaluation.explaining` (the engine's explanation):
the segments, totals and breach instant. Warning instants are the instants the running
total passes each warning level, read off the same segments; the levels themselves come
from the engine's `ClockWarning`, so they are the evaluation's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from accord.engine.clocks import ClockWarning
from accord.engine.explain import Explanation, Segment
from accord.evaluation.clocks import warnings_of
from accord.evaluation.explaining import ClockExplanation

WIDTH = 960
LEFT = 16
RIGHT = 16
BAND_Y = 28
BAND_H = 40
CURVE_Y = 96
CURVE_H = 120
AXIS_Y = CURVE_Y + CURVE_H + 8
HEIGHT = AXIS_Y + 34


@dataclass(frozen=True)
class Warning:
    label: str
    level: int  # business seconds
    at: int | None  # the instant the running total passed the level; None: not (yet)


@dataclass
class Mark:
    x: float
    label: str
    at: str
    label_y: float = 80.0


@dataclass
class Band:
    x: float
    w: float
    kind: str
    label: str
    title: str


@dataclass
class Timeline:
    width: int = WIDTH
    height: int = HEIGHT
    bands: list[Band] = field(default_factory=list)
    curve: str = ""
    threshold_y: float = 0.0
    warning_levels: list[tuple[float, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    breach: Mark | None = None
    projected: Band | None = None
    ticks: list[Mark] = field(default_factory=list)
    now: Mark | None = None


def clock_warnings(found: ClockExplanation) -> list[Warning]:
    e = found.explanation
    percents, leads, labels = warnings_of(found.terms.target)
    specs = [ClockWarning(percent=p) for p in percents] + [ClockWarning(lead=x) for x in leads]
    out = np.zeros(1, dtype=np.int64)
    warnings = []
    for spec, label in zip(specs, labels, strict=True):
        level = int(spec.threshold(np.array([e.threshold], dtype=np.int64), out)[0])
        warnings.append(Warning(label, level, instant_reaching(e.segments, level)))
    return warnings


def instant_reaching(segments: tuple[Segment, ...], level: int) -> int | None:
    """The first instant at which elapsed business time exceeds `level` (SEMANTICS §2:
    the infimum of t with elapsed(t) > level). Inside a running segment every second is
    a service-hours second, so the instant is found by subtraction."""
    for s in segments:
        before = s.elapsed_after - (s.business_seconds if s.kind == "running" else 0)
        if s.kind == "running" and before <= level < s.elapsed_after:
            return s.start + (level - before)
    return None


def timeline(found: ClockExplanation, warnings: list[Warning], zone: ZoneInfo) -> Timeline:
    e = found.explanation
    start = e.start
    end = max(e.end, e.breach_at or 0, start + 60)
    scale = (WIDTH - LEFT - RIGHT) / (end - start)

    def x_of(t: int) -> float:
        return round(LEFT + (t - start) * scale, 2)

    def when(t: int) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%Y-%m-%d %H:%M %Z")

    top = max(e.threshold, e.business_elapsed, 1)

    def y_of(elapsed: int) -> float:
        return round(CURVE_Y + CURVE_H - elapsed / top * CURVE_H, 2)

    picture = Timeline(threshold_y=y_of(e.threshold))
    points = [f"{x_of(start)},{y_of(0)}"]
    for s in e.segments:
        label = _label(s)
        picture.bands.append(
            Band(
                x_of(s.start),
                max(x_of(s.end) - x_of(s.start), 0.5),
                s.kind,
                label,
                f"{when(s.start)} – {when(s.end)}: {label}",
            )
        )
        points.append(f"{x_of(s.end)},{y_of(s.elapsed_after)}")
    picture.curve = " ".join(points)
    if e.end < end:  # an open clock: the breach instant ahead, if nothing pauses it
        picture.projected = Band(
            x_of(e.end),
            x_of(end) - x_of(e.end),
            "projected",
            "projected",
            f"from {when(e.end)}: not yet happened",
        )
        picture.now = Mark(x_of(e.end), "as of", when(e.end))
    for w in warnings:
        picture.warning_levels.append((y_of(w.level), w.label))
        if w.at is not None:
            picture.marks.append(Mark(x_of(w.at), w.label, when(w.at)))
    _stagger(picture.marks)
    if e.breach_at is not None:
        label = "breach" if e.breach_at <= e.end else "breach if nothing pauses it"
        picture.breach = Mark(x_of(e.breach_at), label, when(e.breach_at))
    picture.ticks = [Mark(x_of(t), "", when(t)) for t in _ticks(start, end)]
    return picture


def _stagger(marks: list[Mark], room: float = 70.0) -> None:
    """Warning labels that would overlap (75 % and "30m before breach" often fall close)
    go on a second line."""
    last_x = {80.0: -room, 91.0: -room}
    for mark in sorted(marks, key=lambda m: m.x):
        line = 80.0 if mark.x - last_x[80.0] >= room else 91.0
        mark.label_y = line
        last_x[line] = mark.x


def _label(s: Segment) -> str:
    if s.kind == "paused":
        return f"paused: {s.reason}"
    if s.kind == "outside-hours":
        return "outside service hours"
    return "running"


def _ticks(start: int, end: int, count: int = 5) -> list[int]:
    step = (end - start) / count
    return [int(start + i * step) for i in range(count + 1)]


def explanation_rows(e: Explanation, zone: ZoneInfo) -> list[dict[str, Any]]:
    def when(t: int) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    return [
        {
            "start": when(s.start),
            "end": when(s.end),
            "kind": s.kind,
            "label": _label(s),
            "counted": s.business_seconds if s.kind == "running" else 0,
            "held": s.business_seconds if s.kind == "paused" else 0,
            "elapsed_after": s.elapsed_after,
        }
        for s in e.segments
    ]
