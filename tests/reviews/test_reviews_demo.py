"""The review cycle on the Northwind demo: scheduling from the manifests' cadences, and
a pack's figures against the stored period results."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from accord.agreements.models import Agreement
from accord.evaluation.models import PeriodResult
from accord.reviews.documents import render_pack
from accord.reviews.packs import MIN_PERIODS, build_pack
from accord.reviews.process import process_review
from accord.reviews.schedule import schedule_reviews
from accord.reviews.templatetags.reviews_extras import format_percent


@pytest.mark.slow
def test_demo_reviews_and_pack(demo_estate: datetime) -> None:
    today = demo_estate.date()
    created = schedule_reviews(today=today)
    due = Agreement.objects.filter(
        status="active", review_next__isnull=False, review_next__lte=date(2026, 12, 30)
    )
    assert {r.agreement.name for r in created} == set(due.values_list("name", flat=True))
    assert schedule_reviews(today=today) == []

    review = next(r for r in created if r.agreement.name == "ostara-corporate")
    pack = build_pack(review)
    stored = {
        (r.target_name, r.period): r
        for r in PeriodResult.objects.filter(agreement=review.agreement, subject__isnull=True)
    }
    assert pack.periods[-1] == "2026-11" and pack.since is None
    for series in pack.performance:
        for cell in series.cells:
            row = stored[(series.target, cell.period)]
            assert (cell.attainment, cell.status, cell.final) == (
                row.attainment, row.status, row.final,
            )  # fmt: skip
    for item in pack.revisit:
        rows = [stored[(item.target, p)] for p in item.periods]
        assert len(rows) >= MIN_PERIODS and all(r.final for r in rows)
        values = [r.attainment for r in rows]
        assert (item.lowest, item.highest) == (min(values), max(values))
        if item.verdict == "always missed":
            assert all(v < r.objective for v, r in zip(values, rows, strict=True))
        else:
            assert all(v >= item.threshold for v in values)
    assert {r.target for r in pack.revisit} >= {"p1-response"}

    pdf = render_pack(pack, "pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for series in pack.performance:
        for cell in series.cells:
            if cell.attainment is not None:
                assert format_percent(cell.attainment) in text

    report = process_review(year=2026, today=today)
    coverage = report.kpi("sla_coverage")
    assert coverage.denominator and coverage.numerator == coverage.denominator - len(
        coverage.details
    )
    assert (
        report.kpi("breaches_per_period").numerator
        == PeriodResult.objects.filter(
            final=True, status="breached", period_start__year=2026
        ).count()
    )
