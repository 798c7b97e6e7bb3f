"""Ticket targets per period (SEMANTICS §3): counts, attainment, budget, burn rates,
forecast and status, from the clocks' statuses and the instants where they count.

The clocks come either straight from an evaluation in memory (a full evaluation) or
from the stored clock results (routine evaluation: only the clocks that can count in
the periods written, and the running ones); both take the same path from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accord.engine.budget import event_budget
from accord.engine.forecast import TRAILING_S, forecast_events
from accord.engine.ledger import ledger_from_clocks
from accord.engine.periods import Period
from accord.engine.tickets import ticket_attainment
from accord.evaluation import archive
from accord.evaluation.clocks import TICKET_METRICS, ClockGroup
from accord.evaluation.figures import Figures, conclude, start_figures
from accord.evaluation.loading import Column, IntArray, quote, read_columns
from accord.evaluation.models import ClockResult, ClockStatus
from accord.evaluation.scope import Scope

RUNNING = (ClockStatus.OPEN.value, ClockStatus.AT_RISK.value)


@dataclass(frozen=True, eq=False)
class ClockColumns:
    """What period figures need of each clock."""

    name: IntArray  # index into `names`
    names: list[str]
    status: IntArray
    counted_at: IntArray
    started_at: IntArray

    @classmethod
    def of_groups(cls, groups: Sequence[ClockGroup]) -> ClockColumns:
        names = list(dict.fromkeys(g.name for g in groups))
        parts = [
            (np.full(g.rows.size, names.index(g.name)), g.status, g.counted_at, g.start)
            for g in groups
        ]
        if not parts:
            empty = np.empty(0, np.int64)
            return cls(empty, names, empty, empty, empty)
        name, status, counted, started = (np.concatenate(p) for p in zip(*parts, strict=True))
        return cls(name.astype(np.int64), names, status, counted, started)

    @classmethod
    def stored(cls, agreement_id: int, since: int, names: Sequence[str]) -> ClockColumns:
        """Stored clocks of the targets `names` counting at or after `since`, and every
        running one (two reads of the rows, each along its own index), and the archived
        (met) ones counting from `since` on."""
        table = quote(ClockResult._meta.db_table)
        running = ", ".join(map(str, RUNNING))
        # Only what aggregation needs; the order of the rows does not matter.
        name = Column("c.target_name", vocabulary=tuple(names))
        where = f"{table} c WHERE c.agreement_id = %s AND "
        counted_names, status, at = read_columns(
            where + "c.counted_at >= %s",
            [agreement_id, since],
            [name, Column("c.status"), Column("c.counted_at")],
            ordered=False,
        )
        open_names, open_status, started = read_columns(
            where + f"c.status IN ({running})",
            [agreement_id],
            [name, Column("c.status"), Column("c.started_at")],
            ordered=False,
        )
        met_names, met_at = archive.counted_since(agreement_id, since, names)
        met = np.full(met_names.size, ClockStatus.MET.value, np.int64)
        none = np.full(open_names.size, -1, np.int64)
        return cls(
            np.concatenate([counted_names, met_names, open_names]),
            list(names),
            np.concatenate([status, met, open_status]),
            np.concatenate([at, met_at, none]),
            np.concatenate([np.full(at.size + met_at.size, -1, np.int64), started]),
        )

    def of(self, name: str) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """(met_at, breached_at, open_since, excluded_at) of one target's clocks."""
        if name not in self.names:
            empty = np.empty(0, np.int64)
            return empty, empty, empty, empty
        mine = self.name == self.names.index(name)
        status, counted = self.status[mine], self.counted_at[mine]
        return (
            counted[status == ClockStatus.MET],
            counted[status == ClockStatus.BREACHED],
            self.started_at[mine][np.isin(status, RUNNING)],
            counted[status == ClockStatus.EXCLUDED],
        )


def stored_clock_columns(agreement_id: int, since: int, names: Sequence[str]) -> ClockColumns:
    return ClockColumns.stored(agreement_id, since, names)


def ticket_figures(
    scope: Scope, clocks: ClockColumns, periods: Sequence[Period], *, as_of: int
) -> list[Figures]:
    """Figures of every ticket target in every period given."""
    if not periods:
        return []
    starts = np.array([p.start for p in periods], dtype=np.int64)
    ends = np.array([p.end for p in periods], dtype=np.int64)
    out = []
    for name in scope.target_names():
        metric = _metric(scope, name)
        if metric not in TICKET_METRICS:
            continue
        met_at, breached_at, open_since, excluded_at = clocks.of(name)
        counted = ticket_attainment(
            met_at=met_at, breached_at=breached_at, open_since=open_since, periods=(starts, ends)
        )
        excluded = _in_periods(excluded_at, starts, ends)
        ledger = ledger_from_clocks(met_at, breached_at)
        for j, period in enumerate(periods):
            figures = start_figures(scope, name, metric, period, as_of)
            if figures is None:
                continue
            figures.met, figures.breached = int(counted.met[j]), int(counted.breached[j])
            figures.open, figures.excluded = int(counted.open[j]), int(excluded[j])
            figures.attainment = counted.percent(j)
            budget = event_budget(
                objective=figures.objective,
                bad=figures.breached,
                total=figures.met + figures.breached,
            )
            forecast = forecast_events(
                ledger, period=(period.start, period.end), as_of=as_of, noun="clocks"
            )
            out.append(
                conclude(
                    figures,
                    budget=budget,
                    ledger=ledger,
                    forecast=forecast,
                    as_of=as_of,
                    time_based=False,
                    nominal_s=scope.period_spec.nominal_s,
                )
            )
    return out


def lookback(periods: Sequence[Period], as_of: int) -> int:
    """The earliest instant period figures read: the first period's start, or the
    trailing forecast window (which covers the burn-rate windows)."""
    first = min((p.start for p in periods), default=as_of)
    return min(first, as_of - TRAILING_S)


def _metric(scope: Scope, name: str) -> str:
    for segment in reversed(scope.segments):
        if name in segment.targets:
            return segment.targets[name].metric
    return ""


def _in_periods(instants: IntArray, starts: IntArray, ends: IntArray) -> IntArray:
    ordered = np.sort(instants)
    inside = np.searchsorted(ordered, ends, "left") - np.searchsorted(ordered, starts, "left")
    return inside.astype(np.int64)
