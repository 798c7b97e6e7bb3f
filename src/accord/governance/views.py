"""Governance pages: checks, change impact (a form), credits and costs with CSV exports.

Thin: the computations are in `checks`, `impact` and `credits`; access through
`accounts.access`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts.access import require, visible_subjects
from accord.evaluation.fields import from_epoch
from accord.governance.api import scoped_report
from accord.governance.change_file import ChangeInvalid, parse_change
from accord.governance.checks import RULES, may_see_checks, run_checks, visible_findings
from accord.governance.credits import PeriodInvalid, costs_csv, credits_csv, credits_report
from accord.governance.impact import assess_change


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "governance/index.html", {"may_check": may_see_checks(request.user)})


@login_required
def checks(request: HttpRequest) -> HttpResponse:
    require(may_see_checks(request.user), "viewing governance checks")
    findings = visible_findings(request.user, run_checks(at=timezone.now()))
    severity = request.GET.get("severity", "")
    shown = [f for f in findings if not severity or f.severity == severity]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    return render(
        request,
        "governance/checks.html",
        {
            "findings": shown,
            "counts": counts,
            "severity": severity,
            "titles": {r.id: r.title for r in RULES.values()},
        },
    )


@login_required
def impact(request: HttpRequest) -> HttpResponse:
    require(may_see_checks(request.user), "assessing changes")
    report, error = None, ""
    data = request.POST if request.method == "POST" else None
    if data is not None:
        try:
            change = parse_change(
                {
                    "components": data.getlist("subjects"),
                    "start": data.get("start", ""),
                    "end": data.get("end", ""),
                    "outage": data.get("outage") or "full",
                    "planned": data.get("planned") == "on",
                },
                where="form",
            )
            report = scoped_report(request.user, assess_change(change))
        except ChangeInvalid as problem:
            error = str(problem)
    return render(
        request,
        "governance/impact.html",
        {
            "report": report,
            "error": error,
            "data": data,
            "subjects": visible_subjects(request.user).order_by("kind", "name"),
            "chosen": data.getlist("subjects") if data is not None else [],
            "now": from_epoch(int(timezone.now().timestamp()) // 3600 * 3600),
        },
        status=422 if error else 200,
    )


@login_required
def credits(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period") or timezone.now().strftime("%Y-%m")
    try:
        report = credits_report(period, user=request.user)
    except PeriodInvalid as problem:
        return render(request, "governance/credits.html", {"error": str(problem)}, status=422)
    return render(request, "governance/credits.html", {"report": report, "period": period})


@login_required
def credits_export(request: HttpRequest, what: str) -> HttpResponse:
    period = request.GET.get("period") or timezone.now().strftime("%Y-%m")
    try:
        report = credits_report(period, user=request.user)
    except PeriodInvalid as problem:
        return HttpResponse(str(problem), status=422, content_type="text/plain")
    if what == "costs":
        require(report.costs is not None, "viewing service costs")
    text = costs_csv(report) if what == "costs" else credits_csv(report)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}-{period}.csv"'
    return response
