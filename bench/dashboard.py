"""Benchmark: the portfolio dashboard (`/`) with 200 agreements × 10 targets.

Run with `python bench/dashboard.py` (never by the test suite). Target: under 300 ms
server time on SQLite.

- Data (not timed): `build_portfolio` writes straight to the tables with bulk_create:
  200 active agreements of one provider for 20 customers, each with one version and 10
  targets (8 ticket targets, an availability target on the agreement's service and a
  ratio target), 12 monthly period results per target (24,000 rows), breach reasons
  on some breached periods, overdue review dates and actions. A seeded random mix of
  statuses: mostly met, some at risk, a few breached, a little no data.
- Measured: `GET /` through Django's test Client (the whole request: middleware,
  session, access rules, queries, template), logged in as a service level manager; the
  median of `--runs` requests after one warm-up, and the number of queries.

`python bench/dashboard.py --json` prints only the JSON result. The test suite reuses
`build_portfolio` (tests/web/test_dashboard.py) to assert the query count is bounded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 300.0
AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)
# Status of a period, drawn with these weights (the running period is drawn too).
MIX = (("met", 0.78), ("at_risk", 0.12), ("breached", 0.06), ("no_data", 0.04))
OBJECTIVE = {"met": 99.0, "at_risk": 96.5, "breached": 92.0}


def month_starts(last: datetime, count: int) -> list[datetime]:
    """The first instants of `count` months ending with the month of `last`, oldest first."""
    year, month = last.year, last.month
    out = []
    for _ in range(count):
        out.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def build_portfolio(
    agreements: int = 200,
    targets: int = 10,
    periods: int = 12,
    *,
    seed: int = 6,
    prefix: str = "bench",
) -> dict[str, Any]:
    """Write a portfolio (names start with `prefix`, so several can coexist); return what
    was made (counts and the manager's user name)."""
    from django.contrib.auth.models import User

    from accord.accounts.models import Membership, Role
    from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target
    from accord.catalogue.models import Party, Subject
    from accord.evaluation.models import PeriodResult
    from accord.reviews.models import Action, BreachReason

    rng = random.Random(seed)
    hours = Calendar.objects.get(name="24x7")
    provider = Party.objects.create(name=f"{prefix}-provider", role=Party.Role.PROVIDER)
    customers = Party.objects.bulk_create(
        Party(name=f"{prefix}-customer-{i:02d}", role=Party.Role.CUSTOMER) for i in range(20)
    )
    services = Subject.objects.bulk_create(
        Subject(name=f"{prefix}-service-{i:03d}", kind=Subject.Kind.SERVICE, party=provider)
        for i in range(agreements)
    )
    made = Agreement.objects.bulk_create(
        Agreement(
            name=f"{prefix}-sla-{i:03d}",
            title=f"{prefix.title()} service {i:03d} SLA",
            type=Agreement.Type.SLA,
            status=Agreement.Status.ACTIVE,
            provider=provider,
            effective_from=date(2025, 1, 1),
            review_every="P6M",
            review_next=AS_OF.date() - timedelta(days=rng.randint(-60, 60)),
        )
        for i in range(agreements)
    )
    Agreement.consumers.through.objects.bulk_create(
        Agreement.consumers.through(agreement_id=a.pk, party_id=customers[i % 20].pk)
        for i, a in enumerate(made)
    )
    Agreement.subjects.through.objects.bulk_create(
        Agreement.subjects.through(agreement_id=a.pk, subject_id=services[i].pk)
        for i, a in enumerate(made)
    )
    versions = AgreementVersion.objects.bulk_create(
        AgreementVersion(agreement=a, number=1, service_hours=hours) for a in made
    )
    kinds = _target_kinds(targets)
    Target.objects.bulk_create(
        Target(version=v, position=p, name=name, metric=metric, objective=95, within_seconds=within)
        for v in versions
        for p, (name, metric, within) in enumerate(kinds)
    )
    results, breached = _period_results(made, services, kinds, periods, rng)
    PeriodResult.objects.bulk_create(results, batch_size=2000)
    manager, made_now = User.objects.get_or_create(username="bench-manager")
    if made_now:
        Membership.objects.create(user=manager, role=Role.MANAGER)
    BreachReason.objects.bulk_create(
        BreachReason(
            agreement_id=r.agreement_id,
            target_name=r.target_name,
            subject_id=r.subject_id,
            period=r.period,
            category=BreachReason.Category.CAPACITY,
            text=f"Bench reason for {r.target_name}",
            author=manager,
        )
        for r in breached[::2]
    )
    Action.objects.bulk_create(
        Action(title=f"Bench action {i}", agreement=a, due=AS_OF.date() - timedelta(days=i % 30))
        for i, a in enumerate(made[::4])
    )
    return {"agreements": len(made), "results": len(results), "manager": manager.username}


def _target_kinds(count: int) -> list[tuple[str, str, int | None]]:
    kinds: list[tuple[str, str, int | None]] = [("availability", "availability", None)]
    if count > 1:
        kinds.append(("checkout-success", "ratio", None))
    for i in range(count - len(kinds)):
        priority, kind = i // 2 + 1, ("response", "resolution")[i % 2]
        kinds.append((f"p{priority}-{kind}", kind, 3600 * priority))
    return kinds[:count]


def _period_results(
    agreements: list[Any],
    services: list[Any],
    kinds: list[tuple[str, str, int | None]],
    periods: int,
    rng: random.Random,
) -> tuple[list[Any], list[Any]]:
    from accord.evaluation.models import PeriodResult

    starts = month_starts(AS_OF, periods + 1)
    statuses, weights = zip(*MIX, strict=True)
    rows, breached = [], []
    for i, agreement in enumerate(agreements):
        for name, metric, _ in kinds:
            subject = services[i].pk if metric == "availability" else None
            for start, end in itertools.pairwise(starts):
                status = rng.choices(statuses, weights)[0]
                final = end <= AS_OF
                row = PeriodResult(
                    agreement_id=agreement.pk,
                    target_name=name,
                    metric=metric,
                    subject_id=subject,
                    period=f"{start:%Y-%m}",
                    period_start=start,
                    period_end=end,
                    objective=95.0,
                    attainment=None if status == "no_data" else OBJECTIVE[status] + rng.random(),
                    status=status,
                    met=None if metric in ("availability", "ratio") else rng.randint(0, 50),
                    breached=None if metric in ("availability", "ratio") else rng.randint(0, 4),
                    budget_remaining=None if status == "no_data" else rng.uniform(-1, 1),
                    forecast=None if final else OBJECTIVE.get(status, 95.0),
                    as_of=min(AS_OF, end),
                    final=final,
                    evaluated_at=AS_OF,
                )
                rows.append(row)
                if status == "breached":
                    breached.append(row)
    return rows, breached


def measure(runs: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    built = build_portfolio()
    build_s = time.perf_counter() - started
    client = Client()
    client.force_login(User.objects.get(username=built["manager"]))
    client.get("/")  # warm-up: template compilation, caches
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get("/")
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return {
        "agreements": built["agreements"],
        "period_results": built["results"],
        "build_s": round(build_s, 2),
        "runs": runs,
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        # CPU time of this process (SQLite runs in it): what the request costs when the
        # machine is not shared; wall-clock above also counts waiting for a core.
        "median_cpu_ms": round(statistics.median(cpu), 1),
        "queries": len(queries.captured_queries),
        "bytes": len(response.content),
        "target_ms": TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="accord-bench-dashboard-") as temp:
        os.environ["ACCORD_DATA_DIR"] = temp
        os.environ.pop("ACCORD_DATABASE_URL", None)  # SQLite: the embedded default
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
        sys.path.insert(0, str(REPO / "src"))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        result = measure(options.runs)
    if options.json:
        print(json.dumps(result, indent=2))
        return
    verdict = "within" if result["median_ms"] < TARGET_MS else "OVER"
    print(
        f"dashboard, {result['agreements']} agreements × 10 targets "
        f"({result['period_results']:,} period results), SQLite:\n"
        f"  median {result['median_ms']} ms over {result['runs']} requests "
        f"(min {result['min_ms']}, max {result['max_ms']}; CPU {result['median_cpu_ms']} ms), "
        f"{result['queries']} queries, "
        f"{result['bytes'] / 1024:.0f} KiB of HTML — {verdict} the {TARGET_MS:.0f} ms target"
    )


if __name__ == "__main__":
    main()
