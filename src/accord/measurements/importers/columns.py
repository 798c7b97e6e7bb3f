"""Checking a whole column of a chunk at once (the bulk path of tickets and events).

Each function returns the converted column and records the first error of each bad row
in `bad` (row index → RowError). The common case — every cell fine — is checked with
C-level `map`/`set`/`max`; only a column holding a bad cell is then walked cell by cell.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from accord.measurements.importers.errors import RowError
from accord.measurements.instants import IsoInstants
from accord.measurements.records import STATE_MAX_LENGTH, normalise_state

Bad = dict[int, RowError]


def texts(
    values: Sequence[str], column: str, max_length: int, bad: Bad, *, required: bool
) -> list[str]:
    stripped = list(map(str.strip, values))
    if (required and "" in stripped) or max(map(len, stripped), default=0) > max_length:
        for i, text in enumerate(stripped):
            if required and not text:
                bad.setdefault(i, RowError(column, values[i], "required"))
            elif len(text) > max_length:
                bad.setdefault(i, RowError(column, text, f"longer than {max_length} characters"))
    return stripped


def instants(
    values: Sequence[str], column: str, parse: IsoInstants, bad: Bad, *, required: bool
) -> list[str | None]:
    """UTC text of each cell; an empty cell is None (an error when required)."""
    if required or "" not in values:
        converted, errors = parse.texts(values)
        for i, reason in errors.items():
            empty = not values[i].strip()
            if required or not empty:
                bad.setdefault(i, RowError(column, values[i], "required" if empty else reason))
        return (
            [None if i in errors else t for i, t in enumerate(converted)] if errors else converted
        )  # type: ignore[return-value]
    present = [i for i, value in enumerate(values) if value]
    result: list[str | None] = [None] * len(values)
    converted = instants([values[i] for i in present], column, parse, sub_bad := {}, required=True)
    for position, text in zip(present, converted, strict=True):
        result[position] = text
    for sub_index, error in sub_bad.items():
        if error.reason == "required":  # only spaces: as empty
            result[present[sub_index]] = None
        else:
            bad.setdefault(present[sub_index], error)
    return result


def states(values: Sequence[str], column: str, bad: Bad, *, required: bool) -> list[str]:
    """Normalised state names (`In Progress` → `in-progress`); "" for an empty cell."""
    names = {value: normalise_state(value) for value in set(values)}
    faulty = {v for v, n in names.items() if len(n) > STATE_MAX_LENGTH or (required and not n)}
    if faulty:
        for i, value in enumerate(values):
            if value in faulty:
                reason = (
                    "required" if not names[value] else f"longer than {STATE_MAX_LENGTH} characters"
                )
                bad.setdefault(i, RowError(column, value, reason))
    if all(name == value for value, name in names.items()):  # already normal: kept as is
        return list(values)
    return list(map(names.__getitem__, values))


def not_before(
    later: Sequence[str | None],
    column: str,
    start: Sequence[str | None],
    start_column: str,
    bad: Bad,
) -> None:
    """Flag rows whose `later` instant precedes `start` (UTC text compares as time)."""
    if None not in later and None not in start and not any(map(operator.lt, later, start)):
        return  # the usual case, checked in C
    for i, (moment, began) in enumerate(zip(later, start, strict=True)):
        if moment is not None and began is not None and moment < began:
            bad.setdefault(i, RowError(column, moment, f"before {start_column} ({began})"))
