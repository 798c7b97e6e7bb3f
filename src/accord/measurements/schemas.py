"""The JSON the measurements API takes and gives (docs/api.md).

Everything that can be checked without the database is checked here, so a malformed
batch is refused whole with 422 and the path of each problem (`body.tickets.3.opened_at`).
What needs the database (an unknown service, an event of an unknown ticket) is decided
per item by `services.py` and reported as a rejection, the rest of the batch being kept.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from accord.measurements.records import PRIORITY_MAX_LENGTH, STATE_MAX_LENGTH, normalise_state

MAX_ITEMS = 10_000  # per list in one request; ACCORD_MAX_REQUEST_BYTES bounds the bytes
ID_MAX_LENGTH = 200
NAME_MAX_LENGTH = 100  # catalogue names, import sources
REFERENCE_MAX_LENGTH = 200


def _text(value: Any) -> Any:
    """`"priority": 1` is priority "1", as in JSON Lines imports (bools are not numbers)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return value


def _state(value: Any) -> Any:
    return normalise_state(value) if isinstance(value, str) else value


Id = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ID_MAX_LENGTH)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX_LENGTH)]
Priority = Annotated[
    str,
    BeforeValidator(_text),
    StringConstraints(strip_whitespace=True, max_length=PRIORITY_MAX_LENGTH),
]
State = Annotated[
    str, BeforeValidator(_state), StringConstraints(min_length=1, max_length=STATE_MAX_LENGTH)
]
Count = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Strict(Schema):
    # A misspelt field (`opend_at`) is an error, not silently dropped data.
    model_config = ConfigDict(extra="forbid")


class TicketEventIn(Strict):
    """One step of a ticket's history, inside a ticket."""

    at: AwareDatetime
    state: State
    priority: Priority = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class EventIn(TicketEventIn):
    """One step of a ticket's history, on its own: `ticket` is the ticket's id."""

    ticket: Id


class TicketIn(Strict):
    id: Id
    opened_at: AwareDatetime
    responded_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    state: State | None = Field(None, description="default: implied by the timestamps")
    priority: Priority = ""
    service: OptionalName = Field("", description="a service or component")
    customer: OptionalName = Field("", description="a party")
    attributes: dict[str, Any] = Field(default_factory=dict)
    events: list[TicketEventIn] = Field(default_factory=list, max_length=MAX_ITEMS)

    @field_validator("responded_at", "resolved_at", "closed_at")
    @classmethod
    def _not_before_opening(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        opened = info.data.get("opened_at")
        if value is not None and opened is not None and value < opened:
            raise ValueError(f"before opened_at ({opened.isoformat()})")
        return value

    def implied_state(self) -> str:
        """A ticket without a state is as far along as its timestamps say (as imports)."""
        if self.state:
            return self.state
        if self.closed_at:
            return "closed"
        if self.resolved_at:
            return "resolved"
        return "in-progress" if self.responded_at else "new"


class OutageIn(Strict):
    id: Id | None = Field(None, description="default: <target>@<start in UTC>")
    target: Name = Field(description="the service or component that was down")
    start: AwareDatetime
    end: AwareDatetime | None = Field(None, description="null while ongoing")
    planned: bool = False
    impact: float = Field(1.0, gt=0, le=1, description="share of the target down")
    reference: str = Field("", max_length=REFERENCE_MAX_LENGTH)

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _after_start(value, info)


class PointIn(Strict):
    """One bucket [start, end) of a series: `good` and `total`, or `value`."""

    series: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    start: AwareDatetime
    end: AwareDatetime
    good: Count | None = None
    total: Count | None = None
    value: float | None = None

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        return _after_start(value, info)  # type: ignore[return-value]

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value

    @model_validator(mode="after")
    def _counts_or_value(self) -> PointIn:
        counts = (self.good, self.total)
        if self.value is not None and counts != (None, None):
            raise ValueError("give either good and total, or value, not both")
        if self.value is None and None in counts:
            raise ValueError("give good and total, or value")
        if self.good is not None and self.total is not None and self.good > self.total:
            raise ValueError(f"good ({self.good:g}) is more than total ({self.total:g})")
        return self


def _after_start(value: datetime | None, info: ValidationInfo) -> datetime | None:
    start = info.data.get("start")
    if value is not None and start is not None and value <= start:
        raise ValueError(f"not after start ({start.isoformat()})")
    return value


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int


class RejectionOut(Schema):
    path: str = Field(description="the refused item's field, e.g. body.tickets.3.service")
    value: str
    reason: str


class BatchOut(CountsOut):
    rejections: list[RejectionOut]
    events: CountsOut | None = Field(None, description="tickets: their embedded events")
    dry_run: bool


class EventOut(Schema):
    seq: int
    at: datetime
    state: str
    priority: str
    attributes: dict[str, Any]


class TicketOut(Schema):
    source: str
    id: str
    service: str | None
    customer: str | None
    priority: str
    state: str
    opened_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    attributes: dict[str, Any]
    updated_at: datetime
    events: list[EventOut] | None = Field(None, description="with ?events=true")


class OutageOut(Schema):
    origin: str
    key: str
    target: str
    start: datetime
    end: datetime | None
    planned: bool
    impact: float
    reference: str


class Page(Schema):
    count: int
    limit: int
    offset: int


class TicketPage(Page):
    items: list[TicketOut]


class OutagePage(Page):
    items: list[OutageOut]
