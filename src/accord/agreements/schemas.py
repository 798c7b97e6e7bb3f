"""The JSON of the agreements API: agreements, versions, effective targets, calendars.

Terms and targets are given in the manifest form (`accord/v1`, docs/manifests.md), so
what the API shows reads exactly like what `accord export` writes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints

from accord.agreements.models import Agreement
from accord.pagination import Paging

Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# An ISO 8601 period such as P3M, P1Y or P2W (what manifests' review.every takes).
ReviewEvery = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^(P(\d+[YMWD])+)?$")
]


class AgreementBrief(Schema):
    name: str
    title: str
    type: Agreement.Type
    status: Agreement.Status
    provider: str


class AgreementOut(AgreementBrief):
    structure: Agreement.Structure
    description: str
    consumers: list[str]
    services: list[str]
    parent: str | None = Field(description="null when the parent is not visible to you")
    underpinned_by: list[str] = Field(description="those visible to you")
    underpins: list[str] = Field(description="those visible to you")
    effective_from: date | None
    effective_until: date | None
    review_every: str
    review_next: date | None
    version: int | None = Field(description="the latest version's number")


class AgreementPatch(Schema):
    """The descriptive fields; terms change by a new version, status by a transition."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    description: str | None = Field(None, max_length=10_000)
    review_every: ReviewEvery | None = None
    review_next: date | None = None


class AgreementFilters(Paging):
    status: Agreement.Status | None = None
    type: Agreement.Type | None = None
    structure: Agreement.Structure | None = None
    party: str | None = Field(None, max_length=100, description="provider or a consumer")
    provider: str | None = Field(None, max_length=100)
    consumer: str | None = Field(None, max_length=100)
    service: str | None = Field(None, max_length=100, description="a service or component covered")
    parent: str | None = Field(None, max_length=100)
    q: str | None = Field(None, max_length=100, description="name or title contains")


class VersionOut(Schema):
    number: int
    effective_from: datetime | None = Field(description="null: since the agreement began")
    note: str
    created_at: datetime
    terms: dict[str, Any] = Field(description="serviceHours, timezone, period, charges, creditCap")
    targets: list[dict[str, Any]] = Field(description="in manifest form")


class EffectiveTargetOut(Schema):
    name: str
    metric: str
    objective: float
    defined_in: str = Field(description="the agreement (possibly an ancestor) defining it")
    version: int = Field(description="that agreement's version in force")
    inherited: bool
    overrides: str | None = Field(description="the ancestor whose same-named target it replaces")
    target: dict[str, Any] = Field(description="the definition, in manifest form")


class EffectiveTargetsOut(Schema):
    agreement: str
    at: datetime
    targets: list[EffectiveTargetOut]


class TargetsQuery(Schema):
    at: AwareDatetime | None = Field(None, description="default: now")


class UnderpinningOut(Schema):
    agreement: str
    underpinned_by: list[AgreementBrief]
    underpins: list[AgreementBrief]


class CalendarExceptionOut(Schema):
    date: date
    kind: str
    intervals: list[list[int]]
    reason: str


class CalendarVersionOut(Schema):
    until: datetime = Field(description="these hours were in force until this instant")
    timezone: str
    weekly: list[list[list[int]]]
    holiday_country: str
    holiday_subdivision: str
    holiday_dates: list[str]
    exceptions: list[CalendarExceptionOut]


class CalendarOut(Schema):
    name: str
    title: str
    timezone: str
    weekly: list[list[list[int]]] = Field(
        description="Monday first: [start, end] minutes after local midnight"
    )
    holiday_country: str
    holiday_subdivision: str
    holiday_dates: list[str]
    builtin: bool
    exceptions: list[CalendarExceptionOut]
    earlier: list[CalendarVersionOut] = Field(
        description="the hours the calendar had before its changes, oldest first"
    )


class AgreementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgreementOut]


class CalendarPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CalendarOut]
