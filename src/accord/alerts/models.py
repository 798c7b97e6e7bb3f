"""Alert events, their acknowledgements, notification channels and deliveries.

An `AlertEvent` is written once and never updated: what happened, to which objects,
with the figures that triggered it. Acknowledging adds an `Acknowledgement` row;
delivering adds and updates `Delivery` rows. Names (agreement, target, subject,
ticket) are stored as text so that an alert still reads correctly after the agreement
was edited or pruned; the agreement link is kept for filtering while it exists.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q

from accord.agreements.models import Agreement


class Kind(models.TextChoices):
    TICKET_WARNING = "ticket-warning"
    TICKET_BREACH = "ticket-breach"
    PERIOD_AT_RISK = "period-at-risk"
    PERIOD_BREACH = "period-breach"
    BURN_RATE_PAGE = "burn-rate-page"
    BURN_RATE_TICKET = "burn-rate-ticket"
    FORECAST_AT_RISK = "forecast-at-risk"
    REVIEW_OVERDUE = "review-overdue"  # raised by accord.reviews.schedule
    ACTION_OVERDUE = "action-overdue"
    # raised by accord.agreements.jobs / temporary (the lifecycle)
    AGREEMENT_EXPIRING = "agreement-expiring"
    REVIEW_DUE = "review-due"
    TEMPORARY_CHANGE = "temporary-change"


class Severity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def severities_at_least(minimum: str) -> list[str]:
    floor = SEVERITY_RANK[Severity(minimum)]
    return [str(s) for s, rank in SEVERITY_RANK.items() if rank >= floor]


class AlertEvent(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # The same condition never alerts twice: see docs/alerts.md for each kind's key.
    dedupe_key = models.CharField(max_length=255, unique=True)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    agreement_name = models.CharField(max_length=100)
    target_name = models.CharField(max_length=100)
    subject_name = models.CharField(max_length=100, blank=True)
    ticket = models.CharField(
        max_length=300, blank=True
    )  # as Accord names it: "INC0001", or "source:INC0001" outside the default source
    period_label = models.CharField(max_length=40, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict)
    message = models.TextField()
    occurred_at = models.DateTimeField()  # when the condition became true
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["agreement_name", "-occurred_at"], name="alert_agreement"),
            models.Index(fields=["kind", "-occurred_at"], name="alert_kind"),
        ]

    def __str__(self) -> str:
        about = self.ticket or self.period_label
        return f"{self.kind} {self.agreement_name}/{self.target_name} {about}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("alert events are immutable; acknowledge instead")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Condition(models.Model):
    """A burn-rate alert that is still firing. While it is open the same window pair does
    not alert again; an evaluation that sees it clear closes it, and the next firing is
    a new episode with a new event."""

    key = models.CharField(max_length=255)
    alert = models.OneToOneField(AlertEvent, on_delete=models.CASCADE, related_name="condition")
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="condition_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'open' if self.resolved_at is None else 'resolved'})"


class Acknowledgement(models.Model):
    alert = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="acknowledgements")
    # The name is kept so the record survives the user's deletion.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["alert", "at"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="acknowledgement_once_per_user")
        ]

    def __str__(self) -> str:
        return f"alert {self.alert_id} acknowledged by {self.username} at {self.at:%Y-%m-%d %H:%M}"


class Channel(models.Model):
    class ChannelKind(models.TextChoices):
        EMAIL = "email", "e-mail"
        WEBHOOK = "webhook", "JSON webhook"
        SLACK = "slack", "Slack-compatible webhook"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    # E-mail: comma-separated addresses (may be empty with notify_parties); else the URL.
    address = models.CharField(max_length=1000, blank=True)
    notify_parties = models.BooleanField(
        default=False, help_text="e-mail also the contacts of the agreement's parties"
    )
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="webhook: key of the HMAC-SHA256 signature (generated when left empty)",
    )
    enabled = models.BooleanField(default=True)
    agreements = models.ManyToManyField(
        Agreement, blank=True, related_name="+", help_text="none selected: every agreement"
    )
    min_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    kinds = models.JSONField(default=list, blank=True, help_text="alert kinds; empty: all")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.kind == self.ChannelKind.WEBHOOK and not self.secret:
            self.secret = secrets.token_urlsafe(32)  # webhooks are always signed
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def addresses(self) -> list[str]:
        return [a.strip() for a in self.address.replace(";", ",").split(",") if a.strip()]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.ChannelKind.EMAIL:
            for address in self.addresses():
                try:
                    validate_email(address)
                except ValidationError:
                    errors["address"] = f"{address!r} is not an e-mail address"
            if not self.addresses() and not self.notify_parties:
                errors["address"] = "give addresses, or e-mail the agreement's parties"
        else:
            try:
                URLValidator(schemes=["http", "https"])(self.address)
            except ValidationError:
                errors["address"] = "an http:// or https:// URL"
        unknown = [k for k in self.kinds or [] if k not in Kind.values]
        if not isinstance(self.kinds, list) or unknown:
            errors["kinds"] = f"a list of alert kinds ({', '.join(Kind.values)})"
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    alert = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    log = models.JSONField(default=list, blank=True)  # [{"at", "outcome", "detail"}, ...]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel"], name="delivery_once_per_channel")
        ]
        indexes = [models.Index(fields=["status"], name="delivery_status")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} → {self.channel_id}: {self.status}"
