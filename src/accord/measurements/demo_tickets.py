"""Demo tickets with their histories, day by day (see demo.py).

Each day's tickets of a service depend only on the seed, the service and the date. A
ticket's history is a story — opened, responded, maybe escalated, maybe paused waiting
for the customer or a vendor, resolved, maybe reopened, closed three days later, or
cancelled — cut at `as_of`, and the ticket is what its history says at that instant.
Timings are drawn so that each ticket target of the Northwind agreements lands near
its objective: met in most months, missed in some.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from accord.measurements.demo_calendar import Span, at, rng
from accord.measurements.records import EventRecord, TicketRecord

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
PRIORITIES = ("1", "2", "3", "4")
PRIORITY_WEIGHTS = (5, 15, 45, 35)
CATEGORIES = ("checkout", "payments", "accounts", "catalogue", "delivery", "reporting")
CHANNELS = ("portal", "email", "phone")


@dataclass(frozen=True)
class DemoService:
    name: str
    customer: str
    prefix: str
    per_day: float  # tickets on a weekday; half that at weekends
    vendor_pauses: bool  # waits for suppliers (warehouse hardware)


SERVICES = (
    DemoService("online-store", "retail-division", "RET", 4.0, vendor_pauses=False),
    DemoService("warehouse-system", "logistics-division", "WHS", 2.5, vendor_pauses=True),
)


class Step(NamedTuple):
    at: datetime
    state: str
    priority: str


def demo_tickets(span: Span) -> tuple[list[TicketRecord], list[EventRecord]]:
    tickets: list[TicketRecord] = []
    events: list[EventRecord] = []
    for day in span.days():
        for service in SERVICES:
            for external_id, steps, attributes in _day(span.seed, service, day):
                seen = [s for s in steps if s.at < span.as_of]
                if not seen:
                    continue
                tickets.append(_ticket(external_id, service, seen, attributes))
                events += [EventRecord(external_id, *step) for step in seen]
    return tickets, events


def _day(
    seed: int, service: DemoService, day: date
) -> Iterator[tuple[str, list[Step], dict[str, str]]]:
    r = rng(seed, "tickets", service.name, day.isoformat())
    rate = service.per_day * (0.5 if day.weekday() >= 5 else 1.0)
    count = sum(r.random() < rate / 10 for _ in range(10))  # binomial, mean `rate`
    # Most tickets arrive in working hours (the customers are in London and Berlin).
    openings = sorted(at(day, min(r.gauss(12, 4), 23.9) % 24) for _ in range(count))
    for number, opened in enumerate(openings, 1):
        priority = r.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        attributes = {"category": r.choice(CATEGORIES), "channel": r.choice(CHANNELS)}
        external_id = f"{service.prefix}-{day:%Y%m%d}-{number:02}"
        yield external_id, _story(r, opened, priority, service), attributes


def _story(r: random.Random, opened: datetime, priority: str, service: DemoService) -> list[Step]:
    if r.random() < 0.02:  # logged in error, or a duplicate
        return [
            Step(opened, "new", priority),
            Step(opened + r.uniform(5, 60) * MINUTE, "cancelled", priority),
        ]
    # Some tickets are escalated: opened one level lower, raised once work has begun.
    escalated = priority != "4" and r.random() < 0.08
    first = str(int(priority) + 1) if escalated else priority
    now = opened + _response(r, priority)
    steps = [Step(opened, "new", first), Step(now, "in-progress", first)]
    if escalated:
        now += r.uniform(10, 90) * MINUTE
        steps.append(Step(now, "in-progress", priority))
    work = _work(r, priority)
    if r.random() < (0.12 if priority == "1" else 0.25):
        waiting = (
            "awaiting-vendor"
            if service.vendor_pauses and r.random() < 0.4
            else ("awaiting-customer")
        )
        pause_at = now + work * r.uniform(0.2, 0.6)
        resumed = pause_at + _pause(r, priority)
        steps += [Step(pause_at, waiting, priority), Step(resumed, "in-progress", priority)]
        now = resumed + work * r.uniform(0.4, 0.8)
    else:
        now += work
    steps.append(Step(now, "resolved", priority))
    if r.random() < 0.05:  # the fix did not hold
        now += r.uniform(2, 30) * HOUR
        steps.append(Step(now, "in-progress", priority))
        now += _work(r, priority) / 2
        steps.append(Step(now, "resolved", priority))
    steps.append(Step(now + 3 * DAY, "closed", priority))
    return [step._replace(at=step.at.replace(microsecond=0)) for step in steps]


def _response(r: random.Random, priority: str) -> timedelta:
    """First response. P1: the service desk answers within 10 min (its OLA) almost
    always, within 15 (the SLA) nearly always; P2 within half an hour, mostly."""
    late = r.random()
    if priority == "1":
        if late < 0.01:
            return r.uniform(16, 40) * MINUTE
        if late < 0.025:
            return r.uniform(10.5, 14) * MINUTE
        return r.triangular(1, 9, 4) * MINUTE
    if priority == "2":
        return (r.uniform(45, 150) if late < 0.03 else r.triangular(2, 28, 8)) * MINUTE
    return r.triangular(5, 240, 30) * MINUTE


def _work(r: random.Random, priority: str) -> timedelta:
    """Time to resolve, not counting pauses (P1 target 4 h, P2 8 warehouse hours, P3 24
    office hours); about one in twenty goes over."""
    late = r.random() < 0.05
    if priority == "1":
        hours = r.uniform(4.2, 7) if late else r.triangular(0.5, 3.6, 1.5)
    elif priority == "2":
        hours = r.uniform(12, 30) if late else r.triangular(1, 8, 3)
    elif priority == "3":
        hours = r.uniform(96, 190) if late else r.triangular(1, 30, 6)
    else:
        hours = r.triangular(24, 240, 72)
    return hours * HOUR


def _pause(r: random.Random, priority: str) -> timedelta:
    return (r.uniform(0.5, 3) if priority == "1" else r.uniform(1, 16)) * HOUR


def _ticket(
    external_id: str, service: DemoService, steps: list[Step], attributes: dict[str, str]
) -> TicketRecord:
    """The ticket as its history stands: last state and priority, first response, the
    last resolution unless reopened since, the closure."""
    last = steps[-1]
    responded = next((s.at for s in steps if s.state == "in-progress"), None)
    done = last.state in {"resolved", "closed"}
    resolved = next((s.at for s in reversed(steps) if s.state == "resolved"), None)
    return TicketRecord(
        external_id=external_id,
        opened_at=steps[0].at,
        state=last.state,
        priority=last.priority,
        service=service.name,
        customer=service.customer,
        responded_at=responded,
        resolved_at=resolved if done else None,
        closed_at=last.at if last.state == "closed" else None,
        attributes=attributes,
    )
