"""A ticket (its fields, events and clocks) and one ticket clock explained as a picture.

Who sees a ticket is `accord.accounts.access.visible_tickets`; its clocks are listed for
the agreements the user sees, and a clock is explained only when the user sees both the
ticket and the agreement. Anything else is a 404, so the page does not reveal that the
ticket or the agreement exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accord.accounts.access import visible_agreements, visible_tickets
from accord.agreements.models import Agreement
from accord.engine.parsing import format_duration
from accord.evaluation.calendars import changes_in_force
from accord.evaluation.explaining import ClockExplanation, ExplainError, explain_ticket
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.models import ClockResult, EvaluationState
from accord.evaluation.queries import clock_results
from accord.web.svg_timeline import clock_warnings, explanation_rows, timeline


@login_required
def ticket_page(request: HttpRequest, ticket: int) -> HttpResponse:
    found = get_object_or_404(
        visible_tickets(request.user).select_related("service", "customer"), pk=ticket
    )
    agreements = {a.pk: a for a in visible_agreements(request.user)}
    clocks = clock_results(agreement_ids=agreements, ticket_id=found.pk)
    for clock in clocks:
        clock.agreement = agreements[clock.agreement_id]
    clocks.sort(key=lambda c: (c.agreement.name, c.target_name))
    context = {
        "ticket": found,
        "events": found.events(),
        "clocks": [_clock_row(c) for c in clocks],
        "attributes": sorted((found.attributes or {}).items()),
    }
    return render(request, "web/clocks/ticket.html", context)


def _clock_row(clock: ClockResult) -> dict[str, Any]:
    return {
        "agreement": clock.agreement,
        "target": clock.target_name,
        "status": clock.get_status_display(),
        "status_class": _status_class(clock.status),
        "elapsed": span(clock.business_elapsed_s),
        "threshold": span(clock.threshold_s),
        "percent": clock.percent_elapsed,
    }


def _status_class(status: int) -> str:
    return {1: "met", 2: "breached", 4: "at_risk"}.get(status, "no_data")


@login_required
def clock_page(request: HttpRequest, ticket: int, agreement: str, target: str) -> HttpResponse:
    chosen = get_object_or_404(visible_agreements(request.user), name=agreement)
    found_ticket = get_object_or_404(visible_tickets(request.user), pk=ticket)
    as_of = _as_of(request, chosen)
    try:
        found = explain_ticket(found_ticket, chosen, target, as_of=epoch_seconds(as_of))
    except ExplainError as exc:
        # Shown only to someone who sees both the ticket and the agreement.
        context = {"ticket": found_ticket, "agreement": chosen, "reason": str(exc)}
        return render(request, "web/clocks/no_clock.html", context, status=404)
    zone = ZoneInfo(found.timezone)
    e = found.explanation
    warnings = clock_warnings(found)
    status = "excluded (cancelled)" if found.excluded else e.status.name.lower()
    context = {
        "found": found,
        "ticket": found_ticket,
        "agreement": chosen,
        "target": found.terms.target,
        "calendar": found.terms.calendar,
        "as_of": datetime.fromtimestamp(found.as_of, zone),
        "picture": timeline(found, warnings, zone),
        "rows": [
            {
                **row,
                "counted": span(row["counted"]),
                "held": span(row["held"]),
                "elapsed_after": span(row["elapsed_after"]),
            }
            for row in explanation_rows(e, zone)
        ],
        "warnings": [
            {
                "label": w.label,
                "level": span(w.level),
                "at": datetime.fromtimestamp(w.at, zone) if w.at is not None else None,
            }
            for w in warnings
        ],
        "totals": {
            "business": span(e.business_elapsed),
            "actual": span(e.actual_elapsed),
            "threshold": span(e.threshold),
            "percent": e.percent_elapsed,
            "breach_at": datetime.fromtimestamp(e.breach_at, zone) if e.breach_at else None,
            "status": status,
            "status_class": {"met": "met", "breached": "breached"}.get(status, "no_data"),
        },
    }
    context["changes"] = _changes_during(found)
    return render(request, "web/clocks/clock.html", context)


def _changes_during(found: ClockExplanation) -> list[dict[str, Any]]:
    """The agreement's temporary changes in force (as the evaluation reads them) that
    overlap the clock and change its hours or its target, so the picture's 24x7 weekend
    under office hours explains itself."""
    e = found.explanation
    start = datetime.fromtimestamp(e.start, UTC)
    end = datetime.fromtimestamp(max(e.end, e.breach_at or 0), UTC)
    rows = []
    for change in changes_in_force(found.agreement.pk):
        if change.start >= end or change.end <= start:
            continue
        hours = change.service_hours if found.terms.follows_agreement_hours else None
        override = (change.target_overrides or {}).get(found.terms.target.name)
        if hours is None and not override:
            continue
        terms = [
            f"within {span(v)}" if k == "within" else f"{k} {v:g} %" if k == "objective" else k
            for k, v in (override or {}).items()
            if v is not None
        ]
        rows.append({"change": change, "hours": hours, "override": ", ".join(terms)})
    return rows


def _as_of(request: HttpRequest, agreement: Agreement) -> datetime:
    """`?as_of=` (ISO 8601), else the instant the agreement was last evaluated at, so the
    picture agrees with the stored results the other pages show; else now."""
    given = request.GET.get("as_of", "").strip()
    if given:
        try:
            parsed = datetime.fromisoformat(given.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"as_of {given!r} is not an ISO 8601 instant") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("UTC"))
    state = EvaluationState.objects.filter(agreement=agreement).first()
    return state.as_of if state else timezone.now()


def span(seconds: int | float) -> str:
    seconds = int(seconds)
    return format_duration(seconds) if seconds > 0 else "0s"
