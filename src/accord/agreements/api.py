"""/api/v1: agreements (with versions, effective targets, underpinning) and calendars.

Reads show what the token's user may see; an agreement they may not see is `404`. The
descriptive fields change through `agreements.services.update_agreement`, for those
`can_change_agreement` allows (`403` otherwise). Terms change by a new version
(`accord apply`), status by the lifecycle endpoints.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router

from accord.accounts.access import (
    can_change_agreement,
    require,
    visible_agreements,
    visible_calendars,
)
from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target
from accord.agreements.schemas import (
    AgreementFilters,
    AgreementOut,
    AgreementPage,
    AgreementPatch,
    CalendarOut,
    CalendarPage,
    EffectiveTargetsOut,
    TargetsQuery,
    UnderpinningOut,
    VersionOut,
)
from accord.agreements.services import effective_targets, update_agreement, version_at
from accord.manifests.state import target_spec, version_terms
from accord.pagination import Paging, page_of

router = Router(tags=["agreements"])


@router.get("/agreements", response=AgreementPage, summary="Agreements: SLAs, OLAs, UCs")
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> dict[str, Any]:
    agreements = _agreements(request)
    exact = {
        "status": filters.status,
        "type": filters.type,
        "structure": filters.structure,
        "provider__name": filters.provider,
        "consumers__name": filters.consumer,
        "subjects__name": filters.service,
        "parent__name": filters.parent,
    }
    agreements = agreements.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.party:
        agreements = agreements.filter(
            Q(provider__name=filters.party) | Q(consumers__name=filters.party)
        )
    if filters.q:
        agreements = agreements.filter(Q(name__icontains=filters.q) | Q(title__icontains=filters.q))
    visible = _visible_names(request)
    ordered = agreements.distinct().order_by("name")
    return page_of(filters, ordered, lambda a: agreement_out(a, visible))


@router.get("/agreements/{name}", response=AgreementOut, summary="One agreement")
def get_agreement(request: HttpRequest, name: str) -> dict[str, Any]:
    return agreement_out(_agreement(request, name), _visible_names(request))


@router.patch("/agreements/{name}", response=AgreementOut, summary="Change its description")
def patch_agreement(request: HttpRequest, name: str, body: AgreementPatch) -> dict[str, Any]:
    agreement = _agreement(request, name)
    require(can_change_agreement(request.user, agreement), f"changing {agreement.name}")
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    update_agreement(agreement, changes=changes)
    return agreement_out(_agreement(request, name), _visible_names(request))


@router.get(
    "/agreements/{name}/versions", response=list[VersionOut], summary="Its versions, oldest first"
)
def list_versions(request: HttpRequest, name: str) -> list[dict[str, Any]]:
    agreement = _agreement(request, name)
    targets = Prefetch("targets", queryset=Target.objects.select_related("service_hours", "source"))
    versions = agreement.versions.select_related("service_hours").prefetch_related(targets)
    return [version_out(v) for v in versions.order_by("number")]


@router.get("/agreements/{name}/versions/{int:number}", response=VersionOut, summary="One version")
def get_version(request: HttpRequest, name: str, number: int) -> dict[str, Any]:
    agreement = _agreement(request, name)
    return version_out(get_object_or_404(agreement.versions, number=number))


@router.get(
    "/agreements/{name}/targets",
    response=EffectiveTargetsOut,
    summary="Effective targets at an instant (inherited ones marked)",
)
def get_effective_targets(
    request: HttpRequest, name: str, query: Query[TargetsQuery]
) -> dict[str, Any]:
    agreement = _agreement(request, name)
    at = query.at or timezone.now()
    items = []
    for effective in effective_targets(agreement, at):
        target = effective.target
        version = version_at(effective.defined_in, at)
        items.append(
            {
                "name": target.name,
                "metric": target.metric,
                "objective": float(target.objective),
                "defined_in": effective.defined_in.name,
                "version": version.number if version else 0,
                "inherited": effective.inherited,
                "overrides": effective.overrides.name if effective.overrides else None,
                "target": target_spec(target),
            }
        )
    return {"agreement": agreement.name, "at": at, "targets": items}


@router.get(
    "/agreements/{name}/underpinning",
    response=UnderpinningOut,
    summary="The agreements underpinning it, and those it underpins",
)
def get_underpinning(request: HttpRequest, name: str) -> dict[str, Any]:
    agreement = _agreement(request, name)
    visible = visible_agreements(request.user).select_related("provider")
    return {
        "agreement": agreement.name,
        "underpinned_by": [_brief(a) for a in visible.filter(underpins=agreement).order_by("name")],
        "underpins": [_brief(a) for a in visible.filter(underpinned_by=agreement).order_by("name")],
    }


@router.get("/calendars", response=CalendarPage, summary="Service hours calendars")
def list_calendars(request: HttpRequest, filters: Query[Paging]) -> dict[str, Any]:
    calendars = (
        visible_calendars(request.user).prefetch_related("exceptions", "versions").order_by("name")
    )
    return page_of(filters, calendars, calendar_out)


@router.get("/calendars/{name}", response=CalendarOut, summary="One calendar")
def get_calendar(request: HttpRequest, name: str) -> dict[str, Any]:
    calendars = visible_calendars(request.user).prefetch_related("exceptions", "versions")
    return calendar_out(get_object_or_404(calendars, name=name))


def _agreements(request: HttpRequest) -> QuerySet[Agreement]:
    return (
        visible_agreements(request.user)
        .select_related("provider", "parent")
        .prefetch_related("consumers", "subjects", "underpinned_by", "underpins", "versions")
    )


def _agreement(request: HttpRequest, name: str) -> Agreement:
    return get_object_or_404(_agreements(request), name=name)


def _visible_names(request: HttpRequest) -> set[str]:
    """Names of the agreements the user sees: links to others are left out, so that an
    answer never reveals an agreement the user may not see."""
    return set(visible_agreements(request.user).values_list("name", flat=True))


def agreement_out(agreement: Agreement, visible: set[str]) -> dict[str, Any]:
    versions = [v.number for v in agreement.versions.all()]
    parent = agreement.parent.name if agreement.parent else None
    return {
        **_brief(agreement),
        "structure": agreement.structure,
        "description": agreement.description,
        "consumers": sorted(p.name for p in agreement.consumers.all()),
        "services": sorted(s.name for s in agreement.subjects.all()),
        "parent": parent if parent in visible else None,
        "underpinned_by": sorted(
            a.name for a in agreement.underpinned_by.all() if a.name in visible
        ),
        "underpins": sorted(a.name for a in agreement.underpins.all() if a.name in visible),
        "effective_from": agreement.effective_from,
        "effective_until": agreement.effective_until,
        "review_every": agreement.review_every,
        "review_next": agreement.review_next,
        "version": max(versions, default=None),
    }


def _brief(agreement: Agreement) -> dict[str, Any]:
    return {
        "name": agreement.name,
        "title": agreement.title,
        "type": agreement.type,
        "status": agreement.status,
        "provider": agreement.provider.name,
    }


def version_out(version: AgreementVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "effective_from": version.effective_from,
        "note": version.note,
        "created_at": version.created_at,
        "terms": version_terms(version),
        "targets": [target_spec(t) for t in version.targets.all()],
    }


def calendar_out(calendar: Calendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "title": calendar.title,
        **calendar.terms(),
        "builtin": calendar.builtin,
        "earlier": [{"until": v.until, **v.terms()} for v in calendar.versions.all()],
    }
