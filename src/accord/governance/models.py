"""The audit trail: every change to the catalogue and the agreements, with its before and
after, who made it and when (written by `accord.governance.audit`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"

    # The manifest kind in lower case: party, calendar, data-source, component, service,
    # agreement, maintenance-window, temporary-change.
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    object_name = models.CharField(max_length=100)
    action = models.CharField(max_length=6, choices=Action.choices)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    changed = models.JSONField(default=list, blank=True)  # the top-level keys that differ
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # a username, "manifest" or "system"
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_name", "-at"], name="audit_object"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_name} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit entries are immutable")
        super().save(*args, **kwargs)
