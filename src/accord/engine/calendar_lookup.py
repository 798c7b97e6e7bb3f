"""Lookup tables for business time: O(1) cumulative open seconds and its inverse.

Both tables are exact to the second for any opening boundaries (no rounding to a
grid), and both are small enough to stay in the CPU caches, which is what makes
tens of millions of clocks per second possible:

- forward: time is cut into fixed buckets (a day, or a fraction of one, aligned to
  local midnight). Each bucket stores the open seconds before it and at most K open
  pieces (offset, length) inside it; K is 1 for ordinary office hours. Open seconds
  before t = base[bucket] + sum over pieces of clip(t - piece_start, 0, piece_len).
- inverse: cumulative open time is cut into steps; each step stores the opening
  interval in force at its start, and a bounded number of "next interval" checks
  finish the job. The instant where open second number c starts is then
  open_at[i] + (c - open_before[i]).

Queries run chunk by chunk through preallocated scratch buffers so temporaries stay in
cache and no full-size temporary is ever allocated. Indices are in range by
construction, so gathers use mode="wrap": NumPy's default mode buffers the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Instants = NDArray[np.int64]

NO_INSTANT = int(np.iinfo(np.int64).max)
CHUNK = 1 << 14
_BUCKETS = (86_400, 43_200, 21_600, 10_800, 3_600, 900, 60)
_CACHE_FRIENDLY_BYTES = 1 << 20
_MAX_INVERSE_STEPS = 1 << 17


@dataclass(frozen=True, eq=False)
class ForwardTable:
    """Per bucket b: open seconds before it (`base`) and up to K open pieces.

    Piece k of bucket b adds clip(t + shift[k, b], 0, length[k, b]) open seconds:
    `shift` folds the bucket's origin and the piece's offset into one number so the
    lookup needs no remainder. With one piece per bucket (the common case) the whole
    answer is clip(t + base + shift, base, base + length), kept ready in `single`.
    """

    origin: int
    bucket: int
    base: Instants
    shift: Instants  # shape (K, buckets)
    length: Instants  # shape (K, buckets); 0 where a bucket has fewer pieces
    single: tuple[Instants, Instants, Instants] | None  # (base + shift, base, base + length)


@dataclass(frozen=True, eq=False)
class InverseTable:
    step: int  # seconds of open time per entry of first_interval
    total: int  # open seconds in the calendar; open second number >= total is unknown
    first_interval: Instants  # per step of open time: last interval opening at or before it
    next_open_before: Instants  # open seconds before interval i + 1 (huge after the last)
    shift: Instants  # opening instant of interval i minus open seconds before it
    max_steps: int


class Scratch:
    """Reusable chunk-sized buffers (one set per call, never per element)."""

    def __init__(self, size: int = CHUNK) -> None:
        self.index = np.empty(size, dtype=np.int64)
        self.offset = np.empty(size, dtype=np.int64)
        self.piece = np.empty(size, dtype=np.int64)
        self.limit = np.empty(size, dtype=np.int64)
        self.flag = np.empty(size, dtype=np.bool_)


# --------------------------------------------------------------------------- intervals


def merge(starts: Instants, ends: Instants) -> tuple[Instants, Instants]:
    """Sorted, disjoint union of [starts, ends); touching intervals are joined."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.empty(starts.size, dtype=np.bool_)
    new[0] = True
    np.greater(starts[1:], reach[:-1], out=new[1:])
    first = np.flatnonzero(new)
    last = np.append(first[1:], starts.size) - 1
    return starts[first], reach[last]


def subtract(
    starts: Instants, ends: Instants, cut_starts: Instants, cut_ends: Instants
) -> tuple[Instants, Instants]:
    """[starts, ends) minus [cut_starts, cut_ends); both sides sorted and disjoint."""
    points = np.unique(np.concatenate([starts, ends, cut_starts, cut_ends]))
    if points.size < 2:
        return points[:0], points[:0]
    left, right = points[:-1], points[1:]
    keep = _covers(starts, ends, left) & ~_covers(cut_starts, cut_ends, left)
    return merge(left[keep], right[keep])


def _covers(starts: Instants, ends: Instants, x: Instants) -> NDArray[np.bool_]:
    if starts.size == 0:
        return np.zeros(x.shape, dtype=np.bool_)
    index = np.searchsorted(starts, x, side="right") - 1
    return (index >= 0) & (x < ends[np.maximum(index, 0)])


# --------------------------------------------------------------------------- building


def build_forward(
    opens: Instants, closes: Instants, start: int, end: int, anchor: int
) -> ForwardTable:
    bucket = _choose_bucket(opens, closes, start, anchor)
    origin = start - (start - anchor) % bucket
    buckets = (end - origin) // bucket + 1  # the last one holds t == end
    first = (opens - origin) // bucket
    count = (closes - 1 - origin) // bucket - first + 1
    owner = np.repeat(np.arange(opens.size), count)
    piece_bucket = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count) + first[owner]
    bucket_start = origin + piece_bucket * bucket
    piece_start = np.maximum(opens[owner], bucket_start) - bucket_start
    piece_len = np.minimum(closes[owner], bucket_start + bucket) - bucket_start - piece_start
    per_bucket = np.bincount(piece_bucket, minlength=buckets)
    first_piece = np.cumsum(per_bucket) - per_bucket
    rank = np.arange(owner.size) - first_piece[piece_bucket]
    depth = int(per_bucket.max()) if owner.size else 0
    shift = np.zeros((depth, buckets), dtype=np.int64)
    length = np.zeros((depth, buckets), dtype=np.int64)
    shift[rank, piece_bucket] = -(bucket_start + piece_start)
    length[rank, piece_bucket] = piece_len
    base = np.concatenate([[0], np.cumsum(piece_len)])[first_piece]
    single = (base + shift[0], base, base + length[0]) if depth == 1 else None
    return ForwardTable(origin, bucket, base, shift, length, single)


def _choose_bucket(opens: Instants, closes: Instants, start: int, anchor: int) -> int:
    """Bucket length with the cheapest lookup: few pieces per bucket, tables in cache."""
    best, best_cost = _BUCKETS[0], float("inf")
    span = int(closes[-1] - start) if closes.size else 0
    for bucket in _BUCKETS:
        origin = start - (start - anchor) % bucket
        first = (opens - origin) // bucket
        last = (closes - 1 - origin) // bucket
        depth = _max_overlap(first, last + 1)
        size = span // bucket + 2
        table_bytes = size * 8 * (1 + 2 * depth)
        cost = 4 + 5 * depth + (6 * (1 + 2 * depth) if table_bytes > _CACHE_FRIENDLY_BYTES else 0)
        if cost < best_cost:
            best, best_cost = bucket, cost
        if depth <= 1:
            break  # smaller buckets only grow the tables
    return best


def _inverse_step(lengths: Instants, total: int) -> int:
    """Step of the inverse table.

    Every interval boundary in cumulative open time is a sum of interval lengths, so
    with a step dividing all lengths no step ever contains a boundary strictly inside
    it and no "next interval" check is needed (office hours: 10 h). When that table
    would be too large, the step is the shortest interval, leaving one check or so.
    """
    if lengths.size == 0:
        return 1 << 30
    common = int(np.gcd.reduce(lengths))
    if total // common <= _MAX_INVERSE_STEPS:
        return common
    return max(60, int(lengths.min()), total // _MAX_INVERSE_STEPS + 1)


def _max_overlap(first: Instants, after: Instants) -> int:
    """Largest number of [first, after) bucket ranges sharing one bucket."""
    if first.size == 0:
        return 0
    size = int(after.max()) + 1
    starting = np.bincount(first, minlength=size)
    ending = np.bincount(after, minlength=size)
    return int(np.cumsum(starting - ending).max())


def build_inverse(opens: Instants, closes: Instants, start: int, end: int) -> InverseTable:
    lengths = closes - opens
    open_before = np.concatenate([[0], np.cumsum(lengths)])  # entry n: a virtual opening at `end`
    total = int(open_before[-1])
    step = _inverse_step(lengths, total)
    marks = np.arange(total // step + 1, dtype=np.int64) * step
    first_interval = np.searchsorted(open_before, marks, side="right") - 1
    # boundaries exactly on a step are found by first_interval; only those inside need a check
    inside = open_before[1:][open_before[1:] % step != 0]
    max_steps = int(np.bincount(inside // step).max()) if inside.size else 0
    return InverseTable(
        step=step,
        total=total,
        first_interval=first_interval.astype(np.int64),
        next_open_before=np.append(open_before[1:], NO_INSTANT),
        # the virtual interval maps every unknown second (target clamped to total) to
        # exactly NO_INSTANT, so callers need no separate "beyond the calendar" pass
        shift=np.append(opens - open_before[:-1], NO_INSTANT - total),
        max_steps=max_steps,
    )


# --------------------------------------------------------------------------- queries


def cumulative_chunk(table: ForwardTable, t: Instants, out: Instants, scratch: Scratch) -> None:
    """out = open seconds before t, for t already clipped to the calendar's range."""
    k = t.size
    index, piece, limit = scratch.index[:k], scratch.piece[:k], scratch.limit[:k]
    # floor_divide by a constant is several times faster than divmod in NumPy
    np.subtract(t, table.origin, out=index)
    np.floor_divide(index, table.bucket, out=index)
    if table.single is not None:
        shifted, low, high = table.single
        np.take(shifted, index, out=piece, mode="wrap")
        np.add(piece, t, out=piece)
        np.take(low, index, out=out, mode="wrap")
        np.maximum(piece, out, out=out)
        np.take(high, index, out=limit, mode="wrap")
        np.minimum(out, limit, out=out)
        return
    np.take(table.base, index, out=out, mode="wrap")
    for shift, length in zip(table.shift, table.length, strict=True):
        np.take(shift, index, out=piece, mode="wrap")
        np.add(piece, t, out=piece)
        np.maximum(piece, 0, out=piece)
        np.take(length, index, out=limit, mode="wrap")
        np.minimum(piece, limit, out=piece)
        np.add(out, piece, out=out)


def inverse_chunk(table: InverseTable, c: Instants, out: Instants, scratch: Scratch) -> None:
    """out = the instant open second number c starts (c >= 0); NO_INSTANT if c >= total."""
    k = c.size
    interval, probe = scratch.index[:k], scratch.piece[:k]
    counted, flag = c, scratch.flag[:k]
    if k and int(c.max()) >= table.total:  # a reduction is cheaper than a clamping pass
        counted = np.minimum(c, table.total, out=scratch.offset[:k])
    np.floor_divide(counted, table.step, out=interval)
    np.take(table.first_interval, interval, out=interval, mode="wrap")
    for _ in range(table.max_steps):
        np.take(table.next_open_before, interval, out=probe, mode="wrap")
        np.less_equal(probe, counted, out=flag)
        np.add(interval, flag, out=interval)
    np.take(table.shift, interval, out=out, mode="wrap")
    np.add(out, counted, out=out)


def within(t: Instants, lo: int, hi: int, out: Instants) -> Instants:
    """t clipped to [lo, hi]; t itself when already inside (two reductions beat a clip)."""
    if t.size == 0 or (int(t.min()) >= lo and int(t.max()) <= hi):
        return t
    np.clip(t, lo, hi, out=out)
    return out


def cumulative_into(table: ForwardTable, start: int, end: int, t: Instants, out: Instants) -> None:
    scratch = Scratch(min(CHUNK, max(t.size, 1)))
    clipped = np.empty(min(CHUNK, t.size), dtype=np.int64)
    for lo in range(0, t.size, CHUNK):
        hi = min(lo + CHUNK, t.size)
        part = within(t[lo:hi], start, end, clipped[: hi - lo])
        cumulative_chunk(table, part, out[lo:hi], scratch)


def inverse_into(table: InverseTable, c: Instants, out: Instants) -> None:
    scratch = Scratch(min(CHUNK, max(c.size, 1)))
    for lo in range(0, c.size, CHUNK):
        hi = min(lo + CHUNK, c.size)
        inverse_chunk(table, c[lo:hi], out[lo:hi], scratch)
