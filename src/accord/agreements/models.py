"""Agreements (SLA, OLA, UC), their effective-dated versions and targets, calendars,
maintenance windows and temporary changes.

The terms that decide whether a target is met — the targets themselves and the
agreement fields they depend on (service hours, time zone, period, charges, credit
cap) — live on `AgreementVersion`, so every measurement is judged by the version in
force when it started (SEMANTICS §10). Everything else (title, status, parties,
services covered, review dates) is the agreement's current description.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from accord.catalogue.models import Contact, DataSource, NamedModel, Party, Subject

BUILTIN_24X7 = "24x7"


class Calendar(NamedModel):
    """Service hours: a time zone, weekly opening intervals, holidays and dated exceptions."""

    timezone = models.CharField(max_length=64)
    # Seven lists (Monday first) of [start, end] minutes after local midnight; 1440 = 24:00.
    weekly = models.JSONField(default=list)
    holiday_country = models.CharField(max_length=8, blank=True)
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    holiday_dates = models.JSONField(default=list, blank=True)  # ISO dates closed all day
    builtin = models.BooleanField(default=False, editable=False)

    def terms(self) -> dict[str, Any]:
        """The service hours, in the form a CalendarVersion keeps them."""
        return {
            "timezone": self.timezone,
            "weekly": self.weekly,
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "holiday_dates": self.holiday_dates,
            "exceptions": sorted_exceptions(
                {"date": e.date.isoformat(), "kind": e.kind, "intervals": e.intervals,
                 "reason": e.reason}
                for e in self.exceptions.all()
            ),
        }  # fmt: skip


def sorted_exceptions(exceptions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dated exceptions in one order (date, kind, hours), however they were listed."""
    return sorted(exceptions, key=lambda e: (e["date"], e["kind"], e["intervals"], e["reason"]))


TERMS = (
    "timezone",
    "weekly",
    "holiday_country",
    "holiday_subdivision",
    "holiday_dates",
    "exceptions",
)


class CalendarVersion(models.Model):
    """Service hours a calendar had before a change, in force until `until` (SEMANTICS
    §10: calendars are effective-dated). The calendar row itself holds the hours in force
    from its latest version's `until` on; a calendar never changed has no versions."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="versions")
    until = models.DateTimeField()
    timezone = models.CharField(max_length=64)
    weekly = models.JSONField(default=list)
    holiday_country = models.CharField(max_length=8, blank=True)
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    holiday_dates = models.JSONField(default=list, blank=True)
    # [{"date": ISO, "kind": "open" | "closed", "intervals": [[start, end], …], "reason": …}]
    exceptions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["calendar", "until"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "until"], name="calendar_version_until")
        ]

    def __str__(self) -> str:
        return f"{self.calendar.name} until {self.until:%Y-%m-%d %H:%M}"

    def terms(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TERMS}


class CalendarException(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "extra opening"
        CLOSED = "closed", "closure"

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    intervals = models.JSONField()  # [[start, end], ...] minutes; [[0, 1440]] = the whole day
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date", "kind"]

    def __str__(self) -> str:
        return f"{self.calendar.name} {self.date} {self.kind}"


class Agreement(NamedModel):
    class Type(models.TextChoices):
        SLA = "SLA", "service level agreement"
        OLA = "OLA", "operational level agreement"
        UC = "UC", "underpinning contract"

    class Structure(models.TextChoices):
        SERVICE = "service", "service-based"
        CUSTOMER = "customer", "customer-based"
        CORPORATE = "corporate", "corporate level"

    class Status(models.TextChoices):
        REQUIREMENT = "requirement", "requirement (SLR)"
        DRAFT = "draft"
        PROPOSED = "proposed"
        AGREED = "agreed"
        ACTIVE = "active"
        UNDER_REVIEW = "under-review", "under review"
        EXPIRED = "expired"
        SUPERSEDED = "superseded"

    type = models.CharField(max_length=3, choices=Type.choices)
    structure = models.CharField(
        max_length=10, choices=Structure.choices, default=Structure.SERVICE
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="provides")
    consumers = models.ManyToManyField(Party, related_name="consumes")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="agreements")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    underpinned_by = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="underpins"
    )
    effective_from = models.DateField(null=True, blank=True)
    effective_until = models.DateField(null=True, blank=True)
    review_every = models.CharField(max_length=20, blank=True)  # ISO 8601 period, e.g. P3M
    review_next = models.DateField(null=True, blank=True)

    class Meta(NamedModel.Meta):
        indexes = [models.Index(fields=["status"], name="agreement_status")]


class AgreementVersion(models.Model):
    """The terms of an agreement from `effective_from` until the next version starts."""

    class Period(models.TextChoices):
        MONTH = "month"
        QUARTER = "quarter"
        YEAR = "year"
        ROLLING = "rolling"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # None: in force since the agreement began; later versions start at a stated instant.
    effective_from = models.DateTimeField(null=True, blank=True)
    service_hours = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")
    timezone = models.CharField(max_length=64, blank=True)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    rolling_seconds = models.PositiveIntegerField(null=True, blank=True)
    charges_per_period = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    credit_cap = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["agreement", "effective_from"], name="version_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.name} v{self.number}"


class Target(models.Model):
    class Metric(models.TextChoices):
        RESPONSE = "response"
        RESOLUTION = "resolution"
        AVAILABILITY = "availability"
        RATIO = "ratio"
        THRESHOLD = "threshold"

    class Budgeting(models.TextChoices):
        OCCURRENCES = "occurrences"
        TIMESLICES = "timeslices"
        RATIO_TIMESLICES = "ratio-timeslices"

    class Op(models.TextChoices):
        LT = "<"
        LE = "<="
        GT = ">"
        GE = ">="

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    metric = models.CharField(max_length=12, choices=Metric.choices)
    objective = models.DecimalField(max_digits=8, decimal_places=5)  # percent, in (0, 100]
    description = models.TextField(blank=True)
    where = models.JSONField(default=dict, blank=True)  # attribute -> list of accepted values
    within_seconds = models.PositiveIntegerField(null=True, blank=True)
    # None: the agreement version's service hours.
    service_hours = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pause_when = models.JSONField(default=list, blank=True)
    exclude_planned = models.BooleanField(default=False)
    # Percent elapsed / budget consumed; null: the defaults of SEMANTICS §6.
    warn_at = models.JSONField(null=True, blank=True)
    warn_before_seconds = models.PositiveIntegerField(null=True, blank=True)
    credits = models.JSONField(default=list, blank=True)  # [{"below": 99.9, "percent": 5}, ...]
    source = models.ForeignKey(
        DataSource, on_delete=models.PROTECT, null=True, blank=True, related_name="targets"
    )
    good_query = models.TextField(blank=True)
    total_query = models.TextField(blank=True)
    series = models.CharField(max_length=200, blank=True)
    op = models.CharField(max_length=2, choices=Op.choices, blank=True)
    value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    budgeting = models.CharField(max_length=16, choices=Budgeting.choices, blank=True)
    timeslice_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="target_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.name}"


class MaintenanceWindow(NamedModel):
    """Agreed planned work: excused from availability where a target says excludePlanned."""

    subjects = models.ManyToManyField(Subject, related_name="maintenance_windows")
    start = models.DateTimeField()
    end = models.DateTimeField()
    agreed = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    class Meta(NamedModel.Meta):
        indexes = [models.Index(fields=["start", "end"], name="maintenance_span")]


class TemporaryChange(NamedModel):
    """A dated change to an agreement's service levels that reverts by itself."""

    class Status(models.TextChoices):
        REQUESTED = "requested"
        APPROVED = "approved"
        ACTIVE = "active"
        REVERTED = "reverted"
        REJECTED = "rejected"

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="temporary_changes"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=300)
    service_hours = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # target name -> {"within": seconds, "objective": percent}
    target_overrides = models.JSONField(default=dict, blank=True)
    approved_by = models.JSONField(default=list, blank=True)  # e-mail addresses
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)

    def described(self) -> list[str]:
        """What the change does, in words: its hours, then each target's new terms."""
        from accord.engine.parsing import format_duration

        said = []
        if self.service_hours is not None:
            said.append(f"service hours: {self.service_hours.title or self.service_hours.name}")
        for target, terms in sorted((self.target_overrides or {}).items()):
            parts = []
            if terms.get("within"):
                parts.append(f"within {format_duration(int(terms['within']))}")
            if terms.get("objective") is not None:
                parts.append(f"objective {terms['objective']:g} %")
            said.append(f"{target}: {', '.join(parts)}")
        return said


# --- The lifecycle (accord.agreements.workflow): events, comments, amendments, approvals.


class AgreementEvent(models.Model):
    """One step of an agreement's life, written once and never changed: a status
    transition, its creation, or an amendment that became a version."""

    class Kind(models.TextChoices):
        CREATED = "created"
        TRANSITION = "transition"
        AMENDMENT = "amendment"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TRANSITION)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # a username, "manifest" or "system"
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["agreement", "at", "id"]

    def __str__(self) -> str:
        return f"{self.agreement.name}: {self.from_status or '∅'} → {self.to_status} ({self.at})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("agreement events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("agreement events are immutable")


class Comment(models.Model):
    """A remark on an agreement being negotiated; with `changes` it is a counter-proposal:
    terms and targets in manifest form (see workflow.parse_changes)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    party = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    changes = models.JSONField(null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["agreement", "at", "id"]

    @property
    def is_counter_proposal(self) -> bool:
        return self.changes is not None


class Amendment(models.Model):
    """A change to the terms of an agreement in force: approved by every party, it becomes
    a new version from `effective_from` (or from its approval, if that is later)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        APPLIED = "applied"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField()
    changes = models.JSONField()
    reason = models.TextField()
    effective_from = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_by_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="amendment_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.name} amendment {self.number}"


class Approval(models.Model):
    """A named person's approval on behalf of one party: of the agreement's terms as they
    stood (`terms_digest`), of an amendment, or of a temporary change."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="approvals")
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    temporary_change = models.ForeignKey(
        TemporaryChange, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    terms_digest = models.CharField(max_length=64, blank=True)
    recorded_by_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["agreement", "at", "id"]

    def __str__(self) -> str:
        return f"{self.name} for {self.party.name} on {self.agreement.name}"
