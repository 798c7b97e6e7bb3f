"""How alerts put things in words and numbers: names, durations, instants, percentages,
and figures that JSON (and PostgreSQL's jsonb) can hold."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from accord.alerts.inputs import PeriodInput
from accord.engine.parsing import format_duration


def where(period: PeriodInput) -> str:
    subject = f" ({period.subject})" if period.subject else ""
    return f"{period.agreement}/{period.target}{subject} in {period.period_label}"


def consumed(period: PeriodInput) -> str:
    if period.consumed is None:
        return "no budget figure"
    return f"{percent(period.consumed * 100)} of the error budget consumed"


def duration(seconds: int) -> str:
    return format_duration(seconds) if seconds > 0 else "0s"


def instant(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def percent(value: float | None) -> str:
    if value is None:
        return "no data"
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text) + " %"


def rate(value: float | None) -> str:
    return "-" if value is None else "∞×" if math.isinf(value) else f"{value:.1f}×"


def number(value: float | None) -> float | str | None:
    """JSON-safe: PostgreSQL's jsonb has no infinity (a 100 % objective burns at ∞)."""
    if value is None or math.isfinite(value):
        return value
    return "inf" if value > 0 else "-inf"
