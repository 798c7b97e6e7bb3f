"""Benchmark of `accord import`: the ServiceNow log and a synthetic million tickets.

Run with `make bench` (never by the test suite). Every measured run is a real
`accord import …` process on a fresh scratch database, timed from start to exit (Django
start-up included), with its CPU time and peak resident memory taken from `wait4`.

- ServiceNow: tests/data/incident_event_log.csv.zip (unzipped to a temp dir, not timed),
  20,769 tickets and 119,998 events, imported with `--format servicenow`; then imported
  again (everything unchanged).
- Synthetic: a tickets CSV (id, service, priority, opened/responded/resolved/closed,
  state and two attribute columns) and an events CSV (ticket_id, at, state, priority) of
  4 or 6 events per ticket, 5 on average, grouped by ticket as exports are. Imported as
  `accord import tickets` then `accord import events`; tickets/s counts both commands'
  time ("with their events"). Two sizes (default 10⁵ and 10⁶ tickets) show whether peak
  memory depends on the file size.
- Databases: SQLite (a file in the temp dir, WAL, as `accord` configures it) and
  PostgreSQL (a scratch database on 127.0.0.1:5432, user postgres, created and dropped).

`python bench/ingest.py --json` prints only the JSON results.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ACCORD = [sys.executable, "-m", "accord.cli"]
SERVICENOW_LOG = REPO / "tests" / "data" / "incident_event_log.csv.zip"
POSTGRES = "postgres://postgres@127.0.0.1:5432/{name}"
TARGET_TICKETS_PER_S = 50_000
TARGET_SIZE = 1_000_000  # the issue sets the rate for the million-ticket file
TARGET_SERVICENOW_S = 10.0
DB_PREFIX = "accord_bench_"  # --db-prefix
Log = Callable[[str], None]


@dataclass
class Run:
    database: str
    dataset: str
    step: str  # what the command(s) did
    tickets: int
    events: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    summary: str
    load_average: float  # of the machine (1 min) when the run started: others' work shows here

    @property
    def tickets_per_s(self) -> float:
        return self.tickets / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic ticket counts")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--data", type=Path, help="keep generated files here (reused)")
    parser.add_argument("--json", action="store_true", help="print only the JSON results")
    parser.add_argument(
        "--db-prefix",
        default="accord_bench_",
        help="name prefix of the scratch PostgreSQL databases",
    )
    options = parser.parse_args()
    global DB_PREFIX
    DB_PREFIX = options.db_prefix
    sizes = [int(size) for size in options.sizes.split(",") if size]
    log: Log = (lambda _: None) if options.json else (lambda line: print(line, file=sys.stderr))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temp:
        data = options.data or Path(temp)
        data.mkdir(parents=True, exist_ok=True)
        servicenow = _unzip_servicenow(Path(temp))
        files = {size: generate(size, data, log) for size in sizes}
        for database in options.databases.split(","):
            runs += _servicenow_runs(database, servicenow, Path(temp), log)
            for size, (tickets, events, event_count) in files.items():
                runs += _synthetic_runs(
                    database, size, tickets, events, event_count, Path(temp), log
                )
    results = {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "runs": [
            asdict(r) | {"tickets_per_s": r.tickets_per_s, "events_per_s": r.events_per_s}
            for r in runs
        ],
    }
    if options.json:
        print(json.dumps(results, indent=2))
    else:
        _print_table(runs)


def _servicenow_runs(database: str, log_csv: Path, temp: Path, log: Log) -> list[Run]:
    runs = []
    with scratch_database(database, temp, "servicenow") as url:
        args = [
            "tickets",
            str(log_csv),
            "--format",
            "servicenow",
            "--service",
            "svc",
            "--timezone",
            "America/Sao_Paulo",
        ]
        for step in ("import", "again (unchanged)"):
            runs.append(_timed(url, database, "servicenow", step, 20_769, 119_998, args))
            log(_line(runs[-1]))
    return runs


def _synthetic_runs(
    database: str, size: int, tickets: Path, events: Path, event_count: int, temp: Path, log: Log
) -> list[Run]:
    dataset = f"synthetic {size:,}"
    with scratch_database(database, temp, f"s{size}") as url:
        first = _timed(url, database, dataset, "tickets", size, 0, ["tickets", str(tickets)])
        second = _timed(url, database, dataset, "events", 0, event_count, ["events", str(events)])
    both = Run(
        database,
        dataset,
        "tickets + events",
        size,
        event_count,
        first.seconds + second.seconds,
        first.cpu_seconds + second.cpu_seconds,
        max(first.peak_rss_mib, second.peak_rss_mib),
        f"{first.summary} | {second.summary}",
        max(first.load_average, second.load_average),
    )
    for run in (first, second, both):
        log(_line(run))
    return [first, second, both]


def _timed(
    url: str, database: str, dataset: str, step: str, tickets: int, events: int, args: list[str]
) -> Run:
    """`accord import ARGS` in its own process: wall time, CPU time, peak memory."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*ACCORD, "import", *args], env=_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"accord import {' '.join(args)} failed:\n{out}\n{err}")
    summary = out.strip().splitlines()[-1]
    return Run(
        database,
        dataset,
        step,
        tickets,
        events,
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        summary,
        load,
    )


@contextmanager
def scratch_database(database: str, temp: Path, name: str) -> Iterator[str]:
    """A migrated, empty database holding one service, `svc`; dropped afterwards."""
    if database == "sqlite":
        path = temp / f"{name}.sqlite3"
        url = f"sqlite:///{path}"
        _prepare(url)
        try:
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    scratch = f"{DB_PREFIX}{name}_{os.getpid()}"
    admin = POSTGRES.format(name="postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {scratch}")
        connection.execute(f"CREATE DATABASE {scratch}")
    try:
        url = POSTGRES.format(name=scratch)
        _prepare(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")


def _prepare(url: str) -> None:
    subprocess.run([*ACCORD, "migrate", "--no-input", "-v0"], env=_env(url), check=True)
    # bulk_create: no save signals (an audit trail has nothing to say about a bench).
    create = (
        "from accord.catalogue.models import Subject;"
        " Subject.objects.bulk_create([Subject(kind='service', name='svc')])"
    )
    subprocess.run(
        [*ACCORD, "shell", "-c", create], env=_env(url), check=True, stdout=subprocess.DEVNULL
    )


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "ACCORD_DATABASE_URL": url, "ACCORD_DEBUG": "false"}


def _unzip_servicenow(temp: Path) -> Path:
    with zipfile.ZipFile(SERVICENOW_LOG) as archive:
        archive.extract("incident_event_log.csv", temp)
    return temp / "incident_event_log.csv"


def generate(size: int, directory: Path, log: Log) -> tuple[Path, Path, int]:
    """Synthetic tickets and events CSVs (deterministic; reused when already there)."""
    tickets, events = directory / f"tickets-{size}.csv", directory / f"events-{size}.csv"
    count_file = directory / f"events-{size}.count"
    if tickets.exists() and events.exists() and count_file.exists():
        return tickets, events, int(count_file.read_text())
    log(f"generating {size:,} tickets …")
    rnd = random.Random(size)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    count = 0
    with tickets.open("w", newline="") as t_file, events.open("w", newline="") as e_file:
        t_csv, e_csv = csv.writer(t_file), csv.writer(e_file)
        t_csv.writerow(
            [
                "id",
                "service",
                "priority",
                "opened_at",
                "responded_at",
                "resolved_at",
                "closed_at",
                "state",
                "category",
                "assignment_group",
            ]
        )
        e_csv.writerow(["ticket_id", "at", "state", "priority"])
        for i in range(size):
            ticket = f"INC{i:08d}"
            opened = base + timedelta(seconds=rnd.randrange(365 * 86400))
            responded = opened + timedelta(seconds=rnd.randrange(60, 7200))
            resolved = responded + timedelta(seconds=rnd.randrange(600, 3 * 86400))
            closed = resolved + timedelta(seconds=rnd.randrange(3600, 5 * 86400))
            priority = rnd.choice("12334444")
            t_csv.writerow(
                [
                    ticket,
                    "svc",
                    priority,
                    _iso(opened),
                    _iso(responded),
                    _iso(resolved),
                    _iso(closed),
                    "closed",
                    f"category {i % 37}",
                    f"group {i % 11}",
                ]
            )
            history = [(opened, "new"), (responded, "in-progress")]
            if i % 2:  # half of them wait for the customer once
                history += [
                    (responded + timedelta(seconds=300), "awaiting-customer"),
                    (responded + timedelta(seconds=900), "in-progress"),
                ]
            history += [(resolved, "resolved"), (closed, "closed")]
            e_csv.writerows([ticket, _iso(at), state, priority] for at, state in history)
            count += len(history)
    count_file.write_text(str(count))
    return tickets, events, count


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(run: Run) -> str:
    return (
        f"{run.database:8} {run.dataset:18} {run.step:18} {run.seconds:7.2f} s "
        f"(cpu {run.cpu_seconds:6.2f}) {run.tickets_per_s:9,.0f} tickets/s "
        f"{run.events_per_s:9,.0f} events/s  peak {run.peak_rss_mib:6.1f} MiB"
        f"  load {run.load_average:4.1f}"
    )


def _print_table(runs: list[Run]) -> None:
    print(
        "\ndatabase dataset            step                  wall       cpu   "
        "tickets/s   events/s  peak memory"
    )
    for run in runs:
        print(_line(run))
    print(
        f"\ntargets: ≥ {TARGET_TICKETS_PER_S:,} tickets/s (synthetic {TARGET_SIZE:,}, "
        "tickets + events); "
        f"ServiceNow log < {TARGET_SERVICENOW_S:g} s; peak memory independent of file size"
    )
    for run in runs:
        if run.step == "tickets + events":
            verdict = "met" if run.tickets_per_s >= TARGET_TICKETS_PER_S else "MISSED"
            if run.tickets != TARGET_SIZE:
                verdict = f"(no target at this size; it is set for {TARGET_SIZE:,})"
            print(f"  {run.database} {run.dataset}: {run.tickets_per_s:,.0f} tickets/s — {verdict}")
        elif run.dataset == "servicenow" and run.step == "import":
            verdict = "met" if run.seconds < TARGET_SERVICENOW_S else "MISSED"
            print(f"  {run.database} servicenow: {run.seconds:.2f} s — {verdict}")


if __name__ == "__main__":
    main()
