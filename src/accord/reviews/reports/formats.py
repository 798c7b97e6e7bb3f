"""Rendering one report's content (`content.Report`) as HTML, PDF, CSV or JSON.

The page and the PDF use the same template (`reports/_report.html`); the PDF is that
template inside a print wrapper with the print stylesheet, printed by WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from accord.accounts.middleware import allow_inline_styles
from accord.reviews.rendering import render_csv, render_json, render_pdf
from accord.reviews.reports.charts import timeline_svg, trend_svg
from accord.reviews.reports.content import AgreementReport, Report, TargetLine

FORMATS = ("html", "pdf", "csv", "json")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
CSS = Path(__file__).resolve().parents[1] / "static" / "reports" / "report.css"


@cache
def report_css() -> str:
    return CSS.read_text(encoding="utf-8")


def filename(report: Report, fmt: str) -> str:
    return f"{report.kind}-{report.name}-{report.period_label}.{fmt}".replace(" ", "_")


def sections(report: Report) -> list[dict[str, Any]]:
    """Per agreement: its content with its charts drawn (SVG markup)."""
    return [
        {
            "a": item,
            "trends": [(line, mark_safe(trend_svg(line))) for line in item.targets if line.trend],
            "timeline": mark_safe(
                timeline_svg(
                    item.timeline, item.period.start, item.period.end, item.period.timezone
                )
            ),
        }
        for item in report.agreements
    ]


def context(report: Report, **extra: Any) -> dict[str, Any]:
    return {"report": report, "sections": sections(report), **extra}


def render_print_html(report: Report) -> str:
    return render_to_string(
        "reports/report_print.html", context(report, printing=True, css=report_css())
    )


def to_pdf(report: Report) -> bytes:
    # The stylesheet is inlined in the print wrapper: nothing is fetched while printing.
    return render_pdf(render_print_html(report), base_url="/")


def to_json(report: Report) -> bytes:
    return render_json(report)


CSV_HEADER = (
    "report",
    "agreement",
    "role",
    "period",
    "period_start",
    "period_end",
    "as_of",
    "source",
    "target",
    "subject",
    "window",
    "metric",
    "objective",
    "attainment",
    "attainment_text",
    "status",
    "denominator",
    "met",
    "breached",
    "open",
    "excluded",
    "scheduled_s",
    "downtime_s",
    "unknown_s",
    "good",
    "total",
    "budget_consumed",
    "budget_remaining",
    "forecast",
    "credit_amount",
    "currency",
    "breached_clocks_listed",
)


def to_csv(report: Report) -> bytes:
    """One row per target (and subject, and change window) of every agreement in the
    report, then the underpinning agreements' targets (role `underpinning`)."""
    return render_csv(CSV_HEADER, _csv_rows(report))


def _csv_rows(report: Report) -> Iterator[list[Any]]:
    for item in report.agreements:
        listed: dict[str, int] = {}
        for clock in item.clock_breaches:
            listed[clock.target] = listed.get(clock.target, 0) + 1
        for line in item.targets:
            count = None if line.met is None or line.window else listed.get(line.target, 0)
            yield _csv_row(report, item, item.name, "agreement", line, count)
        for under in item.underpinning:
            for line in under.targets:
                yield _csv_row(report, item, under.agreement, "underpinning", line, None)


def _csv_row(
    report: Report,
    item: AgreementReport,
    agreement: str,
    role: str,
    line: TargetLine,
    listed: int | None,
) -> list[Any]:
    period = item.period
    return [
        f"{report.kind}:{report.name}",
        agreement,
        role,
        line.window or period.label,
        period.start,
        period.end,
        period.as_of,
        period.source,
        line.target,
        line.subject,
        line.window,
        line.metric,
        line.objective,
        line.attainment,
        line.attainment_text,
        line.status,
        line.denominator,
        line.met,
        line.breached,
        line.open,
        line.excluded,
        line.scheduled_s,
        line.downtime_s,
        line.unknown_s,
        line.good,
        line.total,
        line.budget_consumed,
        line.budget_remaining,
        line.forecast,
        line.credit_amount,
        line.currency,
        listed,
    ]


def download(report: Report, fmt: str) -> HttpResponse:
    """The report as a response; PDF and CSV as attachments named after the report."""
    response = HttpResponse(render(report, fmt), content_type=CONTENT_TYPES[fmt])
    if fmt in ("pdf", "csv"):
        response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
    # The printable HTML carries its own <style>, shared with the PDF.
    return allow_inline_styles(response) if fmt == "html" else response


def render(report: Report, fmt: str) -> bytes:
    """Any format but the page (which needs a request): html here is the print HTML."""
    if fmt == "pdf":
        return to_pdf(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return render_print_html(report).encode("utf-8")
    raise ValueError(f'"{fmt}" is not a report format ({", ".join(FORMATS)})')
