"""`accord evaluate`, `accord explain` and `accord reevaluate` as a person runs them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from accord.evaluation.models import PeriodResult, Reevaluation
from tests.evaluation.conftest import Apply, make_ticket, outage
from tests.evaluation.test_period_figures import agreement_yaml

pytestmark = pytest.mark.django_db

TARGETS = """
        - name: availability
          metric: availability
          objective: 99.9
          credits: [{below: 99.9, percent: 5}]
        - name: resolution
          metric: resolution
          within: 1h
          objective: 90
          pauseWhen: [awaiting-customer]
"""
KEYS = {
    "agreement",
    "target",
    "subject",
    "period",
    "objective",
    "attainment",
    "status",
    "counts",
    "availability",
    "budget",
    "credit",
}


@pytest.fixture
def world(apply: Apply) -> None:
    charges = "      charges: {perPeriod: 1000, currency: GBP}"
    apply(agreement_yaml("sla", "[shop]", TARGETS, charges))
    outage("shop", "2026-03-03 10:00", "2026-03-03 11:00")
    make_ticket(
        "T1",
        "2026-03-02 10:00",
        state="resolved",
        resolved="2026-03-02 12:00",
        events=[
            ("2026-03-02 10:00", "new"),
            ("2026-03-02 10:30", "awaiting-customer"),
            ("2026-03-02 11:00", "in-progress"),
            ("2026-03-02 12:00", "resolved"),
        ],
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_json_has_exactly_the_issue_keys(world: None) -> None:
    rows = json.loads(
        run(
            "evaluate",
            "--agreement",
            "sla",
            "--period",
            "2026-03",
            "--as-of",
            "2026-04-01T00:00Z",
            "--format",
            "json",
        )
    )
    assert [r["target"] for r in rows] == ["availability", "resolution"]
    assert all(set(r) == KEYS for r in rows)
    availability, resolution = rows
    assert availability["period"] == {
        "label": "2026-03",
        "start": "2026-03-01T00:00:00Z",
        "end": "2026-04-01T00:00:00Z",
    }
    assert availability["subject"] == "shop" and availability["counts"] is None
    assert availability["availability"] == {
        "scheduled_s": 31 * 86_400,
        "downtime_s": 3600.0,
        "unknown_s": 0,
    }
    assert availability["credit"] == {"percent": 5.0, "amount": 50.0, "currency": "GBP"}
    assert availability["status"] == "breached"
    # 30 min paused of 2h: 1h30m > 1h, breached.
    assert resolution["counts"] == {"met": 0, "breached": 1, "open": 0, "excluded": 0}
    assert resolution["attainment"] == 0.0 and resolution["availability"] is None
    assert resolution["budget"] == {"consumed": 10.0, "remaining": -9.0}
    assert resolution["subject"] is None and resolution["credit"] is None
    assert not PeriodResult.objects.exists()  # --as-of computes; nothing written


def test_table_and_csv(world: None) -> None:
    table = run(
        "evaluate", "--agreement", "sla", "--period", "2026-03", "--as-of", "2026-04-01T00:00Z"
    )
    header, first, second = table.splitlines()[:3]
    assert header.split()[:4] == ["AGREEMENT", "TARGET", "SUBJECT", "PERIOD"]
    assert (
        "99.90 %" in first
        and "99.86 %" in first
        and "BREACHED" in first
        and "down 1h of 31d" in first
    )
    assert "50.00 GBP" in first
    assert "0 met, 1 breached" in second
    text = run(
        "evaluate",
        "--agreement",
        "sla",
        "--period",
        "2026-03",
        "--as-of",
        "2026-04-01T00:00Z",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["target"] == "availability" and rows[0]["downtime_s"] == "3600.0"


def test_without_as_of_the_routine_evaluation_runs_and_is_shown(world: None) -> None:
    rows = json.loads(
        run("evaluate", "--agreement", "sla", "--period", "2026-03", "--format", "json")
    )
    assert {r["status"] for r in rows} == {"breached"}
    assert PeriodResult.objects.filter(period="2026-03", final=True).count() == 2
    with pytest.raises(CommandError, match="no agreement named 'nope'"):
        run("evaluate", "--agreement", "nope")


def test_explain_lists_segments_totals_and_the_breach(world: None) -> None:
    text = run(
        "explain",
        "T1",
        "--agreement",
        "sla",
        "--target",
        "resolution",
        "--as-of",
        "2026-04-01T00:00Z",
    )
    lines = text.splitlines()
    assert lines[0].startswith(
        "Ticket T1 — sla / resolution (version 1; resolution within 1h under 24x7)"
    )
    segments = [line.split()[6:] for line in lines[4:8]]
    assert segments[0][:2] == ["running", "30m"]
    assert segments[1][:2] == ["paused", "awaiting-customer"]
    assert "Breach instant    2026-03-02 11:30:00 UTC" in text
    assert "Status            breached" in text
    with pytest.raises(CommandError, match="has no ticket target 'availability'"):
        run("explain", "T1", "--agreement", "sla", "--target", "availability")
    with pytest.raises(CommandError, match="no ticket 'T9'"):
        run("explain", "T9", "--agreement", "sla", "--target", "resolution")


def test_reevaluate_is_logged(world: None) -> None:
    text = run("reevaluate", "--agreement", "sla", "--since", "2026-03-01", "--by", "auditor")
    assert text.startswith("sla: re-evaluated 1 clocks, rewrote 2026-03 to ")
    entry = Reevaluation.objects.get()
    assert (entry.agreement_name, entry.requested_by) == ("sla", "auditor")
    assert entry.since.isoformat() == "2026-03-01T00:00:00+00:00"
