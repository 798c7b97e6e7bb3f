"""Breach reasons now; reviews, actions and improvement plans join them."""

from __future__ import annotations

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
