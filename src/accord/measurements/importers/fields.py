"""Checking one cell (always text, see reading.py): a failure is a RowError naming the
column and what was expected. Kept small and branch-light: they run per cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from accord.measurements.importers.errors import RowError

InstantParser = Callable[[str], datetime]
_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})


def required(value: str, column: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise RowError(column, value, "required")
    if len(value) > max_length:
        raise RowError(column, value, f"longer than {max_length} characters")
    return value


def optional(value: str, column: str, max_length: int) -> str:
    value = value.strip()
    if len(value) > max_length:
        raise RowError(column, value, f"longer than {max_length} characters")
    return value


def instant(value: str, column: str, parse: InstantParser) -> datetime:
    try:
        return parse(value)
    except ValueError as exc:
        stripped = value.strip()
        if not stripped:
            raise RowError(column, value, "required") from None
        if stripped != value:  # spaces around it: the common case pays no strip()
            return instant(stripped, column, parse)
        raise RowError(column, value, str(exc)) from None


def optional_instant(value: str, column: str, parse: InstantParser) -> datetime | None:
    return instant(value, column, parse) if value and not value.isspace() else None


def number(value: str, column: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        result = float(value)
    except ValueError:
        raise RowError(column, value, "expected a number") from None
    if not math.isfinite(result):
        raise RowError(column, value, "expected a finite number")
    return result


def boolean(value: str, column: str, *, default: bool) -> bool:
    raw = value.strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise RowError(column, value, "expected true or false")
