"""The terminal table of `accord evaluate`: aligned columns, status words, percentages to
the precision the objective needs (rounded down, so a breached 99.8996 % never shows as
a met-looking 99.90 %)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from accord.engine.parsing import format_duration
from accord.evaluation.report import Row

STATUS_WORDS = {"met": "met", "at_risk": "AT RISK", "breached": "BREACHED", "no_data": "no data"}
HEADERS = (
    "AGREEMENT",
    "TARGET",
    "SUBJECT",
    "PERIOD",
    "OBJECTIVE",
    "ATTAINMENT",
    "STATUS",
    "MEASURED",
    "BUDGET LEFT",
    "FORECAST",
    "CREDIT",
)
RIGHT = {"OBJECTIVE", "ATTAINMENT", "BUDGET LEFT", "FORECAST", "CREDIT"}


def render(rows: Sequence[Row]) -> str:
    if not rows:
        return "No results.\n"
    cells = [_cells(row) for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if h in RIGHT else v.ljust(w)
            for v, w, h in zip(values, widths, HEADERS, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(HEADERS), *(line(c) for c in cells)]
    notes = _notes(rows)
    return "\n".join(out + ([""] if notes else []) + notes) + "\n"


def _cells(row: Row) -> list[str]:
    digits = _digits(row.objective)
    status = STATUS_WORDS.get(row.status, row.status)
    if row.firing:
        status += f" ({'+'.join(row.firing)} burn)"
    return [
        row.agreement,
        row.target,
        row.subject or "-",
        row.period + ("*" if row.stale else ""),
        percent(row.objective, digits),
        percent(row.attainment, digits),
        status,
        measured(row),
        "-" if row.remaining is None else percent(row.remaining * 100, 0, floor=False),
        "-" if row.final or row.forecast is None else percent(row.forecast, digits),
        credit(row),
    ]


def _digits(objective: float) -> int:
    """One decimal more than the objective is written with, at least two (99.95 → 3)."""
    text = f"{objective:.6f}".rstrip("0").rstrip(".")
    decimals = len(text.partition(".")[2])
    return min(max(2, decimals + 1), 4)


def percent(value: float | None, digits: int, *, floor: bool = True) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if floor:
        scale = 10**digits
        value = math.floor(value * scale + 1e-9) / scale
    return f"{value:.{digits}f} %"


def measured(row: Row) -> str:
    """What the attainment was computed from, with its denominator (§3)."""
    if row.met is not None:
        text = f"{row.met} met, {row.breached} breached"
        extra = [f"{n} {w}" for n, w in ((row.open, "open"), (row.excluded, "excluded")) if n]
        return ", ".join([text, *extra])
    if row.scheduled_s is not None:
        down = _duration(row.downtime_s or 0.0)
        text = f"down {down} of {_duration(row.scheduled_s)}"
        return text + (f", {_duration(row.unknown_s)} unknown" if row.unknown_s else "")
    if row.total is not None:
        if row.no_data_slices is None:
            return f"{_count(row.good)} of {_count(row.total)} good"
        text = f"{_count(row.good)} of {_count(row.total)} slices good"
        return text + (f", {row.no_data_slices} without data" if row.no_data_slices else "")
    return "-"


def credit(row: Row) -> str:
    if row.credit_amount is None:
        return "-"
    return f"{row.credit_amount:,.2f} {row.currency}".strip()


def _duration(seconds: float) -> str:
    """Whole seconds up to an hour, whole minutes beyond (an hour's seconds are noise)."""
    whole = round(seconds) if seconds < 3600 else round(seconds / 60) * 60
    return format_duration(whole) if whole > 0 else "0s"


def _count(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _notes(rows: Sequence[Row]) -> list[str]:
    notes = []
    if any(r.stale for r in rows):
        notes.append("* final, but data that arrived later would change it: accord reevaluate")
    running = [r for r in rows if not r.final and r.assumption and r.forecast is not None]
    if running:
        notes.append("Forecasts assume:")
    for row in running:
        subject = f" / {row.subject}" if row.subject else ""
        notes.append(f"  {row.agreement} {row.target}{subject}: {row.assumption}")
    return notes
