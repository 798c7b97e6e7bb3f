"""Routine evaluation recomputes only what new data touches; closed periods are only
rewritten by an explicit, logged re-evaluation (SEMANTICS §10)."""

from __future__ import annotations

import pytest

from accord.evaluation.models import ClockResult, EvaluationState, PeriodResult, Reevaluation
from accord.evaluation.queries import clock_results
from accord.evaluation.services import evaluate_agreement, on_evaluated, reevaluate
from accord.measurements.records import EventRecord
from accord.measurements.services import add_ticket_events
from tests.evaluation.conftest import Apply, agreement, at, make_ticket, result, settle
from tests.evaluation.test_ticket_clocks import BOTH, sla

pytestmark = pytest.mark.django_db


def _resolved(external_id: str, opened: str, resolved: str) -> None:
    make_ticket(
        external_id, opened, state="resolved", responded=opened, resolved=resolved, closed=resolved
    )


def test_only_new_and_running_tickets_are_recomputed(apply: Apply) -> None:
    apply(sla(BOTH))
    _resolved("a", "2026-03-02 10:00", "2026-03-02 11:00")
    make_ticket("running", "2026-03-02 10:00", responded="2026-03-02 10:10", state="in-progress")
    settle()
    first = evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00"))
    assert first.full and first.clocks == 4
    assert first.periods == ("2026-01", "2026-02", "2026-03")  # from the agreement's start

    again = evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:05"))
    assert not again.full and again.clocks == 2  # the running ticket's two clocks
    assert again.periods == ("2026-03",)  # January and February were final already

    _resolved("b", "2026-03-02 12:00", "2026-03-02 12:30")
    third = evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:40"))
    assert third.clocks == 4
    march = result("sla", "resolution", "2026-03")
    assert (march.met, march.breached, march.open) == (2, 0, 1)
    assert len(clock_results()) == 6


def test_a_ticket_whose_history_alone_changed_is_recomputed(apply: Apply) -> None:
    apply(sla(BOTH))
    _resolved("a", "2026-03-02 10:00", "2026-03-02 11:00")
    _resolved("b", "2026-03-02 10:00", "2026-03-02 11:30")
    settle()
    assert evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00")).full
    assert evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:05")).clocks == 0

    # A later export brings an event of "a" only: its ticket row does not change.
    late = EventRecord("a", at("2026-03-02 10:30"), "in-progress", "3")
    assert add_ticket_events([late]).counts.created == 1
    again = evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:10"))
    assert not again.full and again.clocks == 2  # both of "a"'s clocks, none of "b"'s


def test_closed_periods_are_marked_stale_not_rewritten_until_reevaluated(apply: Apply) -> None:
    apply(sla(BOTH))
    _resolved("a", "2026-03-02 10:00", "2026-03-02 11:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-04-02 00:00"))
    march = result("sla", "resolution", "2026-03")
    assert march.final and (march.met, march.breached) == (1, 0)

    # A late import: a March ticket that breached in March.
    _resolved("late", "2026-03-30 10:00", "2026-03-31 10:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-04-03 00:00"))
    march = result("sla", "resolution", "2026-03")
    assert (march.met, march.breached, march.stale) == (1, 0, True)  # not silently rewritten
    assert result("sla", "resolution", "2026-04").met == 0

    (entry,) = reevaluate(
        [agreement("sla")],
        since=at("2026-03-01 00:00"),
        requested_by="auditor",
        reason="late",
        as_of=at("2026-04-03 00:05"),
    )
    march = result("sla", "resolution", "2026-03")
    assert (march.met, march.breached, march.stale) == (1, 1, False)
    assert entry.requested_by == "auditor" and entry.periods == ["2026-03", "2026-04"]
    assert entry.finished_at is not None and entry.clocks == 4
    assert Reevaluation.objects.count() == 1
    # February was before `since`: left as it was.
    assert PeriodResult.objects.get(target_name="resolution", period="2026-02").final


def test_changed_terms_recompute_every_clock(apply: Apply) -> None:
    target = "        - {name: resolution, metric: resolution, within: %s, objective: 50}\n"
    apply(sla(target % "4h"))
    _resolved("a", "2026-03-02 10:00", "2026-03-02 13:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-10 00:00"))
    terms = EvaluationState.objects.get().terms
    apply(sla(target % "2h"), effective_from=at("2026-03-05 00:00"))
    summary = evaluate_agreement(agreement("sla"), as_of=at("2026-03-10 00:05"))
    assert summary.full and EvaluationState.objects.get().terms != terms
    # The ticket opened under version 1 keeps its 4h.
    (only,) = clock_results()
    assert only.threshold_s == 4 * 3600


def test_hooks_hear_of_every_evaluation_and_status_change(apply: Apply) -> None:
    apply(sla(BOTH))
    heard = []
    on_evaluated.append(heard.append)
    try:
        evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00"))
        _resolved("late", "2026-03-02 12:00", "2026-03-02 23:00")
        evaluate_agreement(agreement("sla"), as_of=at("2026-03-03 00:00"))
    finally:
        on_evaluated.remove(heard.append)
    first, second = heard
    assert first.agreement == "sla" and first.full
    changed = {(c.target, c.period): (c.previous_status, c.status) for c in second.changed}
    assert changed == {
        ("resolution", "2026-03"): ("no_data", "at_risk"),
        ("response", "2026-03"): ("no_data", "met"),
    }


def test_a_large_insert_rebuilds_the_indexes_and_keeps_them(
    apply: Apply, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from accord.evaluation import results as stored

    monkeypatch.setattr(stored, "REBUILD_INDEXES_FROM", 1)
    apply(sla(BOTH))
    _resolved("a", "2026-03-02 10:00", "2026-03-02 11:00")
    _resolved("b", "2026-03-02 10:00", "2026-03-02 20:00")  # resolution breached: a row
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-03 00:00"))
    assert len(clock_results()) == 4 and ClockResult.objects.count() == 1
    with connection.cursor() as cursor:
        names = {
            index
            for index, info in connection.introspection.get_constraints(
                cursor, ClockResult._meta.db_table
            ).items()
            if info["index"]
        }
    assert {"clock_counted", "clock_running", "clock_warnings"} <= names
    march = result("sla", "resolution", "2026-03")
    assert (march.met, march.breached) == (1, 1)
