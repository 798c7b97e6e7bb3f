"""The JSON of the catalogue API (parties, services, components, dependencies)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from accord.catalogue.models import Party, Subject
from accord.pagination import Paging

Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
    ),
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


def _zone(value: str) -> str:
    if value and value not in available_timezones():
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")
    return value


Zone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_zone)
]
DependsOn = list[Annotated[list[Slug], Field(min_length=1)]]


class Strict(Schema):
    # A misspelt field is an error, not a silently ignored change.
    model_config = ConfigDict(extra="forbid")


class ContactOut(Schema):
    name: str
    email: str
    role: str


class PartyOut(Schema):
    name: str
    title: str
    role: Party.Role
    timezone: str
    contacts: list[ContactOut]


class PartyIn(Strict):
    name: Slug
    role: Party.Role
    title: Title = ""
    timezone: Zone = ""


class PartyPatch(Strict):
    role: Party.Role | None = None
    title: Title | None = None
    timezone: Zone | None = None


class PartyFilters(Paging):
    role: Party.Role | None = None
    q: str | None = Field(None, max_length=100, description="name or title contains")


class SubjectOut(Schema):
    name: str
    kind: Subject.Kind
    title: str
    description: str
    party: str | None = Field(description="the owning or providing party")
    status: Subject.Status
    criticality: Subject.Criticality
    depends_on: list[list[str]] = Field(
        description="groups of names: one name = required, several = anyOf"
    )


class SubjectIn(Strict):
    name: Slug
    title: Title = ""
    description: str = Field("", max_length=10_000)
    party: Slug | None = None
    status: Subject.Status = Subject.Status.LIVE
    criticality: Subject.Criticality = Subject.Criticality.MEDIUM
    depends_on: DependsOn = Field(default_factory=list)


class SubjectPatch(Strict):
    title: Title | None = None
    description: str | None = Field(None, max_length=10_000)
    party: Slug | None = None
    status: Subject.Status | None = None
    criticality: Subject.Criticality | None = None
    depends_on: DependsOn | None = None


class SubjectFilters(Paging):
    status: Subject.Status | None = None
    criticality: Subject.Criticality | None = None
    party: str | None = Field(None, max_length=100, description="owning or providing party")
    q: str | None = Field(None, max_length=100, description="name or title contains")


class DependencyOut(Schema):
    subject: str
    group: int
    member: str


class DependencyFilters(Paging):
    subject: str | None = Field(None, max_length=100)
    member: str | None = Field(None, max_length=100)


class PartyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PartyOut]


class SubjectPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SubjectOut]


class DependencyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DependencyOut]
