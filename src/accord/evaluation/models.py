"""Background work shared by any number of workers through the database."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Job(models.Model):
    """One unit of due work: what (`kind` + `key`), when (`due_at`), who holds it.

    A pending job is unique per (kind, key), so asking twice for the same evaluation
    makes one job. A worker claims a job by setting a lease (`claimed_until`); a worker
    that dies loses the job when its lease runs out, and another takes it over.
    """

    kind = models.CharField(max_length=50)
    key = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], name="job_pending_due", condition=Q(done_at__isnull=True)
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(done_at__isnull=True),
                name="job_one_pending_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key or self.pk}"
