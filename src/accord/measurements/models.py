"""What is measured: tickets with their event history, outages, and metric series.

Rows arrive by bulk import, the REST API, Alertmanager and Prometheus. Every writer goes
through `services.py`, which upserts on the natural keys declared here, so a repeated
delivery changes nothing. The indexes are those of the evaluation's bulk reads: tickets of
a service by opening, a ticket's history by ticket, a subject's outages by start, a
series' points by start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q

from accord.catalogue.models import Party, Subject
from accord.measurements.history import decode_history
from accord.measurements.instants import from_utc_text

DEFAULT_SOURCE = "default"


class TicketState(models.TextChoices):
    """The canonical states; any other name is kept, lower-cased with spaces → hyphens."""

    NEW = "new"
    IN_PROGRESS = "in-progress"
    AWAITING_CUSTOMER = "awaiting-customer"
    AWAITING_VENDOR = "awaiting-vendor"
    AWAITING_PROBLEM = "awaiting-problem"
    AWAITING_EVIDENCE = "awaiting-evidence"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Ticket(models.Model):
    """An incident or request as it stands now; its history is in `TicketHistory`."""

    # Ids are unique only within the system that issued them (one ServiceNow instance,
    # one Jira project), so the import source is part of the key.
    source = models.CharField(max_length=100, default=DEFAULT_SOURCE)
    external_id = models.CharField(max_length=200)
    # No single-column indexes on the keys below: the composite indexes in Meta lead with
    # them and serve the same lookups, and every index slows the bulk import.
    service = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    customer = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    priority = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=40)
    opened_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Every other column of the source, for agreements' `where` filters.
    attributes = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)  # the last import or API call that changed it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="ticket_source_id")
        ]
        indexes = [
            models.Index(fields=["service", "opened_at"], name="ticket_service_opened"),
            # Most tickets name no customer; only those that do are indexed.
            models.Index(
                fields=["customer", "opened_at"],
                name="ticket_customer_opened",
                condition=Q(customer__isnull=False),
            ),
            # Routine evaluation reads the tickets changed since it last ran.
            models.Index(fields=["updated_at"], name="ticket_updated"),
        ]
        ordering = ["source", "external_id"]

    def events(self) -> list[Event]:
        """The ticket's history, in order (none before its first event arrives)."""
        try:
            history = self.history
        except ObjectDoesNotExist:
            return []
        return history.events()

    def __str__(self) -> str:
        return (
            self.external_id
            if self.source == DEFAULT_SOURCE
            else f"{self.source}:{self.external_id}"
        )


class Event(NamedTuple):
    """One step of a ticket's history: the state and priority in force from `at` on."""

    seq: int  # its place in the history: 0, 1, …
    at: datetime
    state: str
    priority: str
    attributes: dict[str, Any]


class TicketHistory(models.Model):
    """A ticket's events, in order, as one row: each field a JSON array with a value per
    event (instants as UTC text, `YYYY-MM-DD HH:MM:SS[.ffffff]`).

    One row per ticket rather than per event, because storing millions of rows costs
    the database more than anything else in an import (docs/importing.md), and because
    evaluation reads whole histories: it concatenates these arrays in the database and
    decodes them in one call each. The arrays are text, not JSON columns, so that no
    database parses them on the way in.

    The order (`seq`, the position in the arrays) usually follows the instants, but a
    source may define its own order (ServiceNow's modification count), which is kept.
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="history"
    )
    size = models.PositiveIntegerField()  # the number of events
    instants = models.TextField()
    states = models.TextField()
    priorities = models.TextField()
    # Most events carry none: null when no event of the ticket has any.
    attributes = models.TextField(null=True, blank=True)
    # The last import or API call that changed it; routine evaluation reads from here.
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["updated_at"], name="history_updated")]
        verbose_name_plural = "ticket histories"

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.size} events"

    def events(self) -> list[Event]:
        rows = decode_history(
            self.size, self.instants, self.states, self.priorities, self.attributes
        )
        return [
            Event(seq, from_utc_text(at), state, priority, dict(attributes))
            for seq, (at, state, priority, attributes) in enumerate(rows)
        ]


class Outage(models.Model):
    """A period during which a service or component was (partly) down."""

    class Origin(models.TextChoices):
        IMPORT = "import"
        API = "api"
        ALERTMANAGER = "alertmanager"

    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="outages", db_index=False
    )  # indexed by (subject, start)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)  # null while ongoing
    planned = models.BooleanField(default=False)
    impact = models.FloatField(default=1.0)  # share of the subject that is down, 0 < f ≤ 1
    reference = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    # What makes a repeated delivery the same outage; see docs/importing.md. Imports use
    # the file's `id` column, else "<subject>@<start in UTC>"; Alertmanager its fingerprint.
    key = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "key"], name="outage_origin_key"),
            models.CheckConstraint(
                condition=Q(impact__gt=0) & Q(impact__lte=1), name="outage_impact_range"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="outage_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["subject", "start"], name="outage_subject_start")]
        ordering = ["subject", "start"]

    def __str__(self) -> str:
        return f"{self.subject} from {self.start:%Y-%m-%d %H:%M}"


class MetricSeries(models.Model):
    """A named series of buckets: good/total counts (ratio SLIs) or values (thresholds)."""

    class Kind(models.TextChoices):
        COUNTS = "counts"
        VALUES = "values"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=6, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "metric series"

    def __str__(self) -> str:
        return self.name


class MetricPoint(models.Model):
    """One bucket [start, end) of a series: `good` of `total` events, or one `value`."""

    series = models.ForeignKey(
        MetricSeries, on_delete=models.CASCADE, related_name="points", db_index=False
    )  # indexed by the unique (series, start)
    start = models.DateTimeField()
    end = models.DateTimeField()
    # Floats, because counts computed by Prometheus (`increase()`) are extrapolated.
    good = models.FloatField(null=True, blank=True)
    total = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        # The unique index also serves "a series' points by start".
        constraints = [
            models.UniqueConstraint(fields=["series", "start"], name="point_series_start"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="point_end_after_start"),
            models.CheckConstraint(
                condition=(
                    Q(good__isnull=False, total__isnull=False, value__isnull=True)
                    & Q(good__gte=0, good__lte=F("total"))
                )
                | Q(good__isnull=True, total__isnull=True, value__isnull=False),
                name="point_counts_or_value",
            ),
        ]
        ordering = ["series", "start"]

    def __str__(self) -> str:
        return f"{self.series} at {self.start:%Y-%m-%d %H:%M}"
