"""Breach reasons; service reviews, their actions, improvement plans and status events."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models


class BreachReason(models.Model):
    """Why a target was breached, said by a person. Clock and period result rows are
    rewritten by every evaluation, so a reason is attached to what they stand for — the
    clock (agreement, target, ticket) or the period (agreement, target, subject, period)
    — and survives re-evaluation."""

    class Category(models.TextChoices):
        CAPACITY = "capacity"
        CHANGE = "change", "change / release"
        SUPPLIER = "supplier", "supplier / underpinning failure"
        PROCESS = "process", "process / handover"
        STAFFING = "staffing"
        INFRASTRUCTURE = "infrastructure"
        CUSTOMER = "customer", "customer-caused"
        EXTERNAL = "external", "external event"
        OTHER = "other"

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="breach_reasons"
    )
    target_name = models.CharField(max_length=100)
    ticket = models.ForeignKey(
        "measurements.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="breach_reasons",
    )
    subject = models.ForeignKey(
        "catalogue.Subject", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=60, blank=True)  # set for a period result's reason
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="breach_reasons"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "target_name", "-created_at"]
        indexes = [
            models.Index(fields=["agreement", "target_name"], name="breach_reason_target"),
            models.Index(fields=["ticket"], name="breach_reason_ticket"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False) | ~models.Q(period=""),
                name="breach_reason_names_clock_or_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement}/{self.target_name}: {self.category}"


# Service reviews, actions and improvement plans ------------------------------------------


class Review(models.Model):
    """One service review meeting of one agreement, scheduled from its review cadence
    (`Agreement.review_every`, `review_next`). Holding or cancelling it moves the
    agreement's next review date on (services.hold_review / cancel_review)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        HELD = "held"
        CANCELLED = "cancelled"

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="reviews"
    )
    scheduled_for = models.DateField()
    held_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    attendees = models.TextField(blank=True, help_text="one name per line")
    attendee_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviews_attended"
    )
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for", "agreement"]
        constraints = [
            # Scheduling the same date twice makes one review (the job runs every hour).
            models.UniqueConstraint(
                fields=["agreement", "scheduled_for"], name="review_one_per_date"
            )
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="review_due")]

    def __str__(self) -> str:
        return f"review of {self.agreement.name} on {self.scheduled_for}"

    def attendee_names(self) -> list[str]:
        names = [line.strip() for line in self.attendees.splitlines() if line.strip()]
        users = [u.get_full_name() or u.get_username() for u in self.attendee_users.all()]
        return list(dict.fromkeys(users + names))


class ImprovementPlan(models.Model):
    """A service improvement plan (SIP): a goal, the services and agreement targets it
    means to move, the effect expected, and its own actions (`Action.plan`)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        ACTIVE = "active"
        COMPLETED = "completed"
        ABANDONED = "abandoned"

    title = models.CharField(max_length=200)
    goal = models.TextField()
    expected_effect = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_plans",
    )
    owner_name = models.CharField(max_length=200, blank=True)
    services = models.ManyToManyField(
        "catalogue.Subject", blank=True, related_name="improvement_plans"
    )
    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans"
    )
    started = models.DateField(null=True, blank=True)
    ended = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PlanTarget(models.Model):
    """A target a plan means to improve, by name: targets are rewritten with every
    agreement version, names last."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="targets")
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="improvement_targets"
    )
    target_name = models.CharField(max_length=100)

    class Meta:
        ordering = ["plan", "agreement", "target_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "agreement", "target_name"], name="plan_target_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.name}/{self.target_name}"


class ActionQuerySet(models.QuerySet["Action"]):
    def overdue(self, today: date) -> ActionQuerySet:
        """Open actions whose due date has passed (due before `today`)."""
        return self.filter(status=Action.Status.OPEN, due__lt=today)

    def outstanding(self) -> ActionQuerySet:
        return self.filter(status=Action.Status.OPEN)


class Action(models.Model):
    """Something a person agreed to do, decided in a review (`review`) or as part of an
    improvement plan (`plan`); one model for both so the dashboard, notifications and
    the process KPIs count every action the same way."""

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"
        DROPPED = "dropped"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    # What it is about; access follows the agreement (see services.visible_actions).
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="actions",
    )
    target_name = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions_owned",
    )
    owner_name = models.CharField(max_length=200, blank=True)
    due = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["status", "due"], name="action_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        if self.owner is not None:
            return self.owner.get_full_name() or self.owner.get_username()
        return self.owner_name

    def is_overdue(self, today: date) -> bool:
        return self.status == self.Status.OPEN and self.due < today


class StatusEvent(models.Model):
    """An immutable record of one status change of a review, action or plan: who, when,
    old, new, why (DESIGN: status changes are event rows)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    old = models.CharField(max_length=10, blank=True)
    new = models.CharField(max_length=10)
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the user goes
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.old or '—'} → {self.new} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("status events are immutable")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
