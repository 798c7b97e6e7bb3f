"""Benchmark of accord.engine: ticket clocks, calendars, availability, and peers.

Run with `make bench` (never by the test suite). One thread; medians of several runs.

- Clocks: 10⁶ and 10⁷ synthetic tickets over three years (2023–2025) under office
  hours in Europe/London (Mon–Fri 08:00–18:00, English bank holidays), priorities
  P1–P4 with 4 h / 8 h / 3 d / 5 d targets, 15 % still running at `as_of`. One
  `evaluate_clocks` call computes business and actual elapsed, % elapsed, status and
  the breach instant together, so `clocks_elapsed_per_s` and `clocks_breach_per_s`
  both report that call, at the slower of the two sizes (the table also shows each
  primitive on its own). `clocks_paused_per_s`: the same with 10 % of tickets paused
  one to three times. Ratios to peers compare equal sizes (10⁶ clocks).
- Calendar: compiling ten years of the same calendar.
- Availability: `measure()` from bench/availability_case.py.
- Peers, on the same tickets: NumPy business-day arithmetic (`np.busday_count` /
  `np.busday_offset`, vectorised), pandas `CustomBusinessHour` and the
  `businesstimedelta` package (both per ticket). Peers get local wall-clock times
  ready-made (their time zone conversion is not timed) and whole-hour targets. Each is
  checked against the engine on a 2,000-ticket sample.

`python bench/engine.py --json` prints only the JSON summary.
"""

from __future__ import annotations

import os

for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_variable] = "1"  # one thread, before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ siblings

from accord.engine.calendar import (  # noqa: E402
    CalendarSpec,
    CompiledCalendar,
    advance,
    business_seconds,
    compile_calendar,
    weekly_hours,
)
from accord.engine.clocks import NO_INSTANT, evaluate_clocks  # noqa: E402

ZONE = "Europe/London"
H = 3600
# English bank holidays 2023–2026 (the `holidays` package gives the same dates; the
# engine takes explicit dates, so the bench spells them out).
_BANK_HOLIDAY_TEXT = """
2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28
2023-12-25 2023-12-26 2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27
2024-08-26 2024-12-25 2024-12-26 2025-01-01 2025-04-18 2025-04-21 2025-05-05
2025-05-26 2025-08-25 2025-12-25 2025-12-26 2026-01-01 2026-04-03 2026-04-06
2026-05-04 2026-05-25
"""
BANK_HOLIDAYS = tuple(date.fromisoformat(d) for d in _BANK_HOLIDAY_TEXT.split())
OFFICE = CalendarSpec(
    ZONE,
    weekly_hours({day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}),
    closed_dates=frozenset(BANK_HOLIDAYS),
)
TICKETS_FROM = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
TICKETS_UNTIL = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())
AS_OF = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
CALENDAR_END = int(datetime(2026, 7, 1, tzinfo=UTC).timestamp())
THRESHOLD_HOURS = np.array([4, 8, 72, 120])  # P1..P4; `3d` is 72 business hours (§1)
PRIORITY_SHARE = np.array([0.1, 0.2, 0.4, 0.3])
PEER_SIZE = 1_000_000  # the vectorised peer is timed on as many clocks as the engine


@dataclass(frozen=True)
class Tickets:
    start: np.ndarray
    stop: np.ndarray
    threshold: np.ndarray
    pause_owner: np.ndarray
    pause_start: np.ndarray
    pause_end: np.ndarray

    def unpaused(self) -> Tickets:
        empty = np.empty(0, dtype=np.int64)
        return Tickets(self.start, self.stop, self.threshold, empty, empty, empty)

    def evaluate(self, cal: CompiledCalendar, **options: Any) -> Any:
        return evaluate_clocks(
            cal,
            start=self.start,
            stop=self.stop,
            threshold=self.threshold,
            pause_owner=self.pause_owner,
            pause_start=self.pause_start,
            pause_end=self.pause_end,
            as_of=AS_OF,
            **options,
        )


def make_tickets(n: int, seed: int = 3) -> Tickets:
    rng = np.random.default_rng(seed)
    start = rng.integers(TICKETS_FROM, TICKETS_UNTIL, n, dtype=np.int64)
    priority = rng.choice(4, n, p=PRIORITY_SHARE)
    threshold = THRESHOLD_HOURS[priority] * H
    # resolution takes about the target's length in wall-clock time, long-tailed
    stop = start + (rng.exponential(1.0, n) * threshold * 2.5).astype(np.int64)
    stop[rng.random(n) < 0.15] = NO_INSTANT
    paused = rng.choice(n, n // 10, replace=False)
    count = rng.integers(1, 4, paused.size)
    owner = np.repeat(paused, count)
    pause_start = start[owner] + rng.integers(0, 2 * 86_400, owner.size)
    pause_end = pause_start + rng.exponential(8 * H, owner.size).astype(np.int64) + 60
    pause_end[(stop[owner] == NO_INSTANT) & (rng.random(owner.size) < 0.3)] = NO_INSTANT  # ongoing
    return Tickets(start, stop, threshold, owner, pause_start, pause_end)


def median_seconds(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: first-touch page faults and caches are not the engine's steady cost
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bytes_per_clock(cal: CompiledCalendar, tickets: Tickets) -> float:
    """Peak memory allocated during one call (outputs included) per clock."""
    tracemalloc.start()
    tickets.evaluate(cal)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / tickets.start.size


def compile_ten_years() -> float:
    start = int(datetime(2016, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    return median_seconds(lambda: compile_calendar(OFFICE, start, end), runs=7)


def availability_seconds() -> float | None:
    try:
        from availability_case import measure  # written alongside; optional here
    except ImportError as error:
        print(f"availability case missing ({error}); reporting null", file=sys.stderr)
        return None
    return float(measure())


Row = tuple[str, str, str, str]  # label, measured, target, verdict


def row(label: str, measured: str, target: str = "", ok: bool | None = None) -> Row:
    return (label, measured, target, "" if ok is None else "PASS" if ok else "FAIL")


def measure_clocks(sizes: tuple[int, ...], runs: int) -> tuple[dict[str, Any], list[Row]]:
    cal = compile_calendar(OFFICE, TICKETS_FROM, CALENDAR_END)
    rows: list[Row] = []
    summary: dict[str, Any] = {}
    for n in sizes:
        tickets = make_tickets(n)
        plain = tickets.unpaused()
        end = np.minimum(tickets.stop, AS_OF)
        full = n / median_seconds(lambda t=plain: t.evaluate(cal), runs)
        paused = n / median_seconds(lambda t=tickets: t.evaluate(cal), runs)
        warned = n / median_seconds(
            lambda t=plain: t.evaluate(cal, warn_percents=(50, 75, 100)), runs
        )
        alone = n / median_seconds(lambda t=plain, e=end: business_seconds(cal, t.start, e), runs)
        breach = n / median_seconds(lambda t=plain: advance(cal, t.start, t.threshold), runs)
        rows += [
            row(
                f"evaluate_clocks, {n:,} clocks", f"{full / 1e6:.1f} M/s", "≥ 20 M/s", full >= 20e6
            ),
            row("  … 10 % of tickets paused", f"{paused / 1e6:.1f} M/s", "≥ 5 M/s", paused >= 5e6),
            row("  … plus warnings at 50/75/100 %", f"{warned / 1e6:.1f} M/s"),
            row("  business_seconds alone (elapsed)", f"{alone / 1e6:.1f} M/s"),
            row("  advance alone (breach instant)", f"{breach / 1e6:.1f} M/s"),
        ]
        # the JSON keeps the slower of the sizes; per size for the peer comparison
        for key, value in (("clocks_elapsed_per_s", full), ("clocks_paused_per_s", paused)):
            summary[key] = min(summary.get(key, value), value)
        summary[f"_engine_{n}"] = full
        del tickets, plain, end
    sample = make_tickets(1_000_000)
    for label, tickets in (("no pauses", sample.unpaused()), ("10 % paused", sample)):
        per_clock = bytes_per_clock(cal, tickets)
        rows.append(
            row(f"memory per clock, {label}", f"{per_clock:.0f} B", "≤ 64 B", per_clock <= 64)
        )
    return summary, rows


# --------------------------------------------------------------------------- peers


@dataclass(frozen=True)
class Sample:
    """Tickets as a peer receives them: local wall-clock times, whole-hour targets.

    Converting to local time is left out of the peers' timings (generous to them).
    """

    start: np.ndarray
    end: np.ndarray
    threshold: np.ndarray
    local_start: np.ndarray  # naive local seconds since 1970-01-01 00:00
    local_end: np.ndarray

    @classmethod
    def of(cls, tickets: Tickets, size: int) -> Sample:
        start, end = tickets.start[:size], np.minimum(tickets.stop[:size], AS_OF)
        return cls(start, end, tickets.threshold[:size], _to_local(start), _to_local(end))

    def datetimes(self, local: np.ndarray) -> list[datetime]:
        return [datetime.fromtimestamp(int(t), UTC).replace(tzinfo=None) for t in local]


def _to_local(instants: np.ndarray) -> np.ndarray:
    import pandas as pd

    utc = pd.DatetimeIndex(instants * 10**9, tz="UTC")
    return np.asarray(utc.tz_convert(ZONE).tz_localize(None).asi8 // 10**9)


def _from_local(local: np.ndarray) -> np.ndarray:
    import pandas as pd

    wall = pd.DatetimeIndex(local * 10**9).tz_localize(ZONE, ambiguous=True)
    return np.asarray(wall.asi8 // 10**9)


OPEN_S, SHUT_S = 8 * H, 18 * H
HOLIDAY_DAYS = np.array(BANK_HOLIDAYS, dtype="datetime64[D]")


def numpy_busday(sample: Sample) -> tuple[np.ndarray, np.ndarray]:
    """What a NumPy user writes for one-interval office hours, vectorised."""
    day_s, time_s = np.divmod(sample.local_start, 86_400)
    day_e, time_e = np.divmod(sample.local_end, 86_400)
    d_s, d_e = day_s.astype("datetime64[D]"), day_e.astype("datetime64[D]")
    is_s = np.is_busday(d_s, holidays=HOLIDAY_DAYS)
    is_e = np.is_busday(d_e, holidays=HOLIDAY_DAYS)
    used_s = np.clip(time_s - OPEN_S, 0, SHUT_S - OPEN_S) * is_s
    used_e = np.clip(time_e - OPEN_S, 0, SHUT_S - OPEN_S) * is_e
    elapsed = np.busday_count(d_s, d_e, holidays=HOLIDAY_DAYS) * (SHUT_S - OPEN_S) - used_s + used_e
    first = np.busday_offset(d_s, 0, roll="forward", holidays=HOLIDAY_DAYS)
    counted = np.where(first == d_s, used_s, 0) + sample.threshold
    days, rest = np.divmod(counted, SHUT_S - OPEN_S)  # rest 0 → next opening (infimum rule)
    breach_day = np.busday_offset(first, days, holidays=HOLIDAY_DAYS).astype(np.int64)
    return elapsed, breach_day * 86_400 + OPEN_S + rest


def pandas_custom_business_hour(sample: Sample) -> tuple[None, np.ndarray]:
    """pandas has no business-time difference; it can only add business hours."""
    import pandas as pd

    hour = pd.offsets.CustomBusinessHour(
        start="08:00", end="18:00", weekmask="Mon Tue Wed Thu Fri", holidays=list(BANK_HOLIDAYS)
    )
    starts = [pd.Timestamp(t) for t in sample.datetimes(sample.local_start)]
    hours = (sample.threshold // H).tolist()
    breach = [int((s + hour * n).value // 10**9) for s, n in zip(starts, hours, strict=True)]
    return None, np.array(breach, dtype=np.int64)


def business_time_delta(sample: Sample) -> tuple[np.ndarray, np.ndarray]:
    import businesstimedelta as btd

    rules = btd.Rules(
        [
            btd.WorkDayRule(
                start_time=datetime.min.time().replace(hour=8),
                end_time=datetime.min.time().replace(hour=18),
                working_days=[0, 1, 2, 3, 4],
            ),
            btd.HolidayRule(frozenset(BANK_HOLIDAYS)),
        ]
    )
    elapsed, breach = [], []
    for s, e, hours in zip(
        sample.datetimes(sample.local_start),
        sample.datetimes(sample.local_end),
        (sample.threshold // H).tolist(),
        strict=True,
    ):
        elapsed.append(int(rules.difference(s, e).timedelta.total_seconds()))
        deadline = s + btd.BusinessTimeDelta(rules, hours=hours)
        breach.append(int(deadline.replace(tzinfo=UTC).timestamp()))
    return np.array(elapsed, dtype=np.int64), np.array(breach, dtype=np.int64)


PEERS: tuple[tuple[str, Callable[[Sample], tuple[np.ndarray | None, np.ndarray]], int], ...] = (
    ("numpy busday", numpy_busday, PEER_SIZE),  # vectorised: timed on a large sample
    ("pandas CustomBusinessHour", pandas_custom_business_hour, 2_000),
    ("businesstimedelta", business_time_delta, 300),
)


def agreement(
    cal: CompiledCalendar, sample: Sample, elapsed: np.ndarray | None, local_breach: np.ndarray
) -> str:
    expected_breach = advance(cal, sample.start, sample.threshold)
    breach = _from_local(local_breach)
    notes = []
    if elapsed is not None:
        wrong = int((elapsed != business_seconds(cal, sample.start, sample.end)).sum())
        notes.append("elapsed identical" if wrong == 0 else f"elapsed differs on {wrong}")
    else:
        notes.append("no elapsed function")
    wrong = breach != expected_breach
    at_closing = wrong & (_to_local(breach) % 86_400 == SHUT_S)
    text = "breach identical" if not wrong.any() else f"breach differs on {int(wrong.sum())}"
    if at_closing.any():
        text += f" ({int(at_closing.sum())} at closing time: no infimum rule)"
    return f"{', '.join(notes)}, {text} (n={sample.start.size:,})"


def compare_peers(engine_per_s: float) -> tuple[dict[str, float], list[Row]]:
    cal = compile_calendar(OFFICE, TICKETS_FROM, CALENDAR_END)
    tickets = make_tickets(max(size for _, _, size in PEERS), seed=11).unpaused()
    check = Sample.of(tickets, 2_000)
    peers: dict[str, float] = {}
    rows = []
    for name, peer, size in PEERS:
        timed = Sample.of(tickets, size)
        per_s = size / median_seconds(lambda p=peer, t=timed: p(t), runs=3)
        peers[name] = per_s
        elapsed, breach = peer(check)
        label = f"peer {name} (engine {engine_per_s / per_s:,.0f}×)"
        rows.append(row(label, f"{per_s:,.0f} clocks/s", agreement(cal, check, elapsed, breach)))
    return peers, rows


def main() -> int:
    parser = argparse.ArgumentParser(description="accord.engine benchmark")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    parser.add_argument("--quick", action="store_true", help="10⁶ clocks only")
    args = parser.parse_args()
    sizes = (1_000_000,) if args.quick else (1_000_000, 10_000_000)
    measured, rows = measure_clocks(sizes, runs=7)
    compile_s = compile_ten_years()
    availability = availability_seconds()
    engine = measured[f"_engine_{PEER_SIZE}"]
    peers, peer_rows = compare_peers(engine)
    summary = {
        "clocks_elapsed_per_s": measured["clocks_elapsed_per_s"],
        "clocks_breach_per_s": measured["clocks_elapsed_per_s"],  # the same call
        "clocks_paused_per_s": measured["clocks_paused_per_s"],
        "calendar_compile_s": compile_s,
        "availability_s": availability,
        "peers": peers,
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    rows.append(
        row("compile a 10-year calendar", f"{compile_s * 1e3:.1f} ms", "< 100 ms", compile_s < 0.1)
    )
    if availability is None:
        rows.append(row("availability case", "missing", "< 100 ms"))
    else:
        rows.append(
            row("availability case", f"{availability * 1e3:.1f} ms", "< 100 ms", availability < 0.1)
        )
    fastest = max(peers.values())
    rows.append(
        row("engine ÷ fastest peer", f"{engine / fastest:,.0f}×", "≥ 5×", engine >= 5 * fastest)
    )
    btd = peers["businesstimedelta"]
    rows.append(
        row("engine ÷ businesstimedelta", f"{engine / btd:,.0f}×", "≥ 1,000×", engine >= 1000 * btd)
    )
    print(f"accord.engine benchmark, one thread, medians — {time.strftime('%Y-%m-%d %H:%M')}")
    width = max(len(r[0]) for r in rows) + 2
    for label, value, target, verdict in rows:
        print(f"{label:<{width}}{value:>20}   {target:<10} {verdict}")
    for label, value, note, _ in peer_rows:
        print(f"{label:<{width}}{value:>20}   {note}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
