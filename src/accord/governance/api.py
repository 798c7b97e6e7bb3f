"""The governance part of /api/v1: consistency checks, change impact, credits and costs.

Thin: every answer comes from `checks`, `impact` and `credits`, filtered by the access
rules of `accounts.access`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from accord.accounts.access import require, sees_everything, visible_agreements
from accord.governance.change_file import ChangeInvalid, parse_change
from accord.governance.checks import may_see_checks, run_checks, visible_findings
from accord.governance.credits import PeriodInvalid, costs_csv, credits_csv, credits_report
from accord.governance.impact import ImpactReport, assess_change

router = Router(tags=["governance"])


class FindingOut(Schema):
    rule: str
    severity: str
    objects: list[dict[str, str]]
    message: str


class ChangeIn(Schema):
    components: list[str] = []
    services: list[str] = []
    start: datetime
    end: datetime
    outage: str | float = "full"
    planned: bool = True
    name: str = ""


@router.get("/checks", response=list[FindingOut], summary="Consistency and completeness findings")
def checks(request: HttpRequest, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Findings of every rule (SEMANTICS §9). Owners get those about what they can see;
    customers and suppliers none (403)."""
    require(may_see_checks(request.user), "viewing governance checks")
    findings = run_checks(at=as_of or timezone.now())
    return [f.as_dict() for f in visible_findings(request.user, findings)]


@router.post("/impact", summary="Assess a proposed change")
def impact(request: HttpRequest, change: ChangeIn) -> dict[str, Any]:
    """Services affected, agreements and targets, budget, projected attainment and status,
    credits at stake and a recommendation (proceed / at risk / will breach)."""
    require(may_see_checks(request.user), "assessing changes")
    try:
        parsed = parse_change(change.dict(), where="body")
    except ChangeInvalid as error:
        raise HttpError(422, str(error)) from None
    return scoped_report(request.user, assess_change(parsed)).as_dict()


def scoped_report(user: Any, report: ImpactReport) -> ImpactReport:
    """Only the agreements the user sees; the recommendation follows what remains."""
    if sees_everything(user):
        return report
    names = set(visible_agreements(user).values_list("name", flat=True))
    report.targets = [t for t in report.targets if t.agreement in names]
    report.unquantified = [u for u in report.unquantified if u["agreement"] in names]
    report.reasons = [r for r in report.reasons if r.split(" ", 1)[0] in names]
    order = ["proceed", "at risk", "will breach"]
    report.recommendation = max(
        (t.recommendation for t in report.targets), key=order.index, default="proceed"
    )
    return report


@router.get("/credits", summary="Credits owed and receivable, service costs, in a period")
def credits(request: HttpRequest, period: str) -> dict[str, Any]:
    """Credits of the agreements the user sees; costs only for those who see everything."""
    try:
        return credits_report(period, user=request.user).as_dict()
    except PeriodInvalid as error:
        raise HttpError(422, str(error)) from None


@router.get("/credits.csv", summary="Credits (or costs) in a period as CSV")
def credits_export(request: HttpRequest, period: str, what: str = "credits") -> HttpResponse:
    try:
        report = credits_report(period, user=request.user)
    except PeriodInvalid as error:
        raise HttpError(422, str(error)) from None
    if what == "costs":
        require(report.costs is not None, "viewing service costs")
        text = costs_csv(report)
    else:
        text = credits_csv(report)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}-{period}.csv"'
    return response
