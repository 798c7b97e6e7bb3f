"""The alerts inbox: alert events on agreements the user can see, with filters, and an
acknowledge button.

Who sees an alert is `accord.accounts.access.visible_alerts`; who may acknowledge it,
`can_acknowledge_alert`: admins, service level managers, and service owners on the
alerts they see. Customers, suppliers and viewers read the inbox but do not
acknowledge: an acknowledgement tells the provider's people that someone is on it,
which is the provider's word to give. They get no button, and a forged POST is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accord.accounts.access import can_acknowledge_alert, require, visible_alerts, visible_tickets
from accord.alerts.models import AlertEvent, Kind
from accord.alerts.queries import alert_queryset, filter_alerts
from accord.alerts.services import acknowledge_alert
from accord.measurements.models import DEFAULT_SOURCE

PAGE_SIZE = 50
STATES = {"open": False, "acknowledged": True, "all": None}


def _alerts(user: Any) -> QuerySet[AlertEvent]:
    """The inbox's rows: the alerts `visible_alerts` allows, with acknowledgement state."""
    allowed = visible_alerts(user).values("pk")
    return alert_queryset().filter(pk__in=allowed).select_related("agreement")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    state = state if state in STATES else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    alerts = filter_alerts(_alerts(request.user), kind=kind or None, acknowledged=STATES[state])
    alert = request.GET.get("alert", "")
    if alert.isdigit():  # the link a notification carries: that one alert, in any state
        alerts = _alerts(request.user).filter(pk=int(alert))
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    allowed = _acknowledgeable(request.user, list(page))
    tickets = _ticket_ids(request.user, [a.ticket for a in page if a.ticket])
    context = {
        "page": page,
        "rows": [
            {"alert": a, "can_ack": a.pk in allowed, "ticket_pk": tickets.get(a.ticket)}
            for a in page
        ],
        "state": state,
        "kind": kind,
        "kinds": Kind.choices,
        "states": list(STATES),
        "query": _query(state, kind),
    }
    return render(request, "web/alerts/inbox.html", context)


def _acknowledgeable(user: Any, alerts: list[AlertEvent]) -> set[int]:
    """Asked once per agreement on the page, not once per alert: whether an alert may be
    acknowledged depends on its agreement only (see can_acknowledge_alert)."""
    by_agreement: dict[int | None, bool] = {}
    allowed = set()
    for alert in alerts:
        if alert.agreement_id not in by_agreement:
            by_agreement[alert.agreement_id] = can_acknowledge_alert(user, alert)
        if by_agreement[alert.agreement_id]:
            allowed.add(alert.pk)
    return allowed


def _ticket_ids(user: Any, names: list[str]) -> dict[str, int]:
    """Alerts name tickets as Accord prints them ("INC1", "source:INC1"); one query finds
    those the user may open, for links to their clocks."""
    if not names:
        return {}
    wanted = Q()
    for name in set(names):
        wanted |= Q(source=DEFAULT_SOURCE, external_id=name)
        source, _, external_id = name.partition(":")
        if external_id:
            wanted |= Q(source=source, external_id=external_id)
    return {str(t): t.pk for t in visible_tickets(user).filter(wanted)}


def _query(state: str, kind: str) -> str:
    return f"state={state}" + (f"&kind={kind}" if kind else "")


@login_required
@require_POST
def acknowledge(request: HttpRequest, alert: int) -> HttpResponse:
    found = get_object_or_404(_alerts(request.user), pk=alert)
    require(can_acknowledge_alert(request.user, found), "acknowledging alerts of this agreement")
    note = request.POST.get("note", "")[:2000]
    acknowledge_alert(found, user=request.user, note=note)  # type: ignore[arg-type]
    if request.headers.get("HX-Request") == "true":
        fresh = _alerts(request.user).get(pk=found.pk)
        tickets = _ticket_ids(request.user, [fresh.ticket] if fresh.ticket else [])
        row = {"alert": fresh, "can_ack": True, "ticket_pk": tickets.get(fresh.ticket)}
        return render(request, "web/alerts/_row.html", {"row": row, "next": _next(request)})
    messages.success(request, f"Alert {found.pk} acknowledged.")
    return redirect(_next(request))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/alerts/"
