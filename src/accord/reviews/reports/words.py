"""Figures in words: each target's denominator, durations, budgets, status words.

Percentages use the evaluation table's rule (one decimal more than the objective, at
least two, rounded down), so a breached 99.8996 % never reads as a met-looking 99.90 %.
"""

from __future__ import annotations

import math

from accord.agreements.models import Target
from accord.engine.parsing import format_duration
from accord.evaluation.report import Row
from accord.evaluation.table import percent

STATUS_TEXT = {"met": "met", "at_risk": "at risk", "breached": "breached", "no_data": "no data"}
METRIC_VERB = {"response": "responded to", "resolution": "resolved"}


def digits_for(objective: float) -> int:
    text = f"{objective:.6f}".rstrip("0").rstrip(".")
    return min(max(2, len(text.partition(".")[2]) + 1), 4)


def percent_text(value: float | None, objective: float) -> str:
    return "–" if value is None else percent(value, digits_for(objective))


def objective_text(objective: float) -> str:
    return f"{objective:g} %"


def hours_text(seconds: float) -> str:
    """Scheduled time: whole hours when whole, else hours and minutes."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours:,} h" if not rest else f"{hours:,} h {rest} min"


def duration_text(seconds: float | None) -> str:
    """Downtime and elapsed times: seconds below a minute, minutes below a day."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return " ".join(f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (rest, "min")) if n)


def count_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def money_text(amount: float | None, currency: str) -> str:
    return "–" if amount is None else f"{amount:,.2f} {currency}".strip()


def scope_words(target: Target | None) -> str:
    """`priority-1 tickets` from a target's `where` filter."""
    where = (target.where if target is not None else None) or {}
    parts = []
    for key, values in where.items():
        values = [str(v) for v in (values if isinstance(values, list) else [values])]
        joined = " or ".join(values)
        parts.append(f"{key}-{joined}" if key == "priority" else f"{key} {joined}")
    return (" ".join(parts) + " tickets") if parts else "tickets"


def hours_words(target: Target | None, calendar_name: str) -> str:
    if not calendar_name or calendar_name == "24x7":
        return "round the clock"
    return f"of {calendar_name} service hours"


def denominator(row: Row, target: Target | None, calendar_name: str) -> str:
    """What the attainment was computed from, in a sentence (SEMANTICS §3–§5)."""
    if row.met is not None:
        return _ticket_words(row, target, calendar_name)
    if row.scheduled_s is not None:
        return _availability_words(row)
    if row.total is not None:
        return _sli_words(row, target)
    return "no measurements in the period"


def _ticket_words(row: Row, target: Target | None, calendar_name: str) -> str:
    judged = (row.met or 0) + (row.breached or 0)
    verb = METRIC_VERB.get(row.metric, "handled")
    within = duration_text(int(target.within_seconds or 0)) if target else "?"
    if judged == 0:
        text = f"no {scope_words(target)} {verb} or breached in the period"
        return text + (f"; {row.open} still open" if row.open else "")
    text = (
        f"{row.met} of {judged} {scope_words(target)} {verb} within {within} "
        f"{hours_words(target, calendar_name)}"
    )
    extra = [f"{n} still open" for n in (row.open,) if n] + [
        f"{n} cancelled (excluded)" for n in (row.excluded,) if n
    ]
    return text + (f"; {', '.join(extra)}" if extra else "")


def _availability_words(row: Row) -> str:
    scheduled = row.scheduled_s or 0
    attainment = percent_text(row.attainment, row.objective)
    text = (
        f"{attainment} of {hours_text(scheduled)} scheduled; "
        f"{duration_text(row.downtime_s) + ' down' if row.downtime_s else 'no downtime'}"
    )
    if row.unknown_s:
        text += f"; {duration_text(row.unknown_s)} not monitored (left out)"
    return text


def _sli_words(row: Row, target: Target | None) -> str:
    if row.no_data_slices is None:
        return f"{count_text(row.good)} of {count_text(row.total)} events good"
    slice_s = int(target.timeslice_seconds or 60) if target else 60
    condition = ""
    if target is not None and target.op:
        condition = f" ({target.series or 'value'} {target.op} {target.value:g} {target.unit})"
    text = (
        f"{count_text(row.good)} of {count_text(row.total)} {format_duration(slice_s)} "
        f"slices good{condition.rstrip()}"
    )
    if row.no_data_slices:
        text += f"; {row.no_data_slices} slices without data (left out)"
    return text


def budget_words(row: Row) -> str:
    """Error budget used and left, with the allowance in the target's own units."""
    if row.consumed is None or not math.isfinite(row.consumed):
        return "–"
    allowed = 1.0 - row.objective / 100.0
    used = f"{row.consumed * 100:.0f} % used"
    if row.scheduled_s is not None and row.scheduled_s:
        down, budget = duration_text(row.downtime_s or 0), duration_text(allowed * row.scheduled_s)
        return f"{used}: {down} down of {budget} allowed"
    if row.met is not None:
        judged = (row.met or 0) + (row.breached or 0)
        return f"{used}: {row.breached} breached of {allowed * judged:.2g} allowed"
    return used


def status_text(status: str) -> str:
    return STATUS_TEXT.get(status, status)
