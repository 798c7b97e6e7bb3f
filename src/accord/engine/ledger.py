"""The common input of budgets, burn rates and forecasts: bad and total weight in any window.

Every target kind reduces to two non-decreasing functions of time, the cumulative *bad*
and *total* weight strictly before an instant:

- availability: total = measured scheduled seconds, bad = impact-weighted downtime seconds;
- ratio SLIs: total = events, bad = total − good, each bucket spread evenly over its span;
- timeslices: total = slices with data, bad = bad slices, each spread over its slice;
- ticket targets: a met clock adds 1 to total at its stop; a breached clock adds 1 to bad
  and to total at its breach instant (SEMANTICS §3).

The weight in [a, b) is then F(b) − F(a), exact for every window and additive over splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import FloatArray, IntArray, KeySpace, as_float_array, as_int_array


@dataclass(frozen=True, eq=False)
class Cumulative:
    """F(t) = weight strictly before t: spread evenly over disjoint pieces, plus point masses.

    Pieces keep their whole weight, so F at piece boundaries is an exact running sum (whole
    seconds and whole events stay exact); only instants inside a piece interpolate.
    """

    starts: IntArray  # disjoint sorted pieces
    ends: IntArray
    weights: FloatArray  # the weight spread over each piece
    before: FloatArray  # F at each piece's start
    instants: IntArray  # sorted instants carrying a mass
    mass_before: FloatArray  # total mass strictly before instants[i]; one extra at the end
    unit_rate: bool = False  # weight = length: F counts seconds, no division needed

    @classmethod
    def build(
        cls,
        starts: IntArray,
        ends: IntArray,
        weights: FloatArray,
        instants: IntArray | None = None,
        masses: FloatArray | None = None,
    ) -> Cumulative:
        """From disjoint sorted pieces carrying a weight each, and point masses."""
        before = np.zeros(weights.size)
        if weights.size > 1:
            np.cumsum(weights[:-1], out=before[1:])
        instants = np.empty(0, np.int64) if instants is None else instants
        masses = np.empty(0) if masses is None else masses
        order = np.argsort(instants, kind="stable")
        mass_before = np.concatenate(([0.0], np.cumsum(masses[order])))
        return cls(starts, ends, weights, before, instants[order], mass_before)

    @classmethod
    def measure(cls, starts: IntArray, ends: IntArray) -> Cumulative:
        """Seconds of a sorted disjoint set before t."""
        whole = cls.build(starts, ends, (ends - starts).astype(np.float64))
        return cls(
            starts,
            ends,
            whole.weights,
            whole.before,
            whole.instants,
            whole.mass_before,
            unit_rate=True,
        )

    @classmethod
    def from_records(cls, starts: IntArray, ends: IntArray, weights: FloatArray) -> Cumulative:
        """Records spreading `weight` evenly over [start, end); start == end is a point mass."""
        if np.any(ends < starts):
            raise ValueError("a record ends before it starts")
        point = ends == starts
        spans = ~point
        pieces = _sum_overlaps(starts[spans], ends[spans], weights[spans])
        return cls.build(*pieces, starts[point], weights[point])

    def at(self, instants: npt.ArrayLike) -> FloatArray:
        t = as_int_array(instants)
        spread = np.zeros(t.shape)
        if self.starts.size:
            i = np.searchsorted(self.starts, t, side="right") - 1
            np.maximum(i, 0, out=i)
            start, end = self.starts[i], self.ends[i]
            # Before the first piece, i = 0 and the clipped part is 0, so F = 0.
            inside = np.minimum(np.maximum(t - start, 0), end - start)
            if self.unit_rate:
                seconds: FloatArray = self.before[i] + inside
                return seconds
            # Multiplying before dividing keeps whole seconds whole (55 × 28 / 55).
            spread = self.before[i] + self.weights[i] * inside / np.maximum(end - start, 1)
        if not self.instants.size:
            return spread
        return spread + self.mass_before[np.searchsorted(self.instants, t, side="left")]

    def between(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> FloatArray:
        return self.at(ends) - self.at(starts)


def _sum_overlaps(
    starts: IntArray, ends: IntArray, weights: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Records spread evenly over their spans → disjoint pieces with the summed weight."""
    if starts.size == 0 or np.all(starts[1:] >= ends[:-1]):
        return starts, ends, weights  # already sorted and disjoint: exact, nothing to sum
    rates = weights / (ends - starts)
    keys = np.concatenate((starts, ends))
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    new = np.concatenate(([True], keys[1:] != keys[:-1]))
    slot = np.cumsum(new) - 1
    knots = keys[new]
    rate = np.cumsum(np.bincount(slot, np.concatenate((rates, -rates))[order]))
    active = np.cumsum(np.bincount(slot, np.repeat([1.0, -1.0], starts.size)[order])) > 0.5
    # Where nothing is active the rate is exactly zero, not the float residue of +r − r.
    chosen = active[:-1]
    piece_starts, piece_ends = knots[:-1][chosen], knots[1:][chosen]
    return piece_starts, piece_ends, rate[:-1][chosen] * (piece_ends - piece_starts)


class CumulativeFunction(Protocol):
    """A non-decreasing F(t) = weight strictly before t."""

    def at(self, instants: npt.ArrayLike) -> FloatArray: ...

    def between(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> FloatArray: ...


@dataclass(frozen=True, eq=False)
class WeightedMeasure:
    """F(t) = ∫ w dμ over (−∞, t): a disjoint step function w integrated against another
    cumulative μ — impact-weighted downtime over measured time, without cutting the
    impact pieces to the measured intervals first."""

    starts: IntArray
    ends: IntArray
    weights: FloatArray
    measure: Cumulative
    measure_at_start: FloatArray
    before: FloatArray  # F at each piece's start

    @classmethod
    def build(
        cls, starts: IntArray, ends: IntArray, weights: FloatArray, measure: Cumulative
    ) -> WeightedMeasure:
        at_both = measure.at(np.concatenate((starts, ends)))
        at_start = at_both[: starts.size]
        inside = weights * (at_both[starts.size :] - at_start)
        before = np.zeros(inside.size)
        if inside.size > 1:
            np.cumsum(inside[:-1], out=before[1:])
        return cls(starts, ends, weights, measure, at_start, before)

    def at(self, instants: npt.ArrayLike) -> FloatArray:
        t = as_int_array(instants)
        i = np.searchsorted(self.starts, t, side="right") - 1
        if not self.starts.size:
            return np.zeros(t.shape)
        safe = np.maximum(i, 0)
        inside = self.measure.at(np.minimum(t, self.ends[safe])) - self.measure_at_start[safe]
        return np.where(i >= 0, self.before[safe] + self.weights[safe] * inside, 0.0)

    def between(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> FloatArray:
        return self.at(ends) - self.at(starts)


class WeightWindow(Protocol):
    """Anything that can say how much bad and total weight fell in windows [a, b)."""

    def window(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(bad, total) weight in each window."""
        ...


@dataclass(frozen=True, eq=False)
class Ledger:
    """Cumulative bad and total weight of one target (or of many owners, keyed)."""

    bad: CumulativeFunction
    total: CumulativeFunction

    def window(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        return self.bad.between(starts, ends), self.total.between(starts, ends)


@dataclass(frozen=True, eq=False)
class OwnerLedger:
    """One owner's view of a keyed ledger (one subject of an availability evaluation)."""

    ledger: Ledger
    space: KeySpace
    owner: int

    def window(self, starts: npt.ArrayLike, ends: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        encode = self.space.encode
        return self.ledger.window(encode(self.owner, starts), encode(self.owner, ends))


def ledger_from_counts(
    starts: npt.ArrayLike, ends: npt.ArrayLike, good: npt.ArrayLike, total: npt.ArrayLike
) -> Ledger:
    """Bucketed event counts (ratio SLIs, occurrences): bad = total − good per bucket."""
    s, e = as_int_array(starts), as_int_array(ends)
    good_w, total_w = as_float_array(good), as_float_array(total)
    if np.any(good_w > total_w) or np.any(good_w < 0):
        raise ValueError("bucket counts need 0 ≤ good ≤ total")
    return Ledger(
        Cumulative.from_records(s, e, total_w - good_w), Cumulative.from_records(s, e, total_w)
    )


def ledger_from_clocks(met_at: npt.ArrayLike, breached_at: npt.ArrayLike) -> Ledger:
    """Ticket clocks: met ones count at their stop, breached ones at their breach instant."""
    met, breached = as_int_array(met_at), as_int_array(breached_at)
    nothing = np.empty(0, np.int64)
    bad = Cumulative.build(nothing, nothing, np.empty(0), breached, np.ones(breached.size))
    everything = np.concatenate((met, breached))
    total = Cumulative.build(nothing, nothing, np.empty(0), everything, np.ones(everything.size))
    return Ledger(bad, total)
