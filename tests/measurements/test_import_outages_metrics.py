"""`accord import outages` and `accord import metrics`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.catalogue.models import Subject
from accord.measurements.models import MetricPoint, MetricSeries, Outage
from tests.measurements.conftest import run_import

pytestmark = pytest.mark.django_db
Write = Callable[[str, str], Path]

OUTAGES = """target,start,end,planned,impact,reference
email,2025-03-01T09:00:00Z,2025-03-01T09:30:00Z,false,,INC1
mail-relay,2025-03-02T22:00:00Z,,true,0.5,CHG7
"""


def test_outages_are_created_keyed_by_subject_and_start(
    write: Write, service: Subject, component: Subject
) -> None:
    outcome = run_import("outages", write("o.csv", OUTAGES))
    assert outcome.status == 0, outcome.err
    assert outcome.summary == "read 2, created 2, updated 0, unchanged 0, rejected 0"
    full = Outage.objects.get(subject=service)
    assert (full.start, full.end, full.planned, full.impact, full.reference, full.origin) == (
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        False,
        1.0,
        "INC1",
        "import",
    )
    assert full.key == "email@2025-03-01T09:00:00Z"
    partial = Outage.objects.get(subject=component)
    assert (partial.end, partial.planned, partial.impact) == (None, True, 0.5)


def test_an_ongoing_outage_is_closed_by_a_later_import(
    write: Write, service: Subject, component: Subject
) -> None:
    run_import("outages", write("o.csv", OUTAGES))
    assert run_import("outages", write("o.csv", OUTAGES)).summary.endswith(
        "created 0, updated 0, unchanged 2, rejected 0"
    )
    ended = OUTAGES.replace("2025-03-02T22:00:00Z,,", "2025-03-02T22:00:00Z,2025-03-03T01:00:00Z,")
    outcome = run_import("outages", write("later.csv", ended))
    assert outcome.summary == "read 2, created 0, updated 1, unchanged 1, rejected 0"
    assert Outage.objects.get(subject=component).end == datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def test_an_id_column_is_the_key(write: Write, service: Subject) -> None:
    text = '{"id": "evt-1", "target": "email", "start": "2025-03-01T09:00:00Z"}\n'
    run_import("outages", write("o.jsonl", text))
    moved = text.replace("09:00:00Z", "08:55:00Z")
    assert run_import("outages", write("o.jsonl", moved)).summary.endswith(
        "updated 1, unchanged 0, rejected 0"
    )
    outage = Outage.objects.get()
    assert (outage.key, outage.start) == ("evt-1", datetime(2025, 3, 1, 8, 55, tzinfo=UTC))


def test_service_option_names_the_subject_of_every_outage(write: Write, service: Subject) -> None:
    path = write("o.csv", "start,end\n2025-03-01T09:00:00Z,2025-03-01T10:00:00Z\n")
    assert run_import("outages", path, "--service", "email").status == 0
    assert Outage.objects.get().subject == service


def test_bad_outage_rows(write: Write, service: Subject) -> None:
    text = """target,start,end,planned,impact
email,2025-03-01T09:00:00Z,2025-03-01T08:00:00Z,,
email,2025-03-01T10:00:00Z,,maybe,
email,2025-03-01T11:00:00Z,,,0
email,2025-03-01T12:00:00Z,,,1.5
payroll,2025-03-01T13:00:00Z,,,
email,,,,
email,2025-03-01T14:00:00Z,,no,0.25
"""
    outcome = run_import("outages", write("o.csv", text))
    assert outcome.status == 2
    assert outcome.summary == "read 7, created 1, updated 0, unchanged 0, rejected 6"
    for row, column, reason in [
        (2, "end", "not after start"),
        (3, "planned", "expected true or false"),
        (4, "impact", "expected a share"),
        (5, "impact", "expected a share"),
        (6, "target", "no service or component named 'payroll'"),
        (7, "start", "required"),
    ]:
        assert f"o.csv:{row}: column {column} {reason}" in outcome.err


METRICS = """series,start,end,good,total,value
checkout-success,2025-03-01T09:00:00Z,2025-03-01T09:05:00Z,990,1000,
checkout-success,2025-03-01T09:05:00Z,2025-03-01T09:10:00Z,1000,1000,
checkout-latency-p99,2025-03-01T09:00:00Z,2025-03-01T09:05:00Z,,,0.42
"""


def test_metric_counts_and_values(write: Write, db: None) -> None:
    outcome = run_import("metrics", write("m.csv", METRICS))
    assert outcome.status == 0, outcome.err
    assert dict(MetricSeries.objects.values_list("name", "kind")) == {
        "checkout-success": "counts",
        "checkout-latency-p99": "values",
    }
    first = MetricPoint.objects.get(series__name="checkout-success", start__minute=0)
    assert (first.end, first.good, first.total, first.value) == (
        datetime(2025, 3, 1, 9, 5, tzinfo=UTC),
        990,
        1000,
        None,
    )
    assert MetricPoint.objects.get(series__name="checkout-latency-p99").value == 0.42
    again = run_import("metrics", write("m.csv", METRICS))
    assert again.summary == "read 3, created 0, updated 0, unchanged 3, rejected 0"
    corrected = METRICS.replace("990,1000", "995,1000")
    assert run_import("metrics", write("m.csv", corrected)).summary.endswith(
        "created 0, updated 1, unchanged 2, rejected 0"
    )


def test_bad_metric_rows(write: Write, db: None) -> None:
    text = """series,start,end,good,total,value
s,2025-03-01T09:00:00Z,2025-03-01T09:05:00Z,10,5,
s,2025-03-01T09:05:00Z,2025-03-01T09:10:00Z,1,2,3
s,2025-03-01T09:10:00Z,2025-03-01T09:15:00Z,1,,
s,2025-03-01T09:15:00Z,2025-03-01T09:15:00Z,1,1,
s,2025-03-01T09:20:00Z,2025-03-01T09:25:00Z,x,1,
s,2025-03-01T09:25:00Z,2025-03-01T09:30:00Z,1,1,
s,2025-03-01T09:30:00Z,2025-03-01T09:35:00Z,,,7
"""
    outcome = run_import("metrics", write("m.csv", text))
    assert outcome.summary == "read 7, created 1, updated 0, unchanged 0, rejected 6"
    for row, column, reason in [
        (2, "good", "expected 0 ≤ good ≤ total"),
        (3, "value", "give either good and total"),
        (4, "total", "required"),
        (5, "end", "not after start"),
        (6, "good", "expected a number"),
        (8, "series", "the series holds counts"),
    ]:
        assert f"m.csv:{row}: column {column} {reason}" in outcome.err


def test_metrics_need_counts_or_value_columns(write: Write, db: None) -> None:
    outcome = run_import("metrics", write("m.csv", "series,start,end,good\n"))
    assert outcome.status == 1
    assert "good and total, or value" in outcome.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["events", "--service", "email"], "--service applies to tickets and outages only"),
        (["metrics", "--source", "jira"], "--source applies to tickets and events only"),
        (["outages", "--format", "servicenow"], "servicenow imports tickets"),
    ],
)
def test_options_that_do_not_apply_are_refused(
    write: Write, service: Subject, args: list[str], message: str
) -> None:
    path = write("x.csv", "a\n")
    outcome = run_import(args[0], path, *args[1:])
    assert outcome.status == 1
    assert message in outcome.err
