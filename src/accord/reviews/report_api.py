"""Service level reports under /api/v1/reports (token auth).

- GET  /reports/agreements/{name}/{period}    the report as JSON (`?format=pdf|csv` for files)
- GET  /reports/customers/{party}/{period}    every agreement of a party, the same way
- POST /reports/breach-reasons                record why a clock or a period was breached

Access goes through accord.accounts.access (see reports/requests.py): what the token's
user may not see answers 404, what they may see but not change answers 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accord.catalogue.models import Subject
from accord.reviews.breaches import BreachReasonInvalid, find_ticket, record_breach_reason
from accord.reviews.reports import formats, requests
from accord.reviews.reports.content import Report
from accord.reviews.reports.gather import ReportError

router = Router(tags=["reports"])
API_FORMATS = ("json", "pdf", "csv")


def _file(report: Report, fmt: str) -> HttpResponse:
    if fmt not in API_FORMATS:
        raise HttpError(400, f"format must be one of {', '.join(API_FORMATS)}")
    return formats.download(report, fmt)


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, f"as_of {text!r}: expected ISO 8601, e.g. 2026-03-31T23:59Z") from None
    if moment.tzinfo is None:
        raise HttpError(400, f"as_of {text!r}: give the offset (Z or +01:00)")
    return moment


def _make(make: Any, fmt: str) -> HttpResponse:
    try:
        report = make()
    except requests.NotFound as exc:
        raise HttpError(404, str(exc)) from None
    except ReportError as exc:
        raise HttpError(400, str(exc)) from None
    return _file(report, fmt)


@router.get(
    "/agreements/{name}/{period}",
    summary="An agreement's period report (JSON; ?format=pdf or csv for a file)",
)
def agreement_report(
    request: HttpRequest, name: str, period: str, format: str = "json", as_of: str | None = None
) -> HttpResponse:
    moment = _as_of(as_of)
    return _make(lambda: requests.agreement_report(request.user, name, period, moment), format)


@router.get(
    "/customers/{party}/{period}",
    summary="A party's report over all its agreements (JSON; ?format=pdf or csv)",
)
def customer_report(
    request: HttpRequest, party: str, period: str, format: str = "json", as_of: str | None = None
) -> HttpResponse:
    moment = _as_of(as_of)
    return _make(lambda: requests.party_report(request.user, party, period, moment), format)


class BreachReasonIn(Schema):
    agreement: str
    target: str
    category: str
    text: str
    ticket: str | None = None  # `source:id` (or the id alone): a breached clock
    period: str | None = None  # a breached period result ...
    subject: str | None = None  # ... of this subject (availability targets)


class BreachReasonOut(Schema):
    id: int
    agreement: str
    target: str
    ticket: str | None
    subject: str | None
    period: str
    category: str
    text: str
    author: str
    created_at: datetime


@router.post(
    "/breach-reasons",
    response={201: BreachReasonOut},
    summary="Record why a ticket clock or a period result was breached",
)
def add_breach_reason(request: HttpRequest, body: BreachReasonIn) -> Status:
    try:
        agreement = requests.agreement_for(request.user, body.agreement)
    except requests.NotFound as exc:
        raise HttpError(404, str(exc)) from None
    ticket = find_ticket(body.ticket or "")
    if body.ticket and ticket is None:
        raise HttpError(422, f"ticket: no single ticket {body.ticket!r} (write source:id)")
    subject = None
    if body.subject:
        subject = Subject.objects.filter(name=body.subject).first()
        if subject is None:
            raise HttpError(422, f"subject: no service or component named {body.subject!r}")
    try:
        reason = record_breach_reason(
            agreement=agreement,
            target_name=body.target,
            category=body.category,
            text=body.text,
            author=request.user,
            ticket=ticket,
            subject=subject,
            period=body.period or "",
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "your role does not allow this") from None
    except BreachReasonInvalid as exc:
        raise HttpError(422, str(exc)) from None
    return Status(
        201,
        {
            "id": reason.pk,
            "agreement": agreement.name,
            "target": reason.target_name,
            "ticket": str(reason.ticket) if reason.ticket else None,
            "subject": reason.subject.name if reason.subject else None,
            "period": reason.period,
            "category": reason.category,
            "text": reason.text,
            "author": request.user.get_username(),
            "created_at": reason.created_at,
        },
    )
