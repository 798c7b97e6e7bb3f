"""The measured runs of bench/evaluate.py, inside a process set up on one database.

The alerts app's hooks are switched off while a run is timed (their work is theirs).
Timing wraps, for the run only, the pipeline's phases (load, clocks, write, periods)
and every accord.engine function the evaluation modules call, so the engine's share is
the time actually spent in it.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.evaluation_data import generate, write
from django.core.management import call_command
from django.db.models import Sum

import accord.evaluation
from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.evaluation.models import ClockArchive, ClockResult
from accord.evaluation.services import evaluate_agreement, on_evaluated
from accord.manifests.apply import apply_paths

REPO = Path(__file__).resolve().parents[1]
SERVICENOW_AS_OF = datetime(2016, 7, 1, tzinfo=UTC)
SYNTHETIC_END = datetime(2026, 11, 1, tzinfo=UTC)
NEW_TICKETS = 1_000
DAY = 86_400
PHASES = {
    "accord.evaluation.pipeline": (
        "load_tickets",
        "load_events",
        "read_events",  # a full evaluation's, on a second connection alongside load_tickets
        "attach_events",
        "derive_instants",
        "evaluate_ticket_clocks",
        "stored_clock_columns",
        "compute_figures",
        "_changed_clocks",
        "_changed_counts",
        "_stored_periods",
    ),
    "accord.evaluation.results": (
        "replace_clocks",
        "stored_clocks",
        "write_periods",
    ),
}
MANIFESTS = """
apiVersion: accord/v1
kind: Party
metadata: {name: desk}
spec: {role: provider}
---
apiVersion: accord/v1
kind: Party
metadata: {name: business}
spec: {role: customer}
---
apiVersion: accord/v1
kind: Calendar
metadata: {name: uk-office}
spec:
  timezone: Europe/London
  hours: {mon-fri: ["08:00-18:00"]}
  holidays: {country: GB, subdivision: ENG}
---
apiVersion: accord/v1
kind: Calendar
metadata: {name: sao-paulo-office}
spec:
  timezone: America/Sao_Paulo
  hours: {mon-fri: ["08:00-18:00"]}
  holidays: {country: BR}
---
apiVersion: accord/v1
kind: Service
metadata: {name: itsm}
spec: {owner: desk}
---
apiVersion: accord/v1
kind: Service
metadata: {name: synthetic}
spec: {owner: desk}
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: servicenow-sla}
spec:
  type: SLA
  status: active
  provider: desk
  consumer: business
  services: [itsm]
  effective: {from: 2016-01-01}
  serviceHours: sao-paulo-office
  targets:
    - {name: p1-resolution, metric: resolution, where: {priority: "1"}, within: 8h,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p2-resolution, metric: resolution, where: {priority: "2"}, within: 2d,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p3-resolution, metric: resolution, where: {priority: "3"}, within: 5d,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p4-resolution, metric: resolution, where: {priority: "4"}, within: 5d,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p3-response, metric: response, where: {priority: "3"}, within: 4h, objective: 95}
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: synthetic-sla}
spec:
  type: SLA
  status: active
  provider: desk
  consumer: business
  services: [synthetic]
  effective: {from: 2025-11-01}
  serviceHours: uk-office
  targets:
    - {name: p1-response, metric: response, where: {priority: "1"}, within: 15m,
       serviceHours: 24x7, objective: 95}
    - {name: p1-resolution, metric: resolution, where: {priority: "1"}, within: 4h,
       serviceHours: 24x7, objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p2-response, metric: response, where: {priority: "2"}, within: 30m,
       serviceHours: 24x7, objective: 95}
    - {name: p2-resolution, metric: resolution, where: {priority: "2"}, within: 8h,
       serviceHours: 24x7, objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p3-response, metric: response, where: {priority: "3"}, within: 2h, objective: 95}
    - {name: p3-resolution, metric: resolution, where: {priority: "3"}, within: 2d,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: p4-response, metric: response, where: {priority: "4"}, within: 4h, objective: 95}
    - {name: p4-resolution, metric: resolution, where: {priority: "4"}, within: 5d,
       objective: 90, pauseWhen: [awaiting-customer]}
    - {name: any-response, metric: response, within: 1d, objective: 99}
    - {name: any-resolution, metric: resolution, within: 10d, objective: 99,
       pauseWhen: [awaiting-customer]}
"""


def apply_manifests() -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "bench.yaml"
        path.write_text(MANIFESTS)
        apply_paths([path], effective_from=datetime.now(UTC))


def servicenow() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temp:
        with zipfile.ZipFile(REPO / "tests" / "data" / "incident_event_log.csv.zip") as archive:
            archive.extract("incident_event_log.csv", temp)
        log = str(Path(temp) / "incident_event_log.csv")
        options = ["--format", "servicenow", "--service", "itsm", "--timezone", "America/Sao_Paulo"]
        call_command("import", "tickets", log, *options, stdout=_Null())
    agreement = Agreement.objects.get(name="servicenow-sla")
    return timed_run("ServiceNow log, full (6 months)", agreement, SERVICENOW_AS_OF, full=True)


def synthetic(count: int) -> list[dict[str, Any]]:
    service = Subject.objects.get(name="synthetic").pk
    end = int(SYNTHETIC_END.timestamp())
    stamp = SYNTHETIC_END.strftime("%Y-%m-%d %H:%M:%S")
    base = _max_ticket_id()
    write(*generate(count, service_id=service, end=end, first_id=base), stamp)
    agreement = Agreement.objects.get(name="synthetic-sla")
    rows = [timed_run("synthetic, full (12 months)", agreement, SYNTHETIC_END, full=True)]
    later = end + 3600
    write(
        # Opened in the last day, as a routine evaluation sees them.
        *generate(
            NEW_TICKETS, service_id=service, end=later, seed=11, first_id=base + count, span=DAY
        ),
        datetime.fromtimestamp(later, UTC).strftime("%Y-%m-%d %H:%M:%S"),
    )
    as_of = datetime.fromtimestamp(later, UTC)
    rows.append(timed_run(f"incremental, +{NEW_TICKETS:,} tickets", agreement, as_of))
    rows.append(timed_run("incremental, nothing new", agreement, as_of))
    return rows


def timed_run(
    name: str, agreement: Agreement, as_of: datetime, *, full: bool = False
) -> dict[str, Any]:
    load = os.getloadavg()[0]  # others' work on the machine shows here
    hooks = list(on_evaluated)
    on_evaluated.clear()  # the alerts app's work is its own, not the evaluation's
    try:
        with probes() as spent:
            started = time.perf_counter()
            summary = evaluate_agreement(agreement, as_of=as_of, full=full)
            seconds = time.perf_counter() - started
    finally:
        on_evaluated.extend(hooks)
    engine = spent.pop("engine", 0.0)
    return {
        "run": name,
        "tickets": _tickets(agreement),
        "clocks": summary.clocks,
        "stored_clocks": _stored_clocks(agreement),
        "seconds": round(seconds, 3),
        "engine_s": round(engine, 3),
        "phases": {k: round(v, 3) for k, v in spent.items()},
        "load_average": round(load, 2),
    }


def _stored_clocks(agreement: Agreement) -> int:
    """Clock rows and archived (met) clocks of the agreement."""
    archived = ClockArchive.objects.filter(agreement=agreement).aggregate(n=Sum("clocks"))["n"]
    return ClockResult.objects.filter(agreement=agreement).count() + (archived or 0)


def _max_ticket_id() -> int:
    from accord.measurements.models import Ticket

    return int(Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0)


def _tickets(agreement: Agreement) -> int:
    from accord.measurements.models import Ticket

    return Ticket.objects.filter(service__in=agreement.subjects.all()).count()


@contextmanager
def probes() -> Iterator[dict[str, float]]:
    """Time the phases and every engine function the evaluation modules call."""
    spent: dict[str, float] = defaultdict(float)
    patched: list[tuple[Any, str, Any]] = []

    def wrap(module: Any, name: str, key: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start

        patched.append((module, name, original))
        setattr(module, name, timed)

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            wrap(module, name, name)
    for module in _evaluation_modules():
        for name, value in list(vars(module).items()):
            if callable(value) and getattr(value, "__module__", "").startswith("accord.engine"):
                if isinstance(value, type):
                    continue
                wrap(module, name, "engine")
    try:
        yield spent
    finally:
        for module, name, original in reversed(patched):
            setattr(module, name, original)


def _evaluation_modules() -> Iterator[Any]:
    for info in pkgutil.iter_modules(accord.evaluation.__path__):
        if info.name not in {"management", "migrations"}:
            yield importlib.import_module(f"accord.evaluation.{info.name}")


class _Null:
    def write(self, *_: Any, **__: Any) -> None:
        pass

    def flush(self) -> None:
        pass
