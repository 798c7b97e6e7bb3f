"""The annual review of the SLM process: each KPI worked out by hand, and the four
formats holding the same figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accord.agreements.models import Agreement, AgreementEvent
from accord.catalogue.models import Subject
from accord.reviews import services
from accord.reviews.documents import process_document, render_process
from accord.reviews.models import Review
from accord.reviews.process import process_review
from accord.reviews.templatetags.reviews_extras import format_percent
from tests.reviews import review_support as world

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _estate() -> None:
    boss = world.admin()
    s1, s2, s3 = world.service("s1"), world.service("s2"), world.service("s3")
    world.service("old", status=Subject.Status.RETIRED)
    a = world.agreement("a-sla", services=[s1], next=date(2026, 10, 1))
    world.agreement("b-sla", services=[s2], status=Agreement.Status.DRAFT, next=date(2025, 1, 1))
    ola = world.agreement("ola", type=Agreement.Type.OLA, services=[s3], next=date(2027, 1, 1))
    world.agreement("c-sla", status=Agreement.Status.AGREED, next=None)
    d = world.agreement("d-sla", next=date(2027, 3, 1))
    e = world.agreement("e-sla", status=Agreement.Status.DRAFT)
    world.agreement("slr-x", status=Agreement.Status.REQUIREMENT, next=None)
    for agreement, old, new, day in [
        (d, "requirement", "draft", date(2026, 3, 1)),
        (d, "draft", "active", date(2026, 4, 1)),
        (e, "requirement", "draft", date(2025, 6, 1)),  # another year
    ]:
        AgreementEvent.objects.create(agreement=agreement, from_status=old, to_status=new,
                                      actor_name="test", at=_at(day))  # fmt: skip

    for scheduled, held in [
        (date(2026, 3, 1), date(2026, 2, 28)),  # on time
        (date(2026, 5, 1), date(2026, 5, 10)),  # late
        (date(2026, 9, 1), None),  # not held
        (date(2026, 12, 20), None),  # due after the as-at date
        (date(2025, 12, 1), date(2025, 12, 1)),  # another year
    ]:
        Review.objects.create(agreement=a, scheduled_for=scheduled,
                              status="held" if held else "scheduled",
                              held_at=_at(held) if held else None)  # fmt: skip
    Review.objects.create(agreement=a, scheduled_for=date(2026, 6, 1), status="cancelled")

    for title, due, status, closed in [
        ("on time", date(2026, 3, 1), "done", date(2026, 2, 20)),
        ("late", date(2026, 4, 1), "done", date(2026, 4, 5)),
        ("open", date(2026, 6, 1), "open", None),
        ("dropped", date(2026, 7, 1), "dropped", date(2026, 6, 1)),
        ("last year", date(2025, 11, 1), "done", date(2025, 11, 1)),
        ("not due yet", date(2026, 12, 15), "open", None),
    ]:
        action = services.create_action(title=title, due=due, user=boss, agreement=a,
                                        owner_name="Ann")  # fmt: skip
        if closed:
            services.set_action_status(action, status=status, user=boss, at=_at(closed))

    world.results(a, "t1", [("2025-12", 90.0, "breached"), ("2026-01", 99.0, "met"),
                            ("2026-02", 90.0, "breached")], objective=95)  # fmt: skip
    world.results(a, "t2", [("2026-01", 90.0, "breached"), ("2026-02", 90.0, "breached"),
                            ("2026-11", 90.0, "breached")], objective=95,
                  running=["2026-11"])  # fmt: skip
    world.results(a, "t3", [("2026-02", None, "no_data")], objective=95)
    world.results(ola, "t1", [("2026-02", 99.0, "met")], objective=95)


def test_kpis_worked_out_by_hand() -> None:
    _estate()
    report = process_review(year=2026, today=TODAY)
    assert report.as_at == TODAY

    coverage = report.kpi("sla_coverage")  # s1 only: s2's SLA is a draft, s3 has an OLA
    assert (coverage.numerator, coverage.denominator, coverage.value) == (1, 3, 33.33)
    assert coverage.details == ["not covered: s2", "not covered: s3"]

    reviews = report.kpi("reviews_on_time")
    assert (reviews.numerator, reviews.denominator, reviews.value) == (1, 3, 33.33)
    assert "held late: a-sla (due 2026-05-01)" in reviews.details
    assert (
        "not held: a-sla (due 2026-09-01)" in reviews.details and "cancelled: 1" in reviews.details
    )

    actions = report.kpi("actions_on_time")
    assert (actions.numerator, actions.denominator, actions.value) == (1, 3, 33.33)
    assert actions.details == ["done late: 1", "still open: 1", "dropped: 1"]

    breaches = report.kpi("breaches_per_period")
    assert (breaches.numerator, breaches.denominator, breaches.value) == (3, 2, 1.5)
    assert [(p.period, p.breached, p.results) for p in report.breaches] == [
        ("2026-01", 1, 2), ("2026-02", 2, 3),
    ]  # fmt: skip

    late = report.kpi("past_review_date")
    assert (late.numerator, late.denominator) == (1, 4)
    assert late.details == ["a-sla: review due 2026-10-01"]

    slrs = report.kpi("slrs_agreed")
    assert (slrs.numerator, slrs.denominator, slrs.value) == (1, 2, 50.0)
    assert slrs.details == ["turned into an agreement: d-sla", "still a requirement: slr-x"]


def test_a_year_not_yet_begun_counts_nothing_due() -> None:
    _estate()
    report = process_review(year=2027, today=TODAY)
    assert report.as_at == TODAY
    assert report.kpi("reviews_on_time").denominator == 0
    assert report.kpi("reviews_on_time").value is None
    assert report.breaches == []


def test_every_format_holds_the_same_figures(tmp_path: Path) -> None:
    _estate()
    report = process_review(year=2026, today=TODAY)
    document = json.loads(render_process(report, "json"))
    assert document == json.loads(json.dumps(process_document(report)))
    values = {k["key"]: k["value"] for k in document["kpis"]}
    assert values["sla_coverage"] == 33.33 and values["breaches_per_period"] == 1.5

    rows = list(csv.DictReader(io.StringIO(render_process(report, "csv").decode())))
    by_kpi = {row["kpi"]: row for row in rows}
    for key, value in values.items():
        assert float(by_kpi[key]["value"]) == value
    assert by_kpi["breaches:2026-02"]["value"] == "2"

    pdf = render_process(report, "pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for kpi in document["kpis"]:
        assert format_percent(kpi["value"]) in text, kpi["key"]
        assert f"{kpi['numerator']} of {kpi['denominator']}" in text, kpi["key"]
    assert "2026-02 2 3" in text

    out = tmp_path / "process.json"
    call_command("process-review", "--year", "2026", "--format", "json", "-o", str(out),
                 "--today", "2026-11-30")  # fmt: skip
    assert json.loads(out.read_text()) == document
