"""Period reports: their figures against the stored results, and every format against
the same content (PDF text and CSV against the JSON)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from accord.agreements.models import Agreement
from accord.catalogue.models import Party
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.reviews.reports import formats
from accord.reviews.reports.gather import customer_report, single_report

SLA = "retail-online-store-sla"


def _stored(agreement: Agreement, period: str) -> dict[tuple[str, str | None], PeriodResult]:
    rows = PeriodResult.objects.filter(agreement=agreement, period=period)
    return {(r.target_name, r.subject.name if r.subject else None): r for r in rows}


def test_figures_are_the_stored_results(demo_estate: datetime) -> None:
    agreement = Agreement.objects.get(name=SLA)
    report = single_report(agreement, period="2026-11")
    (item,) = report.agreements
    stored = _stored(agreement, "2026-11")
    assert item.period.source == "stored" and item.period.label == "2026-11"
    assert item.period.as_of == demo_estate and not item.period.final
    lines = [line for line in item.targets if line.window is None]
    assert {(line.target, line.subject) for line in lines} == set(stored)
    for line in lines:
        row = stored[(line.target, line.subject)]
        assert (line.attainment, line.status, line.objective) == (
            row.attainment,
            row.status,
            row.objective,
        )
        assert (line.met, line.breached, line.scheduled_s, line.downtime_s) == (
            row.met,
            row.breached,
            row.scheduled_s,
            row.downtime_s,
        )
        assert line.trend[-1].period == "2026-11" and line.trend[-1].attainment == row.attainment
        if row.met is not None and row.met + row.breached:
            assert line.denominator.startswith(f"{row.met} of {row.met + row.breached} ")
        if row.scheduled_s:
            assert f"of {row.scheduled_s // 3600:,} h" in line.denominator
    statuses = [r.status for r in stored.values()]
    assert item.counts.breached == statuses.count("breached") >= 1
    assert item.counts.at_risk == statuses.count("at_risk")
    assert item.counts.total == len(stored) == report.counts.total

    # Every breached clock counted in the period is listed, and only those.
    listed: dict[str, int] = {}
    for clock in item.clock_breaches:
        listed[clock.target] = listed.get(clock.target, 0) + 1
    for (target, _), row in stored.items():
        if row.breached is not None:
            assert listed.get(target, 0) == row.breached, target
    breached_clocks = ClockResult.objects.filter(
        agreement=agreement, status=ClockStatus.BREACHED, period="2026-11"
    ).count()
    assert len(item.clock_breaches) == breached_clocks > 0

    # Credits are the stored ones; the black-friday change of November is listed.
    credit = sum(r.credit_amount or 0 for r in stored.values())
    assert credit > 0 and item.credits is not None
    assert item.credits.total == pytest.approx(credit)
    assert item.credits.currency == "GBP" and item.credits.charge == 12000
    assert [c.name for c in item.changes] == ["black-friday-2026"]

    # The availability timeline shows the outages behind online-store (through web-a/b).
    (row,) = item.timeline
    assert row.subject == "online-store" and {o.subject for o in row.outages} >= {"web-a"}

    # The underpinning agreements' own results of the same period.
    under = {u.agreement: u for u in item.underpinning}
    assert set(under) == {"platform-ola", "service-desk-ola", "cumulus-hosting-uc", "paybridge-uc"}
    platform = _stored(Agreement.objects.get(name="platform-ola"), "2026-11")
    assert {(t.target, t.subject): t.attainment for t in under["platform-ola"].targets} == {
        k: r.attainment for k, r in platform.items()
    }
    assert under["cumulus-hosting-uc"].targets == ()  # it ended in September


def test_a_quarter_is_computed_and_adds_up_the_months(demo_estate: datetime) -> None:
    agreement = Agreement.objects.get(name=SLA)
    before = PeriodResult.objects.count()
    report = single_report(agreement, period="2026-Q3")
    (item,) = report.agreements
    assert item.period.source == "computed" and item.period.label == "2026-Q3"
    assert PeriodResult.objects.count() == before  # nothing written
    months = PeriodResult.objects.filter(
        agreement=agreement, period__in=["2026-07", "2026-08", "2026-09"]
    )
    for line in item.targets:
        if line.met is None or line.window:
            continue
        rows = months.filter(target_name=line.target)
        assert line.met == sum(r.met for r in rows)
        assert line.breached == sum(r.breached for r in rows)
    # The trend is in months, ending with the quarter's last; credits sum the months'.
    assert item.trend_periods[-1] == "2026-09"
    monthly = sum(r.credit_amount or 0 for r in months)
    assert (item.credits.total if item.credits else 0) == pytest.approx(monthly)


def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    # Lines break after the hyphens of names (uk-office-hours); join them again.
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text))


def test_pdf_and_csv_say_what_the_json_says(demo_estate: datetime) -> None:
    agreement = Agreement.objects.get(name=SLA)
    report = single_report(agreement, period="2026-11")
    data = json.loads(formats.to_json(report))
    pdf = formats.to_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    (item,) = data["agreements"]
    counts = data["counts"]
    for word in ("met", "at risk", "breached", "no data"):
        assert f"{counts[word.replace(' ', '_')]} {word}" in text
    for target in item["targets"]:
        assert target["attainment_text"] in text, target["target"]
        assert re.sub(r"\s+", " ", target["denominator"]) in text, target["denominator"]
    for clock in item["clock_breaches"]:
        assert clock["ticket"] in text
    assert f"Tickets breached in the period ({len(item['clock_breaches'])})" in text
    assert f"{item['credits']['total']:,.2f} GBP" in text
    for under in item["underpinning"]:
        assert under["agreement"] in text

    rows = list(csv.DictReader(io.StringIO(formats.to_csv(report).decode())))
    own = [r for r in rows if r["role"] == "agreement"]
    assert len(own) == len(item["targets"])
    for row, target in zip(own, item["targets"], strict=True):
        assert row["target"] == target["target"] and row["status"] == target["status"]
        assert row["attainment_text"] == target["attainment_text"]
        if target["attainment"] is not None:
            assert float(row["attainment"]) == pytest.approx(target["attainment"])
        if target["met"] is not None:
            assert int(row["met"]) == target["met"]
            assert int(row["breached_clocks_listed"]) == target["breached"]
    under_rows = {r["agreement"] for r in rows if r["role"] == "underpinning"}
    assert under_rows == {u["agreement"] for u in item["underpinning"] if u["targets"]}


def test_customer_report_covers_the_party(demo_estate: datetime) -> None:
    party = Party.objects.get(name="retail-division")
    report = customer_report(party, period="2026-10")
    names = [a.name for a in report.agreements]
    assert sorted(names) == ["ostara-corporate", SLA]  # the SLR has no figures
    assert report.counts.total == sum(a.counts.total for a in report.agreements)
    html = formats.render(report, "html").decode()
    assert "Online Store — Retail Division SLA" in html and "<svg" in html
