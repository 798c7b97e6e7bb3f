"""Small hand-worked worlds for evaluation tests: manifests applied from text, tickets and
their histories written straight to the tables."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject
from accord.evaluation.models import ClockResult, PeriodResult
from accord.evaluation.queries import clock_results
from accord.manifests.apply import apply_paths
from accord.measurements.batches import EventRow
from accord.measurements.history import encode_history
from accord.measurements.instants import utc_text
from accord.measurements.models import Outage, Ticket, TicketHistory

T0 = datetime(2026, 1, 1, tzinfo=UTC)

BASE = """
apiVersion: accord/v1
kind: Party
metadata: {name: provider}
spec: {role: provider}
---
apiVersion: accord/v1
kind: Party
metadata: {name: customer}
spec: {role: customer}
---
apiVersion: accord/v1
kind: Party
metadata: {name: other-customer}
spec: {role: customer}
---
apiVersion: accord/v1
kind: Calendar
metadata: {name: office}
spec:
  timezone: UTC
  hours: {mon-fri: ["09:00-17:00"]}
---
apiVersion: accord/v1
kind: Component
metadata: {name: web-a}
spec: {provider: provider}
---
apiVersion: accord/v1
kind: Component
metadata: {name: web-b}
spec: {provider: provider}
---
apiVersion: accord/v1
kind: Component
metadata: {name: db}
spec: {provider: provider}
---
apiVersion: accord/v1
kind: Service
metadata: {name: shop}
spec:
  owner: provider
  dependsOn: [{anyOf: [web-a, web-b]}, db]
---
apiVersion: accord/v1
kind: Service
metadata: {name: desk}
spec: {owner: provider}
"""


def at(text: str) -> datetime:
    """`2026-03-02 10:00` (UTC) → an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ts(text: str) -> int:
    return int(at(text).timestamp())


Apply = Callable[..., None]


@pytest.fixture
def apply(tmp_path: Path, db: None) -> Apply:
    """BASE is applied at once; apply(yaml, effective_from=...) adds more manifests.

    Later calls see the earlier documents too (an apply describes the whole desired
    state of what it names), so a changed agreement becomes a new version."""
    texts = [textwrap.dedent(BASE)]

    def run(text: str, *, effective_from: datetime = T0) -> None:
        path = tmp_path / f"m{len(texts)}.yaml"
        texts.append(textwrap.dedent(text))
        path.write_text("\n---\n".join([texts[0], texts[-1]]))
        apply_paths([path], effective_from=effective_from)

    run("")
    return run


def agreement(name: str) -> Agreement:
    return Agreement.objects.get(name=name)


def make_ticket(
    external_id: str,
    opened: str,
    *,
    service: str = "shop",
    priority: str = "",
    state: str = "new",
    responded: str | None = None,
    resolved: str | None = None,
    closed: str | None = None,
    customer: str | None = None,
    events: Sequence[tuple[str, str]] = (),
    attributes: dict[str, str] | None = None,
) -> Ticket:
    """A ticket and its history: `events` are (instant, state) pairs in order."""
    ticket = Ticket.objects.create(
        external_id=external_id,
        service=Subject.objects.get(name=service),
        customer=Party.objects.get(name=customer) if customer else None,
        priority=priority,
        state=state,
        opened_at=at(opened),
        responded_at=at(responded) if responded else None,
        resolved_at=at(resolved) if resolved else None,
        closed_at=at(closed) if closed else None,
        attributes=attributes or {},
    )
    if events:
        rows = [EventRow(external_id, utc_text(at(when)), s, priority, {}) for when, s in events]
        history = encode_history(rows)._asdict()
        TicketHistory.objects.create(ticket=ticket, updated_at=datetime.now(UTC), **history)
    return ticket


def settle() -> None:
    """Make every ticket look imported an hour ago: routine evaluation re-reads tickets
    changed in the last minutes before the previous one (in case of a late commit)."""
    Ticket.objects.update(updated_at=datetime.now(UTC) - timedelta(hours=1))
    TicketHistory.objects.update(updated_at=datetime.now(UTC) - timedelta(hours=1))


def outage(subject: str, start: str, end: str | None, impact: float = 1.0) -> Outage:
    return Outage.objects.create(
        subject=Subject.objects.get(name=subject),
        start=at(start),
        end=at(end) if end else None,
        impact=impact,
        origin=Outage.Origin.API,
        key=f"{subject}@{start}",
    )


def clock(agreement_name: str, ticket: Ticket, target: str) -> ClockResult:
    """The one stored clock (a row, or archived when met) of this ticket and target."""
    agreement = Agreement.objects.get(name=agreement_name)
    (found,) = clock_results(agreement_ids=[agreement.pk], ticket_id=ticket.pk, target=target)
    return found


def result(
    agreement_name: str, target: str, period: str, subject: str | None = None
) -> PeriodResult:
    rows = PeriodResult.objects.filter(
        agreement__name=agreement_name, target_name=target, period=period
    )
    if subject is not None:
        rows = rows.filter(subject__name=subject)
    return rows.get()
