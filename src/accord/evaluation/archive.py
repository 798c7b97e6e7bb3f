"""The archive of settled ticket clocks: met, with no warning still due (ClockArchive).

Settled clocks are most clocks, and nothing reads them one at a time but a ticket's page;
written as one row each they cost more than the rest of an evaluation. Here a block
holds up to BLOCK_CLOCKS of them as columns, each stored as offsets from its smallest
value in the narrowest unsigned type that holds them (frame of reference): the ids,
starts and stops of one run of tickets differ by far less than their magnitude, so a
clock takes some 25 bytes instead of a row's 150.

A block holds the clocks of one target. The blocks of an agreement's target cover
disjoint ranges of ticket ids: a ticket's archived clock of that target is in the block
with the greatest `first_ticket` not above the ticket's id (its *leaf*). Replacing clocks
rewrites only the leaves of the tickets concerned. (Evaluation computes clocks target by
target, in ticket order, so blocks per target are written without merging targets.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from accord.evaluation.fields import from_epoch
from accord.evaluation.loading import IntArray
from accord.evaluation.models import ClockArchive, ClockResult, ClockStatus

COLUMNS = ("ticket", "target", "period", "threshold", "started", "stopped", "business", "actual")
BLOCK_CLOCKS = 32_768
_WIDTHS = ((1 << 8, "<u1"), (1 << 16, "<u2"), (1 << 32, "<u4"))
TargetKey = tuple[str, int, int]  # target name, target id, agreement version id


@dataclass(frozen=True, eq=False)
class Settled:
    """Settled clocks as columns (COLUMNS), sorted by ticket: `target` indexes `targets`,
    `period` indexes `periods` (the label of the period the clock counts in)."""

    columns: dict[str, IntArray]
    targets: list[TargetKey]
    periods: list[str]

    @property
    def size(self) -> int:
        return int(self.columns["ticket"].size)

    @classmethod
    def empty(cls) -> Settled:
        return cls({name: np.empty(0, np.int64) for name in COLUMNS}, [], [])

    def take(self, rows: np.ndarray) -> Settled:
        """These rows (a mask or indexes), in the order given."""
        return Settled({k: v[rows] for k, v in self.columns.items()}, self.targets, self.periods)

    @classmethod
    def concat(cls, parts: Sequence[Settled]) -> Settled:
        """One table of `parts` (each sorted by ticket), sorted by ticket (then as
        given), vocabularies merged."""
        parts = [p for p in parts if p.size]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        targets = list(dict.fromkeys(t for p in parts for t in p.targets))
        periods = list(dict.fromkeys(label for p in parts for label in p.periods))
        columns: dict[str, list[IntArray]] = {name: [] for name in COLUMNS}
        for part in parts:
            recode = {
                "target": np.array([targets.index(t) for t in part.targets], np.int64),
                "period": np.array([periods.index(label) for label in part.periods], np.int64),
            }
            for name in COLUMNS:
                values = part.columns[name]
                columns[name].append(recode[name][values] if name in recode else values)
        merged = {name: np.concatenate(values) for name, values in columns.items()}
        order = np.argsort(merged["ticket"], kind="stable")
        return cls({k: v[order] for k, v in merged.items()}, targets, periods)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.targets]

    def same_as(self, other: Settled) -> bool:
        """Whether both hold the same clocks in the same order (vocabularies may differ)."""
        if self.size != other.size:
            return False
        vocabularies = {
            "target": (self.targets, other.targets),
            "period": (self.periods, other.periods),
        }
        for name in COLUMNS:
            mine, theirs = self.columns[name], other.columns[name]
            if name in vocabularies and theirs.size:
                own, foreign = vocabularies[name]
                codes = {value: code for code, value in enumerate(own)}
                theirs = np.array([codes.get(value, -1) for value in foreign], np.int64)[theirs]
            if not np.array_equal(mine, theirs):
                return False
        return True


def replace(agreement_id: int, tickets: IntArray | None, clocks: Mapping[str, Settled]) -> None:
    """Drop the archived clocks of `tickets` (every ticket when None), then archive
    `clocks` (target name → its clocks). Only the leaves of the tickets concerned are
    read and rewritten."""
    if tickets is None:
        ClockArchive.objects.filter(agreement_id=agreement_id).delete()
        for name, settled in clocks.items():
            _insert(agreement_id, name, settled)
        return
    stored = ClockArchive.objects.filter(agreement_id=agreement_id)
    names = set(stored.values_list("target_name", flat=True).distinct()) | set(clocks)
    for name in sorted(names):
        _replace_leaves(agreement_id, name, tickets, clocks.get(name, Settled.empty()))


def _replace_leaves(agreement_id: int, name: str, tickets: IntArray, settled: Settled) -> None:
    """`replace` for the blocks of one target."""
    leaves = list(
        ClockArchive.objects.filter(agreement_id=agreement_id, target_name=name)
        .order_by("first_ticket")
        .values_list("pk", "first_ticket")
    )
    if not leaves:
        _insert(agreement_id, name, settled)
        return
    firsts = np.array([first for _, first in leaves], np.int64)
    incoming_leaf = _leaf_of(firsts, settled.columns["ticket"])
    touched = np.unique(np.r_[_leaf_of(firsts, tickets), incoming_leaf])
    blocks = ClockArchive.objects.filter(pk__in=[leaves[i][0] for i in touched.tolist()])
    by_pk = {block.pk: block for block in blocks}
    for leaf in touched.tolist():
        block = by_pk[leaves[leaf][0]]
        old = decode(block)
        leaving = np.isin(old.columns["ticket"], tickets)
        arriving = settled.take(incoming_leaf == leaf)
        if old.take(leaving).same_as(arriving):
            continue  # re-evaluated, settled as before: routine evaluation's usual case
        content = Settled.concat([old.take(~leaving), arriving])
        block.delete()
        _insert(agreement_id, name, content)


def forget(tickets: IntArray) -> None:
    """Drop the archived clocks of these tickets under every agreement (rows of deleted
    tickets go by cascade; archived clocks name tickets only inside their blocks)."""
    if not tickets.size:
        return
    holding = ClockArchive.objects.filter(
        first_ticket__lte=int(tickets.max()), last_ticket__gte=int(tickets.min())
    )
    for agreement_id, name in holding.values_list("agreement_id", "target_name").distinct():
        _replace_leaves(agreement_id, name, tickets, Settled.empty())


def forget_deleted_ticket(sender: Any, instance: Any, **_: Any) -> None:
    """post_delete of a Ticket."""
    forget(np.array([instance.pk], np.int64))


def _leaf_of(firsts: IntArray, tickets: IntArray) -> IntArray:
    """The index of each ticket's leaf among blocks starting at `firsts` (the first block
    also takes tickets below it)."""
    return np.maximum(np.searchsorted(firsts, tickets, "right") - 1, 0).astype(np.int64)


def _insert(agreement_id: int, name: str, settled: Settled) -> None:
    """Archive `settled` (clocks of the target `name`) as new blocks of at most about
    BLOCK_CLOCKS."""
    if not settled.size:
        return
    tickets = settled.columns["ticket"]
    if np.any(tickets[1:] < tickets[:-1]):
        settled = settled.take(np.argsort(tickets, kind="stable"))
    ClockArchive.objects.bulk_create(
        [
            encode(agreement_id, name, settled.take(part))
            for part in _chunks(settled.columns["ticket"])
        ],
        batch_size=16,
    )


def _chunks(tickets: IntArray) -> Iterator[slice]:
    """Slices of about equal size, at most about BLOCK_CLOCKS, cut between tickets."""
    count = int(np.ceil(tickets.size / BLOCK_CLOCKS))
    cuts = [0]
    for k in range(1, count):
        at = int(np.searchsorted(tickets, tickets[k * tickets.size // count], "left"))
        if at > cuts[-1]:
            cuts.append(at)
    cuts.append(tickets.size)
    for start, stop in pairwise(cuts):
        yield slice(start, stop)


def encode(agreement_id: int, name: str, settled: Settled) -> ClockArchive:
    """One block of `settled`, clocks of the target `name` (not saved)."""
    layout: list[list[Any]] = []
    data = []
    for column in COLUMNS:
        values = settled.columns[column]
        base = int(values.min())
        span = int(values.max()) - base
        dtype = next((d for limit, d in _WIDTHS if span < limit), "<i8")
        layout.append([column, base, dtype])
        data.append((values - base).astype(dtype).tobytes())
    stops = settled.columns["stopped"]
    tickets = settled.columns["ticket"]
    return ClockArchive(
        agreement_id=agreement_id,
        target_name=name,
        first_ticket=int(tickets[0]),
        last_ticket=int(tickets[-1]),
        clocks=settled.size,
        counted_from=int(stops.min()),
        counted_until=int(stops.max()),
        layout={
            "targets": [list(t) for t in settled.targets],
            "periods": settled.periods,
            "columns": layout,
        },
        data=b"".join(data),
    )


def decode(block: ClockArchive, names: Iterable[str] = COLUMNS) -> Settled:
    """The clocks of a block (only the columns `names`; the others are left empty)."""
    wanted = set(names)
    data = memoryview(block.data)
    columns = {name: np.empty(0, np.int64) for name in COLUMNS}
    offset = 0
    for name, base, dtype in block.layout["columns"]:
        width = np.dtype(dtype).itemsize * block.clocks
        if name in wanted:
            raw = np.frombuffer(data, dtype, block.clocks, offset)
            columns[name] = raw.astype(np.int64) + base
        offset += width
    targets = [(str(n), int(t), int(v)) for n, t, v in block.layout["targets"]]
    return Settled(columns, targets, list(block.layout["periods"]))


# --- Reads -------------------------------------------------------------------------


def counted_since(agreement_id: int, since: int, names: Sequence[str]) -> tuple[IntArray, IntArray]:
    """(index into `names` or -1, counted instant) of the archived clocks counting at or
    after `since`."""
    blocks = ClockArchive.objects.filter(agreement_id=agreement_id, counted_until__gte=since)
    codes, instants = [], []
    for block in blocks.iterator(chunk_size=8):
        settled = decode(block, ("target", "stopped"))
        keep = settled.columns["stopped"] >= since
        recode = np.array([_index(names, name) for name in settled.names()], np.int64)
        codes.append(recode[settled.columns["target"][keep]])
        instants.append(settled.columns["stopped"][keep])
    if not codes:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(codes), np.concatenate(instants)


def _index(names: Sequence[str], name: str) -> int:
    return names.index(name) if name in names else -1


def of_tickets(agreement_id: int, tickets: IntArray) -> Settled:
    """The archived clocks of these tickets of one agreement."""
    return Settled.concat([settled for _, settled in blocks_of([agreement_id], tickets)])


def ticket_clocks(ticket_id: int, agreement_ids: Iterable[int] | None = None) -> list[ClockResult]:
    """The archived clocks of one ticket, under these agreements (or any), as unsaved
    ClockResult objects."""
    found = []
    for agreement_id, settled in blocks_of(agreement_ids, np.array([ticket_id], np.int64)):
        found += results_of(agreement_id, settled)
    return found


def blocks_of(
    agreement_ids: Iterable[int] | None, tickets: IntArray | None = None
) -> Iterator[tuple[int, Settled]]:
    """(agreement id, clocks) of every block of these agreements (of any, when None);
    given `tickets`, of the blocks whose range may hold them, and only their clocks."""
    blocks = ClockArchive.objects.all()
    if agreement_ids is not None:
        blocks = blocks.filter(agreement_id__in=list(agreement_ids))
    if tickets is not None:
        if not tickets.size:
            return
        blocks = blocks.filter(
            last_ticket__gte=int(tickets.min()), first_ticket__lte=int(tickets.max())
        )
    for block in blocks.order_by("agreement_id", "target_name", "first_ticket").iterator(
        chunk_size=8
    ):
        settled = decode(block)
        if tickets is not None:
            settled = settled.take(np.isin(settled.columns["ticket"], tickets))
        yield block.agreement_id, settled


def results_of(agreement_id: int, settled: Settled) -> list[ClockResult]:
    """Unsaved ClockResult objects of archived clocks: the same fields as a stored row's
    (a met clock has no breach instant, counts at its stop and has no warnings due)."""
    c = settled.columns
    rows = zip(
        *(c[name].tolist() for name in COLUMNS),
        strict=True,
    )
    out = []
    for ticket, target, period, threshold, started, stopped, business, actual in rows:
        name, target_id, version_id = settled.targets[target]
        out.append(
            ClockResult(
                agreement_id=agreement_id,
                ticket_id=ticket,
                target_name=name,
                target_id=target_id,
                version_id=version_id,
                status=ClockStatus.MET,
                started_at=from_epoch(started),
                stopped_at=from_epoch(stopped),
                threshold_s=threshold,
                business_elapsed_s=business,
                actual_elapsed_s=actual,
                percent_elapsed=business * 100.0 / threshold if threshold else 0.0,
                breach_at=None,
                counted_at=from_epoch(stopped),
                period=settled.periods[period],
                warnings=None,
                warn_last_at=None,
            )
        )
    return out


class ArchivedClocks:
    """Archived clocks chosen across blocks and agreements, for listing in the order of
    the clock API: latest started first, then agreement, ticket and target."""

    def __init__(self, parts: Sequence[tuple[int, Settled]]) -> None:
        self.parts = [(agreement, settled) for agreement, settled in parts if settled.size]

    @classmethod
    def none(cls) -> ArchivedClocks:
        return cls([])

    @classmethod
    def select(
        cls,
        agreement_ids: Iterable[int],
        *,
        tickets: IntArray | None = None,
        hidden: IntArray | None = None,
        target: str | None = None,
        period: str | None = None,
    ) -> ArchivedClocks:
        """Of these agreements, the clocks of `tickets` (any), not of `hidden` tickets,
        of one target and one period label (any)."""
        parts = []
        for agreement_id, settled in blocks_of(agreement_ids, tickets):
            keep = np.ones(settled.size, bool)
            if hidden is not None and hidden.size:
                keep &= ~np.isin(settled.columns["ticket"], hidden)
            if target is not None:
                keep &= np.isin(settled.columns["target"], _codes(settled.names(), target))
            if period is not None:
                keep &= np.isin(settled.columns["period"], _codes(settled.periods, period))
            parts.append((agreement_id, settled.take(keep)))
        return cls(parts)

    @property
    def count(self) -> int:
        return sum(settled.size for _, settled in self.parts)

    def first(self, n: int) -> list[ClockResult]:
        """The first `n` clocks in listing order."""
        if not self.parts:
            return []
        names = sorted({name for _, s in self.parts for name in s.names()})
        started, agreement, ticket, name, part, row = [], [], [], [], [], []
        for i, (agreement_id, settled) in enumerate(self.parts):
            c = settled.columns
            ranks = np.array([names.index(n) for n in settled.names()], np.int64)
            started.append(c["started"])
            agreement.append(np.full(settled.size, agreement_id, np.int64))
            ticket.append(c["ticket"])
            name.append(ranks[c["target"]])
            part.append(np.full(settled.size, i, np.int64))
            row.append(np.arange(settled.size))
        keys = [np.concatenate(k) for k in (name, ticket, agreement)]
        order = np.lexsort([*keys, -np.concatenate(started)])[:n]
        parts, rows = np.concatenate(part)[order], np.concatenate(row)[order]
        found = []
        for i, r in zip(parts.tolist(), rows.tolist(), strict=True):
            agreement_id, settled = self.parts[i]
            found += results_of(agreement_id, settled.take(np.array([r])))
        return found


def _codes(vocabulary: Sequence[str], value: str) -> list[int]:
    return [i for i, text in enumerate(vocabulary) if text == value]
