"""Review packs and the process review as files: HTML, PDF (rendering.render_pdf), CSV
and JSON, from the same content the pages show. The JSON is the reference: the PDF and
HTML print the same figures (tests compare them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string

from accord.reviews import rendering
from accord.reviews.models import Action
from accord.reviews.packs import Pack
from accord.reviews.process import CSV_HEADER, ProcessReview, csv_rows

FORMATS = ("html", "pdf", "json", "csv")
# A pack's performance matrix has a column per period (up to 12): print it across.
PACK_PRINT_CSS = "@page { size: A4 landscape; }"


def action_document(action: Action, *, today: date | None = None) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "owner": action.owner_label,
        "due": action.due,
        "status": action.status,
        "overdue": action.is_overdue(today) if today else None,
        "agreement": action.agreement.name if action.agreement else None,
        "target": action.target_name or None,
        "review": action.review_id,
        "plan": action.plan_id,
        "closed_at": action.closed_at,
    }


def pack_document(pack: Pack) -> dict[str, Any]:
    review = pack.review
    return rendering.to_jsonable(
        {
            "review": {
                "id": review.pk,
                "agreement": pack.agreement.name,
                "scheduled_for": review.scheduled_for,
                "status": review.status,
                "held_at": review.held_at,
                "date": pack.review_date,
            },
            "previous_review": pack.previous_review.pk if pack.previous_review else None,
            "since": pack.since,
            "rules": pack.rules,
            "outstanding_actions": [
                action_document(a, today=pack.review_date) for a in pack.outstanding
            ],
            "periods": pack.periods,
            "performance": [
                {
                    "target": s.target,
                    "subject": s.subject or None,
                    "objective": s.objective,
                    "periods": [
                        {
                            "period": c.period,
                            "attainment": c.attainment,
                            "status": c.status,
                            "final": c.final,
                            "ticket_volume": c.volume,
                        }
                        for c in s.cells
                    ],
                }
                for s in pack.performance
            ],
            "repeated": pack.repeated,
            "revisit": pack.revisit,
            "underpinning": pack.underpinning,
            "expiries": pack.expiries,
            "proposals": pack.proposals,
        }
    )


def pack_html(pack: Pack, *, printing: bool = True) -> str:
    return render_to_string("reviews/pack_document.html", {"pack": pack, "printing": printing})


def render_pack(pack: Pack, fmt: str) -> bytes:
    if fmt == "json":
        return rendering.render_json(pack_document(pack))
    html = pack_html(pack)
    if fmt == "pdf":
        return rendering.render_pdf(html, base_url="/", extra_css=PACK_PRINT_CSS)
    if fmt == "html":
        return html.encode("utf-8")
    raise ValueError(f"format {fmt!r}: a review pack is html, pdf or json")


def process_document(review: ProcessReview) -> dict[str, Any]:
    return rendering.to_jsonable(
        {
            "year": review.year,
            "as_at": review.as_at,
            "kpis": review.kpis,
            "breaches_per_period": review.breaches,
        }
    )


def render_process(review: ProcessReview, fmt: str) -> bytes:
    if fmt == "json":
        return rendering.render_json(process_document(review))
    if fmt == "csv":
        return rendering.render_csv(CSV_HEADER, csv_rows(review))
    html = render_to_string("reviews/process_document.html", {"report": review, "printing": True})
    if fmt == "pdf":
        return rendering.render_pdf(html, base_url="/")
    if fmt == "html":
        return html.encode("utf-8")
    raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
