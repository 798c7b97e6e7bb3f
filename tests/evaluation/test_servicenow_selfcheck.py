"""Self-check on real data: the ServiceNow incident log (tests/data), evaluated under an
office-hours SLA with `awaiting-customer` pauses, against a plain reference written here.

The reference walks each ticket's history with datetimes: the opening hours of each
local day (weekdays, not a Brazilian holiday) converted to UTC with zoneinfo, minus the
paused intervals, accumulated until the threshold — interval by interval, exact to the
second, no minute grid and nothing shared with the engine but the holiday list.
"""

from __future__ import annotations

import bisect
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from accord.evaluation.models import ClockStatus, PeriodResult
from accord.evaluation.queries import clock_results
from accord.evaluation.services import evaluate_agreement
from accord.measurements.models import Ticket
from tests.conftest import REPO
from tests.evaluation.conftest import Apply, agreement
from tests.measurements.conftest import run_import

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ZONE = ZoneInfo("America/Sao_Paulo")
AS_OF = datetime(2016, 7, 1, tzinfo=UTC)
PAUSED = {"awaiting-customer"}
RESOLVED = {"resolved", "closed"}
TARGETS = {  # name: (metric, priority, threshold seconds)
    "p1-resolution": ("resolution", "1", 8 * 3600),
    "p2-resolution": ("resolution", "2", 2 * 86_400),
    "p3-resolution": ("resolution", "3", 5 * 86_400),
    "p4-resolution": ("resolution", "4", 5 * 86_400),
    "p3-response": ("response", "3", 4 * 3600),
}
MANIFEST = """
apiVersion: accord/v1
kind: Calendar
metadata: {name: sao-paulo-office}
spec:
  timezone: America/Sao_Paulo
  hours: {mon-fri: ["08:00-18:00"]}
  holidays: {country: BR}
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: itsm-sla}
spec:
  type: SLA
  status: active
  provider: provider
  consumer: customer
  services: [desk]
  effective: {from: 2016-01-01}
  serviceHours: sao-paulo-office
  period: month
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
"""


@pytest.fixture
def imported(apply: Apply, tmp_path: Path) -> None:
    apply(MANIFEST)
    with zipfile.ZipFile(REPO / "tests" / "data" / "incident_event_log.csv.zip") as archive:
        archive.extract("incident_event_log.csv", tmp_path)
    outcome = run_import(
        "tickets",
        tmp_path / "incident_event_log.csv",
        "--format",
        "servicenow",
        "--service",
        "desk",
        "--timezone",
        "America/Sao_Paulo",
    )
    assert outcome.status == 0, outcome.err


# ------------------------------------------------------------------ the reference


def opening_hours(first: date, last: date) -> list[tuple[datetime, datetime]]:
    closed = holidays.country_holidays("BR", years=range(first.year, last.year + 1))
    hours = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            start = datetime.combine(day, time(8), ZONE).astimezone(UTC)
            end = datetime.combine(day, time(18), ZONE).astimezone(UTC)
            hours.append((start, end))
        day += timedelta(days=1)
    return hours


def minus(pieces: list[tuple[datetime, datetime]], holes: list[tuple[datetime, datetime]]):
    for hole_start, hole_end in holes:
        cut = []
        for start, end in pieces:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        pieces = cut
    return pieces


def judge(start, stop, threshold, pauses, hours):
    """(status, breach instant): elapsed accumulates over open, unpaused time."""
    end = min(stop or AS_OF, AS_OF)
    first = bisect.bisect_left(hours, (start - timedelta(days=1), start))
    running = []
    for a, b in hours[first:]:
        if a >= end:
            break
        if b > start:
            running.append((max(a, start), min(b, end)))
    running = minus([p for p in running if p[1] > p[0]], pauses)
    elapsed = 0
    for a, b in sorted(running):
        length = int((b - a).total_seconds())
        if elapsed + length > threshold:
            return "breached", a + timedelta(seconds=threshold - elapsed)
        elapsed += length
    return ("met" if stop is not None and stop <= AS_OF else "open"), None


def reference() -> dict[tuple[str, str], tuple[str, datetime | None, datetime | None]]:
    """(ticket, target) → (status, breach instant, stop)."""
    hours = opening_hours(date(2016, 2, 1), date(2016, 7, 31))
    out = {}
    for ticket in Ticket.objects.select_related("history"):
        events = ticket.events()
        state_runs = [
            (
                e.at,
                events[i + 1].at if i + 1 < len(events) else AS_OF + timedelta(days=400),
                e.state,
            )
            for i, e in enumerate(events)
        ]
        resolved = None
        if ticket.state in RESOLVED:
            resolved = ticket.resolved_at or ticket.closed_at
        first_answer = next((e.at for e in events if e.state not in {"new", "cancelled"}), None)
        for name, (metric, priority, threshold) in TARGETS.items():
            if ticket.priority != priority:
                continue
            if metric == "resolution":
                stop, paused_states = resolved, PAUSED | RESOLVED
            else:
                stop, paused_states = ticket.responded_at or first_answer or resolved, PAUSED
            clipped = [(a, min(b, stop) if stop else b, s) for a, b, s in state_runs]
            pauses = [(a, b) for a, b, s in clipped if s in paused_states and a < b]
            status, breach = judge(ticket.opened_at, stop, threshold, pauses, hours)
            out[(ticket.external_id, name)] = (status, breach, stop)
    return out


def local_month(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m")


# ------------------------------------------------------------------ the check


def test_the_servicenow_log_matches_the_reference(imported: None) -> None:
    evaluate_agreement(agreement("itsm-sla"), as_of=AS_OF)
    expected = reference()
    external = dict(Ticket.objects.values_list("pk", "external_id"))
    stored = {
        (external[c.ticket_id], c.target_name): c
        for c in clock_results(agreement_ids=[agreement("itsm-sla").pk])
    }
    assert set(stored) == set(expected)
    names = {ClockStatus.MET: "met", ClockStatus.BREACHED: "breached"}
    mismatched = [
        key
        for key, (status, breach, _) in expected.items()
        if (
            names.get(stored[key].status, "open"),
            stored[key].breach_at if status == "breached" else None,
        )
        != (status, breach)
    ]
    assert mismatched == []

    counts: Counter[tuple[str, str, str]] = Counter()
    for (_, name), (status, breach, stop) in expected.items():
        if status != "open":
            counts[(name, local_month(breach if status == "breached" else stop), status)] += 1
    months = defaultdict(dict)
    for row in PeriodResult.objects.filter(agreement__name="itsm-sla", met__isnull=False):
        months[row.target_name][row.period] = (row.met, row.breached)
    for name in TARGETS:
        for month in ("2016-02", "2016-03", "2016-04", "2016-05", "2016-06"):
            want = (counts[(name, month, "met")], counts[(name, month, "breached")])
            assert months[name].get(month, (0, 0)) == want, (name, month)
    assert sum(r[0] + r[1] for m in months.values() for r in m.values()) == sum(counts.values())
