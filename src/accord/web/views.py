"""The portfolio dashboard and the agreement page (thin: data comes from dashboard.py and
agreement_page.py; access from accord.accounts.access)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts.access import role_of, visible_agreements
from accord.evaluation.services import IN_FORCE
from accord.web.dashboard import build_dashboard


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The portfolio dashboard: what needs attention first."""
    dashboard = build_dashboard(request.user, today=timezone.localdate())
    others = (
        visible_agreements(request.user)
        .exclude(status__in=IN_FORCE)
        .select_related("provider")
        .order_by("status", "name")
    )
    context = {
        "dashboard": dashboard,
        "others": list(others),
        "has_role": role_of(request.user) is not None,
    }
    return render(request, "web/dashboard.html", context)
