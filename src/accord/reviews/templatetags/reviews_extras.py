"""Number formatting shared by the review pages and printed packs, so a page, its PDF
and the JSON (which has the unrounded values) can be compared figure by figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


def format_percent(value: float | None) -> str:
    """At most three decimals, trailing zeros dropped: 99.81713 → 99.817, 100.0 → 100."""
    if value is None:
        return ""
    return f"{value:.3f}".rstrip("0").rstrip(".")


@register.filter
def pct(value: float | None) -> str:
    return format_percent(value)


@register.filter
def num(value: float | None) -> str:
    """Four significant figures: slopes, volumes, projections."""
    return "" if value is None else f"{value:.4g}"


@register.filter
def pct_share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f} %"


@register.filter
def cells_for(series: Any, periods: Sequence[str]) -> list[Any]:
    """The series' cells lined up under the pack's period columns (None where absent)."""
    by_period = {cell.period: cell for cell in series.cells}
    return [by_period.get(period) for period in periods]
