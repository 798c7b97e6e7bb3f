"""Pauses of ticket clocks: merging, paused business time, breach past pauses.

Pauses arrive as flat arrays with an owner (clock index). They are clipped to their
clock's [start, stop), and overlapping or touching pauses of one clock are merged so
that no paused second is subtracted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from accord.engine import calendar_lookup as lookup
from accord.engine.calendar import CompiledCalendar, cumulative
from accord.engine.calendar_lookup import Instants

# Pauses are sorted on one int64 key: clock index in the high bits, seconds since the
# clock's start in the low bits. 34 bits of seconds is 544 years; 29 bits of clock
# index is 536 million clocks per call.
_TIME_BITS = 34
_TIME_MASK = (1 << _TIME_BITS) - 1
_MAX_CLOCKS = 1 << (63 - _TIME_BITS)


@dataclass(frozen=True, eq=False)
class PauseSet:
    """Merged pauses sorted by clock then time; clocks[j]'s are first[j] .. + count[j]."""

    owner: Instants
    start: Instants
    end: Instants
    clocks: Instants
    first: Instants
    count: Instants


def merge_pauses(
    owner: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    *,
    clock_start: Instants,
    clock_stop: Instants,
    horizon: int,
) -> PauseSet:
    """Clip pauses to [clock start, min(clock stop, horizon)) and merge them per clock.

    Nothing after the horizon (the later of the calendar's end and as_of) can change a
    result, so an open-ended pause (end NO_INSTANT) is cut there.
    """
    owners, starts, ends = (np.asarray(a, dtype=np.int64).ravel() for a in (owner, start, end))
    if not owners.size == starts.size == ends.size:
        raise ValueError("pause_owner, pause_start and pause_end must have the same length")
    if clock_start.size >= _MAX_CLOCKS:
        raise ValueError(f"at most {_MAX_CLOCKS} clocks per call")
    if owners.size and (owners.min() < 0 or owners.max() >= clock_start.size):
        raise ValueError("pause_owner must index the clocks (0 <= owner < number of clocks)")
    base = clock_start[owners]
    starts = np.maximum(starts, base)
    ends = np.minimum(np.minimum(ends, clock_stop[owners]), horizon)
    keep = ends > starts
    owners, base, starts, ends = owners[keep], base[keep], starts[keep], ends[keep]
    if ends.size and int((ends - base).max()) > _TIME_MASK:
        raise ValueError("a pause ends more than 544 years after its clock starts")
    key_start = (owners << _TIME_BITS) | (starts - base)
    key_end = (owners << _TIME_BITS) | (ends - base)
    order = np.argsort(key_start)
    return _grouped(*_merge_keys(key_start[order], key_end[order]), clock_start)


def _merge_keys(key_start: Instants, key_end: Instants) -> tuple[Instants, Instants]:
    # Keys of a later clock are larger than any key of an earlier one, so a running
    # maximum never lets one clock's pause swallow the next clock's.
    if key_start.size == 0:
        return key_start, key_end
    reach = np.maximum.accumulate(key_end)
    new = np.empty(key_start.size, dtype=np.bool_)
    new[0] = True
    np.greater(key_start[1:], reach[:-1], out=new[1:])
    first = np.flatnonzero(new)
    last = np.append(first[1:], key_start.size) - 1
    return key_start[first], reach[last]


def _grouped(key_start: Instants, key_end: Instants, clock_start: Instants) -> PauseSet:
    owners = key_start >> _TIME_BITS
    base = clock_start[owners]
    starts = (key_start & _TIME_MASK) + base
    ends = (key_end & _TIME_MASK) + base
    change = np.flatnonzero(owners[1:] != owners[:-1]) + 1
    first = np.concatenate([[0], change]).astype(np.int64) if owners.size else owners[:0]
    count = np.diff(np.append(first, owners.size))
    return PauseSet(owners, starts, ends, owners[first], first, count)


def paused_seconds(
    cal: CompiledCalendar, pauses: PauseSet, clock_end: Instants
) -> tuple[Instants, Instants]:
    """Business and actual paused seconds of each paused clock up to its `clock_end`."""
    end = np.repeat(clock_end, pauses.count)
    lo = np.minimum(pauses.start, end)
    hi = np.minimum(pauses.end, end)
    business = cumulative(cal, hi) - cumulative(cal, lo)
    return np.add.reduceat(business, pauses.first), np.add.reduceat(hi - lo, pauses.first)


def pushed_past_pauses(
    cal: CompiledCalendar, pauses: PauseSet, clock_start: Instants, targets: list[Instants]
) -> list[Instants]:
    """For each target (elapsed seconds per paused clock): inf{t : elapsed(t) > target}.

    Without pauses the answer starts open second number open_before(start) + target.
    Each pause that begins at or before that instant holds the clock, so its open
    seconds are added to the target; pauses are visited in order, one rank at a time.
    """
    open_before_start = cumulative(cal, clock_start)
    pause_business = cumulative(cal, pauses.end) - cumulative(cal, pauses.start)
    deepest = int(pauses.count.max()) if pauses.count.size else 0
    results = []
    for target in targets:
        counted = open_before_start + target
        waiting = np.ones(counted.size, dtype=np.bool_)
        for rank in range(deepest):
            active = np.flatnonzero(waiting & (pauses.count > rank))
            if active.size == 0:
                break
            pause = pauses.first[active] + rank
            held = _crossing(cal, counted[active]) >= pauses.start[pause]
            waiting[active[~held]] = False
            counted[active[held]] += pause_business[pause[held]]
        results.append(_crossing(cal, counted))
    return results


def _crossing(cal: CompiledCalendar, counted: Instants) -> Instants:
    out = np.empty(counted.size, dtype=np.int64)
    lookup.inverse_into(cal.inverse, counted, out)
    return out
