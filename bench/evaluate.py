"""Benchmark of evaluation, end to end from the database: load, compute, write.

Run with `make bench` (never by the test suite), or `python bench/evaluate.py`.

- ServiceNow: tests/data/incident_event_log.csv.zip imported (not timed) under a 5-target
  office-hours SLA (America/Sao_Paulo, Brazilian holidays, awaiting-customer pauses);
  its first, full evaluation over every month (2016-01 to 2016-06) is timed.
- Synthetic: `--tickets` (default 1,000,000) tickets of bench/evaluation_data.py written
  straight to the tables (not timed), under an SLA of 10 targets: response and resolution
  for each of priorities 1–4 (office hours with GB holidays for P3/P4, 24x7 for P1/P2,
  awaiting-customer pauses) and a response and a resolution target for every ticket.
  Each ticket therefore has 4 clocks. Timed: the first, full evaluation (every month of
  the year), then 1,000 new tickets and the routine (incremental) evaluation after them.
- Each database (SQLite file, PostgreSQL scratch database on 127.0.0.1:5432) runs in its
  own process. Seconds are wall-clock; "engine" is the time spent inside accord.engine
  functions, the rest is reading, preparing arrays and writing rows.

`python bench/evaluate.py --json` prints only the JSON results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://postgres@127.0.0.1:5432/{name}"
TARGET_FULL_S = 10.0
TARGET_INCREMENTAL_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--json", action="store_true", help="print only the JSON results")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the per-database process
    options = parser.parse_args()
    if options.inside:
        print(json.dumps(measure(options.tickets)))
        return
    log = (lambda _: None) if options.json else (lambda line: print(line, file=sys.stderr))
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temp:
        for database in options.databases.split(","):
            log(f"{database}: preparing and measuring ({options.tickets:,} tickets)…")
            results += run_database(database, Path(temp), options.tickets)
    if options.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)


def run_database(database: str, temp: Path, tickets: int) -> list[dict[str, Any]]:
    name = f"accord_bench_eval_{os.getpid()}"
    if database == "sqlite":
        url = f"sqlite:///{temp / 'evaluate.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(POSTGRES.format(name="postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        url = POSTGRES.format(name=name)
    env = {**os.environ, "ACCORD_DATABASE_URL": url, "ACCORD_DATA_DIR": str(temp)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--inside", "1", "--tickets", str(tickets)],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        if database != "sqlite":
            import psycopg

            with psycopg.connect(POSTGRES.format(name="postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    rows: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return [{"database": database, **row} for row in rows]


def measure(tickets: int) -> list[dict[str, Any]]:
    """In the per-database process: set up, then time each evaluation."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from bench import evaluation_probe as probe
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    probe.apply_manifests()
    rows = [probe.servicenow()]
    rows += probe.synthetic(tickets)
    return rows


def print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'database':9} {'run':34} {'tickets':>10} {'clocks':>10} {'seconds':>8} {'engine':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        engine = f"{100 * r['engine_s'] / r['seconds']:.0f} %" if r["seconds"] else "-"
        print(
            f"{r['database']:9} {r['run']:34} {r['tickets']:>10,} {r['clocks']:>10,}"
            f" {r['seconds']:>8.2f} {engine:>7}"
        )
        phases = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items() if v >= 0.01)
        print(f"{'':9} {'':34} {phases}; load average {r['load_average']}")
    print(
        f"\nTargets: {TARGET_FULL_S:.0f} s for 1,000,000 tickets × 10 targets on SQLite;"
        f" {TARGET_INCREMENTAL_S:.0f} s for the incremental evaluation."
    )


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "src")]
    started = time.time()
    main()
