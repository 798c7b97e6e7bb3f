"""Report pages: /reports/ (index), /reports/agreements/<name>/<period>/,
/reports/customers/<party>/<period>/ (`?format=pdf|csv|json` downloads the same content),
and the breach-reason form's POST."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accord.accounts.access import can_change_agreement, visible_agreements
from accord.catalogue.models import Subject
from accord.evaluation.models import PeriodResult
from accord.measurements.models import Ticket
from accord.reviews.breaches import BreachReasonInvalid, record_breach_reason
from accord.reviews.models import BreachReason
from accord.reviews.reports import formats, requests
from accord.reviews.reports.content import Report
from accord.reviews.reports.gather import REPORTED, ReportError


@login_required
def index(request: HttpRequest) -> HttpResponse:
    agreements = visible_agreements(request.user).filter(status__in=REPORTED).order_by("name")
    labels: dict[int, list[str]] = {}
    finals = (
        PeriodResult.objects.filter(agreement__in=agreements, final=True)
        .values_list("agreement_id", "period", "period_start")
        .distinct()
        .order_by("agreement_id", "-period_start")
    )
    for agreement_id, label, _ in finals:
        found = labels.setdefault(agreement_id, [])
        if label not in found and len(found) < 6:
            found.append(label)
    items = [{"agreement": a, "periods": labels.get(a.pk, [])} for a in agreements]
    parties = requests.reportable_parties(request.user)
    return render(request, "reports/index.html", {"agreements": items, "parties": parties})


@login_required
def agreement_page(request: HttpRequest, name: str, period: str) -> HttpResponse:
    return _respond(
        request, lambda as_of: requests.agreement_report(request.user, name, period, as_of)
    )


@login_required
def customer_page(request: HttpRequest, party: str, period: str) -> HttpResponse:
    return _respond(
        request, lambda as_of: requests.party_report(request.user, party, period, as_of)
    )


def _respond(request: HttpRequest, make) -> HttpResponse:  # type: ignore[no-untyped-def]
    chosen = request.GET.get("period")
    if chosen and chosen != request.resolver_match.kwargs.get("period"):  # type: ignore[union-attr]
        # The period picker: go to the canonical URL of the chosen period.
        kwargs = {**request.resolver_match.kwargs, "period": chosen.strip()}  # type: ignore[union-attr]
        return redirect(request.resolver_match.view_name, **kwargs)  # type: ignore[union-attr]
    fmt = request.GET.get("format", "html")
    if fmt not in formats.FORMATS:
        return HttpResponseBadRequest(f"format must be one of {', '.join(formats.FORMATS)}")
    try:
        as_of = _as_of(request.GET.get("as_of"))
        report = make(as_of)
    except requests.NotFound as exc:
        raise Http404(str(exc)) from None
    except ReportError as exc:
        return render(request, "reports/error.html", {"message": str(exc)}, status=400)
    if fmt != "html":
        return formats.download(report, fmt)
    return render(request, "reports/report_page.html", _page_context(request, report))


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"as_of {text!r}: expected ISO 8601, e.g. 2026-03-31T23:59Z") from None
    if moment.tzinfo is None:
        raise ReportError(f"as_of {text!r}: give the offset (Z or +01:00)")
    return moment


def _page_context(request: HttpRequest, report: Report) -> dict[str, object]:
    visible = {
        a.name: a
        for a in visible_agreements(request.user).filter(
            name__in=[a.name for a in report.agreements]
        )
    }
    changeable = {n for n, a in visible.items() if can_change_agreement(request.user, a)}
    return formats.context(
        report,
        printing=False,
        changeable=changeable,
        categories=BreachReason.Category.choices,
    )


@login_required
@require_POST
def breach_reason(request: HttpRequest) -> HttpResponse:
    """The report page's form: record a reason, then back to the page."""
    data = request.POST
    back = data.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/reports/"
    try:
        agreement = requests.agreement_for(request.user, data.get("agreement", ""))
    except requests.NotFound as exc:
        raise Http404(str(exc)) from None
    ticket = None
    if data.get("ticket_id"):
        ticket = Ticket.objects.filter(pk=_int(data["ticket_id"])).first()
        if ticket is None:
            raise Http404("no such ticket")
    subject = Subject.objects.filter(name=data["subject"]).first() if data.get("subject") else None
    try:
        record_breach_reason(
            agreement=agreement,
            target_name=data.get("target", ""),
            category=data.get("category", ""),
            text=data.get("text", ""),
            author=request.user,
            ticket=ticket,
            subject=subject,
            period="" if ticket else data.get("period", ""),
        )
    except BreachReasonInvalid as exc:
        messages.error(request, f"The reason was not recorded — {exc}")
        return redirect(back)
    messages.success(request, "Reason recorded.")
    return redirect(back)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Http404("no such ticket") from None
