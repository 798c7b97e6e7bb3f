"""Ticket targets per period (SEMANTICS §3): "95 % of P1 resolved within 4 h".

A met clock counts in the period in which it stopped; a breached clock in the period in
which it breached, whether or not it has stopped since — so breaches are never hidden
by tickets left open, and a closed period's figures do not move when late tickets are
resolved. Attainment = met / (met + breached) × 100; running clocks not yet breached are
left out of the denominator and reported as `open`. No clock counted → no data.

Inputs come from the clock evaluation: the stop instants of met clocks, the breach
instants of breached clocks, and the start instants of clocks still open at `as_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import FloatArray, IntArray, as_int_array


@dataclass(frozen=True, eq=False)
class TicketAttainment:
    """Per period: counted clocks, the open ones left out, and attainment (NaN: no data)."""

    period_starts: IntArray
    period_ends: IntArray
    met: IntArray
    breached: IntArray
    open: IntArray  # running, not yet breached, started before the period ended
    attainment: FloatArray

    def percent(self, period: int = 0) -> float | None:
        value = float(self.attainment[period])
        return None if np.isnan(value) else value


def ticket_attainment(
    *,
    met_at: npt.ArrayLike,
    breached_at: npt.ArrayLike,
    open_since: npt.ArrayLike = (),
    periods: tuple[npt.ArrayLike, npt.ArrayLike],
) -> TicketAttainment:
    """Count every clock in its period, for all periods at once."""
    starts = np.atleast_1d(as_int_array(periods[0]))
    ends = np.atleast_1d(as_int_array(periods[1]))
    met = _in_period(as_int_array(met_at), starts, ends)
    breached = _in_period(as_int_array(breached_at), starts, ends)
    opened = np.sort(as_int_array(open_since))
    still_open = np.searchsorted(opened, ends, side="left").astype(np.int64)
    counted = met + breached
    with np.errstate(divide="ignore", invalid="ignore"):
        attainment = np.where(counted > 0, met * 100.0 / counted, np.nan)
    return TicketAttainment(starts, ends, met, breached, still_open, attainment)


def _in_period(instants: IntArray, starts: IntArray, ends: IntArray) -> IntArray:
    """How many instants fall in each [start, end)."""
    ordered = np.sort(instants)
    inside = np.searchsorted(ordered, ends, "left") - np.searchsorted(ordered, starts, "left")
    return inside.astype(np.int64)
