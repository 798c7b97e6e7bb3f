"""/api/v1: parties, services, components and their dependencies.

Reads show what the token's user may see (`accounts.access`); an object they may not see
is `404`, as if it did not exist. Changes need a manager or admin (`403` otherwise) and
go through `catalogue.services`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from accord.accounts.access import (
    can_manage,
    require,
    sees_everything,
    visible_dependencies,
    visible_parties,
    visible_subjects,
)
from accord.catalogue import services
from accord.catalogue.models import Contact, Dependency, Party, Subject
from accord.catalogue.schemas import (
    DependencyFilters,
    DependencyPage,
    PartyFilters,
    PartyIn,
    PartyOut,
    PartyPage,
    PartyPatch,
    SubjectFilters,
    SubjectIn,
    SubjectOut,
    SubjectPage,
    SubjectPatch,
)
from accord.pagination import page_of

router = Router(tags=["catalogue"])


# --- Parties ---


@router.get("/parties", response=PartyPage, summary="Parties: customers, providers, suppliers")
def list_parties(request: HttpRequest, filters: Query[PartyFilters]) -> dict[str, Any]:
    parties = _parties(request)
    if filters.role:
        parties = parties.filter(role=filters.role)
    if filters.q:
        parties = parties.filter(Q(name__icontains=filters.q) | Q(title__icontains=filters.q))
    return page_of(filters, parties.order_by("name"), party_out)


@router.get("/parties/{name}", response=PartyOut, summary="One party")
def get_party(request: HttpRequest, name: str) -> dict[str, Any]:
    return party_out(get_object_or_404(_parties(request), name=name))


@router.post("/parties", response={201: PartyOut}, summary="Create a party")
def create_party(request: HttpRequest, body: PartyIn) -> Status[dict[str, Any]]:
    require(can_manage(request.user), "changing the catalogue")
    return Status(201, party_out(services.create_party(**body.model_dump())))


@router.patch("/parties/{name}", response=PartyOut, summary="Change a party")
def update_party(request: HttpRequest, name: str, body: PartyPatch) -> dict[str, Any]:
    party = get_object_or_404(_parties(request), name=name)
    require(can_manage(request.user), "changing the catalogue")
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return party_out(services.update_party(party, changes=changes))


@router.delete("/parties/{name}", response={204: None}, summary="Delete a party")
def delete_party(request: HttpRequest, name: str) -> Status[None]:
    party = get_object_or_404(_parties(request), name=name)
    require(can_manage(request.user), "changing the catalogue")
    services.delete_party(party)
    return Status(204, None)


def _parties(request: HttpRequest) -> QuerySet[Party]:
    contacts = Prefetch("contacts", queryset=Contact.objects.order_by("position"))
    return visible_parties(request.user).prefetch_related(contacts)


def party_out(party: Party) -> dict[str, Any]:
    return {
        "name": party.name,
        "title": party.title,
        "role": party.role,
        "timezone": party.timezone,
        "contacts": [
            {"name": c.name, "email": c.email, "role": c.role} for c in party.contacts.all()
        ],
    }


# --- Services and components: the same operations on the two kinds of subject ---


def _subject_routes(kind: str, plural: str) -> None:
    label = "services" if kind == Subject.Kind.SERVICE else "components"

    @router.get(f"/{plural}", response=SubjectPage, summary=f"{label.capitalize()}")
    def list_subjects(request: HttpRequest, filters: Query[SubjectFilters]) -> dict[str, Any]:
        subjects = _subjects(request, kind)
        exact = {"status": filters.status, "criticality": filters.criticality}
        subjects = subjects.filter(**{k: v for k, v in exact.items() if v is not None})
        if filters.party:
            subjects = subjects.filter(party__name=filters.party)
        if filters.q:
            subjects = subjects.filter(Q(name__icontains=filters.q) | Q(title__icontains=filters.q))
        return _subject_page(request, filters, subjects.order_by("name"))

    @router.get(f"/{plural}/{{name}}", response=SubjectOut, summary=f"One of the {label}")
    def get_subject(request: HttpRequest, name: str) -> dict[str, Any]:
        subject = get_object_or_404(_subjects(request, kind), name=name)
        return _subjects_out(request, [subject])[0]

    @router.post(f"/{plural}", response={201: SubjectOut}, summary=f"Create one of the {label}")
    def create_subject(request: HttpRequest, body: SubjectIn) -> Status[dict[str, Any]]:
        require(can_manage(request.user), "changing the catalogue")
        fields = body.model_dump(exclude={"name", "depends_on"})
        fields["party"] = _party(fields["party"])
        subject = services.create_subject(
            kind=kind, name=body.name, changes=fields, depends_on=body.depends_on
        )
        return Status(201, _subjects_out(request, [subject])[0])

    @router.patch(f"/{plural}/{{name}}", response=SubjectOut, summary=f"Change one of the {label}")
    def update_subject(request: HttpRequest, name: str, body: SubjectPatch) -> dict[str, Any]:
        subject = get_object_or_404(_subjects(request, kind), name=name)
        require(can_manage(request.user), "changing the catalogue")
        given = body.model_dump(exclude_unset=True)
        depends_on = given.pop("depends_on", None)
        changes = {k: v for k, v in given.items() if v is not None or k == "party"}
        if "party" in changes:
            changes["party"] = _party(changes["party"])
        services.update_subject(subject, changes=changes, depends_on=depends_on)
        return _subjects_out(request, [subject])[0]

    @router.delete(
        f"/{plural}/{{name}}", response={204: None}, summary=f"Delete one of the {label}"
    )
    def delete_subject(request: HttpRequest, name: str) -> Status[None]:
        subject = get_object_or_404(_subjects(request, kind), name=name)
        require(can_manage(request.user), "changing the catalogue")
        services.delete_subject(subject)
        return Status(204, None)

    # Distinct operation ids in the OpenAPI schema for the two kinds.
    for view in (list_subjects, get_subject, create_subject, update_subject, delete_subject):
        view.__name__ = view.__name__.replace("subject", kind)


def _party(name: str | None) -> Party | None:
    if name is None:
        return None
    party = Party.objects.filter(name=name).first()
    if party is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"party": f"no party named {name!r}"})
    return party


def _subjects(request: HttpRequest, kind: str) -> QuerySet[Subject]:
    return visible_subjects(request.user).filter(kind=kind).select_related("party")


def _subject_page(
    request: HttpRequest, filters: Any, subjects: QuerySet[Subject]
) -> dict[str, Any]:
    result = page_of(filters, subjects, lambda subject: subject)
    result["items"] = _subjects_out(request, result["items"])
    return result


def _subjects_out(request: HttpRequest, subjects: list[Subject]) -> list[dict[str, Any]]:
    """With each one's dependencies in one query; a scoped user sees only the members
    they may see."""
    rows = _dependencies(request).filter(subject__in=subjects).select_related("member")
    groups: dict[int, dict[int, list[str]]] = {}
    for dep in rows.order_by("subject", "group", "member__name"):
        groups.setdefault(dep.subject_id, {}).setdefault(dep.group, []).append(dep.member.name)
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "title": s.title,
            "description": s.description,
            "party": s.party.name if s.party else None,
            "status": s.status,
            "criticality": s.criticality,
            "depends_on": list(groups.get(s.pk, {}).values()),
        }
        for s in subjects
    ]


def _dependencies(request: HttpRequest) -> QuerySet[Dependency]:
    if sees_everything(request.user):
        return Dependency.objects.all()
    return visible_dependencies(request.user)


_subject_routes(Subject.Kind.SERVICE, "services")
_subject_routes(Subject.Kind.COMPONENT, "components")


# --- Dependencies ---


@router.get("/dependencies", response=DependencyPage, summary="Dependencies between subjects")
def list_dependencies(request: HttpRequest, filters: Query[DependencyFilters]) -> dict[str, Any]:
    rows = _dependencies(request).select_related("subject", "member")
    if filters.subject:
        rows = rows.filter(subject__name=filters.subject)
    if filters.member:
        rows = rows.filter(member__name=filters.member)
    rows = rows.order_by("subject__name", "group", "member__name")
    return page_of(
        filters,
        rows,
        lambda d: {"subject": d.subject.name, "group": d.group, "member": d.member.name},
    )
