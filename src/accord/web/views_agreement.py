"""The agreement page, its error-budget burn-down (loaded by HTMX after the page, since the
engine computes it) and the breaches of one target.

Who sees an agreement: `accord.accounts.access.can_view_agreement`. Anyone else gets a
404, so the page does not reveal that the agreement exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts.access import can_change_agreement, can_view_agreement
from accord.agreements.models import Agreement
from accord.agreements.services import version_at
from accord.evaluation.models import ClockResult, ClockStatus
from accord.web import agreement_page as page
from accord.web.burndown import burndowns, svg
from accord.web.dashboard import STATUS_LABELS, attach_reasons, latest_results, sort_targets
from accord.web.diff import version_terms

BREACHES_SHOWN = 200


def visible_agreement(user: Any, name: str) -> Agreement:
    agreement = Agreement.objects.select_related("provider", "parent").filter(name=name).first()
    if agreement is None or not can_view_agreement(user, agreement):
        raise Http404(f"no agreement named {name!r} that you can see")
    return agreement


@login_required
def agreement_page(request: HttpRequest, name: str) -> HttpResponse:
    agreement = visible_agreement(request.user, name)
    now = timezone.now()
    version = version_at(agreement, now) or agreement.versions.order_by("number").first()
    targets = page.target_views(agreement, now=now)
    below, above = page.related(agreement, request.user)
    series = page.attainment_series(agreement)
    context = {
        "agreement": agreement,
        "version": version,
        "hours": page.describe_hours(version.service_hours) if version else "",
        "terms": version_terms(version) if version else {},
        "targets": targets,
        "history": page.version_history(agreement, now=now),
        "underpinned_by": below,
        "underpins": above,
        "series": series,
        "chart_data": [
            {"key": s.key, "label": s.label, "objective": s.objective, "points": s.points}
            for s in series
        ],
        "credits": page.credits_by_period(agreement),
        "changes": page.temporary_changes(agreement),
        "bands": page.bands_of(targets),
        "consumers": list(agreement.consumers.all()),
        "subjects": list(agreement.subjects.order_by("name")),
        "can_change": can_change_agreement(request.user, agreement),
    }
    return render(request, "web/agreement.html", context)


@login_required
def burndown(request: HttpRequest, name: str) -> HttpResponse:
    """A fragment (also a page without HTMX): the current period's budget burn-down."""
    agreement = visible_agreement(request.user, name)
    latest, items = burndowns(agreement)
    charts = [(item.label, svg(item), item.points) for item in items]
    template = "web/agreement_burndown.html"
    standalone = not request.headers.get("HX-Request")
    context = {
        "agreement": agreement,
        "latest": latest,
        "charts": charts,
        "standalone": standalone,
        # Loaded into the agreement page by HTMX: the fragment alone, without the shell.
        "base_template": "web/base.html" if standalone else "web/fragment.html",
    }
    return render(request, template, context)


@login_required
def target_rows(request: HttpRequest, name: str) -> HttpResponse:
    """The current period's target rows of one agreement, as on the dashboard: all, or
    (`?show=others`) those not needing attention, which the dashboard loads on request."""
    agreement = visible_agreement(request.user, name)
    show = request.GET.get("show", "all")
    rows = sort_targets([row for _, row in latest_results([agreement.pk])])
    if show == "others":
        rows = [row for row in rows if not row.attention]
    attach_reasons([(agreement.pk, row) for row in rows])
    standalone = not request.headers.get("HX-Request")
    context = {
        "agreement": agreement,
        "rows": rows,
        "show": show,
        "standalone": standalone,
        "base_template": "web/base.html" if standalone else "web/fragment.html",
    }
    return render(request, "web/agreement_target_rows.html", context)


@login_required
def target_breaches(request: HttpRequest, name: str, target: str) -> HttpResponse:
    """Ticket clocks of one target that breached (newest first), each linking to its
    clock page; and the target's periods that ended breached or are breached now."""
    agreement = visible_agreement(request.user, name)
    clocks = list(
        ClockResult.objects.filter(
            agreement=agreement, target_name=target, status=ClockStatus.BREACHED
        )
        .select_related("ticket")
        .order_by("-counted_at", "pk")[:BREACHES_SHOWN]
    )
    periods = list(
        agreement.period_results.filter(target_name=target, status="breached")
        .select_related("subject")
        .order_by("-period_start")
    )
    reasons = list(
        agreement.breach_reasons.filter(target_name=target).select_related("author", "ticket")
    )
    context = {
        "agreement": agreement,
        "target": target,
        "clocks": clocks,
        "shown": BREACHES_SHOWN,
        "periods": periods,
        "reasons": reasons,
        "status_labels": STATUS_LABELS,
    }
    return render(request, "web/agreement_breaches.html", context)
