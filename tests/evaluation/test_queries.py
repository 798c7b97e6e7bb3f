"""The read API the alerts app uses."""

from __future__ import annotations

import pytest

from accord.evaluation.queries import breaches_in, current_results, warnings_due
from accord.evaluation.services import evaluate_agreement
from tests.evaluation.conftest import Apply, agreement, at, make_ticket
from tests.evaluation.test_ticket_clocks import sla

pytestmark = pytest.mark.django_db

TARGET = """
        - name: resolution
          metric: resolution
          within: 4h
          objective: 90
          warnAt: [50, 75]
          warnBefore: 30m
"""


def test_warnings_and_breaches_due_in_a_window(apply: Apply) -> None:
    apply(sla(TARGET))
    make_ticket("running", "2026-03-02 10:00", state="in-progress")
    make_ticket("late", "2026-03-02 08:00", state="resolved", resolved="2026-03-02 12:30")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:45"))

    due = list(warnings_due(at("2026-03-02 12:00"), at("2026-03-02 14:00")))
    # running: 50 % at 12:00, 75 % at 13:00, 30m before the 14:00 breach at 13:30.
    assert [(w.clock.ticket.external_id, w.label, w.at) for w in due] == [
        ("running", "50%", at("2026-03-02 12:00")),
        ("running", "75%", at("2026-03-02 13:00")),
        ("running", "30m before breach", at("2026-03-02 13:30")),
    ]
    assert due[0].key[2:] == ("resolution", "50%")
    breaches = breaches_in(at("2026-03-02 11:00"), at("2026-03-02 15:00"))
    assert [(c.ticket.external_id, c.breach_at) for c in breaches] == [
        ("late", at("2026-03-02 12:00")),
        ("running", at("2026-03-02 14:00")),
    ]
    current = current_results(agreement("sla"), at=at("2026-03-02 13:00"))
    assert [(r.target_name, r.period) for r in current] == [("resolution", "2026-03")]
