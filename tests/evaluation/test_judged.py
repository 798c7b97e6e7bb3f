"""The database condition of the tickets an agreement judges gives the tickets its
evaluation gave clocks to, on the demo estate (every agreement, every kind of filter)."""

from __future__ import annotations

from datetime import datetime

from accord.agreements.models import Agreement
from accord.evaluation.judged import judged_tickets
from accord.evaluation.queries import clock_results
from accord.evaluation.scope import read_scope
from accord.measurements.models import Ticket


def test_judged_tickets_are_those_with_clocks(demo_estate: datetime) -> None:
    checked = 0
    for agreement in Agreement.objects.all():
        clocked = {c.ticket_id for c in clock_results(agreement_ids=[agreement.pk])}
        judged = set(
            Ticket.objects.filter(judged_tickets(read_scope(agreement)))
            .filter(opened_at__lte=demo_estate)
            .values_list("pk", flat=True)
        )
        assert judged == clocked, agreement.name
        checked += bool(clocked)
    assert checked >= 4  # agreements with ticket targets and tickets
