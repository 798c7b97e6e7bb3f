"""`accord demo`: Northwind's measurements — complete, idempotent, deterministic, tuned."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Max, Sum
from django.test import override_settings

from accord.accounts.models import Membership
from accord.measurements.demo_calendar import Span
from accord.measurements.demo_signals import demo_outages, demo_points
from accord.measurements.demo_tickets import demo_tickets
from accord.measurements.models import MetricPoint, MetricSeries, Outage, Ticket, TicketHistory

AS_OF = datetime(2026, 4, 20, 12, 30, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
WINDOW = (datetime(2026, 3, 8, 1, tzinfo=UTC), datetime(2026, 3, 8, 3, tzinfo=UTC))
CHECKOUT = "retail-online-store-sla/checkout-success"


def run_demo(tmp_path: Path, *args: str) -> str:
    out = StringIO()
    with override_settings(DATA_DIR=tmp_path):
        call_command("demo", "--as-of", AS_OF.isoformat(), *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[object, ...]:
    return (
        Ticket.objects.count(),
        Ticket.objects.aggregate(Max("updated_at"))["updated_at__max"],
        TicketHistory.objects.aggregate(events=Sum("size"), last=Max("updated_at")),
        list(Outage.objects.values_list("key", "start", "end")),
        MetricPoint.objects.count(),
    )


@pytest.mark.django_db
def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert "demo measurements (seed 2026) from 2025-10-01 to 2026-04-20 12:30 UTC" in first
    before = snapshot()
    second = run_demo(tmp_path)
    lines = [line for line in second.splitlines() if line.startswith("  ")]
    assert len(lines) == 4 and all("created 0, updated 0" in line for line in lines), second
    assert snapshot() == before
    # One person per role, all opened by the administrator's password.
    password = (tmp_path / "demo-credentials").read_text().strip().split(":", 1)[1]
    retail = Membership.objects.select_related("user", "party").get(user__username="retail")
    assert (retail.role, retail.party.name) == ("customer", "retail-division")
    assert retail.user.check_password(password) and "retail (customer)" in second
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"manager", "owner", "customer", "supplier", "viewer"}


@pytest.mark.django_db
def test_everything_the_pages_need(tmp_path: Path) -> None:
    run_demo(tmp_path)
    tickets = Ticket.objects.select_related("service", "customer")
    kinds = {(t.service.name, t.customer.name, t.priority) for t in tickets}
    assert kinds == {
        (service, customer, priority)
        for service, customer in (
            ("online-store", "retail-division"),
            ("warehouse-system", "logistics-division"),
        )
        for priority in "1234"
    }
    histories = {
        history.ticket_id: [(event.state, event.priority) for event in history.events()]
        for history in TicketHistory.objects.all()
    }
    assert histories and all(histories.values())
    states = Counter(state for history in histories.values() for state, _ in history)
    assert {"awaiting-customer", "awaiting-vendor", "cancelled", "closed"} <= set(states)
    assert any(_reopened(history) for history in histories.values())
    assert any(len({p for _, p in history}) > 1 for history in histories.values())
    assert Ticket.objects.exclude(state__in=["closed", "cancelled"]).exists()  # open at as_of

    outages = list(Outage.objects.select_related("subject"))
    by_subject = Counter(o.subject.name for o in outages)
    assert {"web-a", "web-b", "orders-db", "cloud-hosting", "online-store"} <= set(by_subject)
    assert any(o.impact < 1 for o in outages)
    web = [o for o in outages if o.subject.name in {"web-a", "web-b"}]
    assert any(
        not any(_overlap(o, other) for other in web if other.subject != o.subject) for o in web
    )
    assert any(_overlap(a, b) for a in web for b in web if a.subject != b.subject)
    orders = [
        o for o in outages if o.subject.name == "orders-db" and o.start.date() == WINDOW[0].date()
    ]
    inside = [o for o in orders if WINDOW[0] <= o.start and o.end <= WINDOW[1]]
    outside = [o for o in orders if o.start >= WINDOW[1]]
    assert [o.planned for o in inside] == [True] and [o.planned for o in outside] == [False]

    kinds_of_series = dict(MetricSeries.objects.values_list("name", "kind"))
    assert kinds_of_series == {
        CHECKOUT: "counts",
        "energy-wh-per-order": "values",
        "analytics-data-lag-minutes": "values",
    }
    last = MetricPoint.objects.aggregate(Max("end"))["end__max"]
    assert last == datetime(2026, 4, 20, 12, tzinfo=UTC)


def test_deterministic_for_a_seed_and_stable_as_time_passes() -> None:
    span = Span.ending(AS_OF, 2026, also=(WINDOW[0],))
    windows = [("orders-db", *WINDOW)]
    once, again = demo_tickets(span), demo_tickets(span)
    assert once == again and demo_points(span) == demo_points(span)
    assert demo_outages(span, windows) == demo_outages(span, windows)
    assert demo_tickets(Span(span.start, AS_OF, 7))[0] != once[0]
    # A week later, the tickets closed by then are exactly as they were.
    later = {
        t.external_id: t for t in demo_tickets(Span(span.start, AS_OF + timedelta(7), 2026))[0]
    }
    closed = [t for t in once[0] if t.state == "closed"]
    assert closed and all(later[t.external_id] == t for t in closed)


def test_the_current_month_is_at_risk_or_breached_and_history_is_mixed() -> None:
    span = Span.ending(AS_OF, 2026, also=(WINDOW[0],))
    points = demo_points(span)
    months: dict[str, list[float]] = {}
    for p in points:
        if p.series == CHECKOUT:
            totals = months.setdefault(f"{p.start:%Y-%m}", [0.0, 0.0])
            totals[0] += p.total or 0
            totals[1] += (p.total or 0) - (p.good or 0)
    consumed = {m: bad / (total * 0.005) for m, (total, bad) in months.items()}
    assert 0.75 <= consumed.pop("2026-04") < 1  # at risk, not yet breached
    assert any(c > 1 for c in consumed.values()) and any(c < 0.75 for c in consumed.values())

    def bad_hours(series: str, limit: float) -> int:
        return sum(
            1 for p in points if p.series == series and p.start >= APRIL and (p.value or 0) > limit
        )

    assert bad_hours("energy-wh-per-order", 12) > 36  # > 5 % of April's 720 hours: breached
    assert 0.75 * 7.2 <= bad_hours("analytics-data-lag-minutes", 60) < 7.2  # at risk

    april = [o for o in demo_outages(span, []) if o.start >= APRIL]
    store = {o.subject for o in april} & {
        "online-store",
        "orders-db",
        "payment-gateway",
        "cloud-hosting",
    }
    assert not store  # the store is down only while both web servers are
    pair = [o for o in april if o.subject in {"web-a", "web-b"}]
    assert [(o.end - o.start) for o in pair] == [timedelta(minutes=34)] * 2
    assert pair[0].start == pair[1].start  # 34 of 43.2 minutes of budget: at risk


def _reopened(history: list[tuple[str, str]]) -> bool:
    states = [state for state, _ in history]
    return any(a == "resolved" and b == "in-progress" for a, b in pairwise(states))


def _overlap(a: Outage, b: Outage) -> bool:
    return a.start < (b.end or a.start) and b.start < (a.end or b.start)
