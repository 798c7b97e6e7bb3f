"""The reviews' background job: `reviews-schedule`, every hour, creates the reviews
falling due from each agreement's cadence and raises the overdue notices (reviews not
held, actions past due). Both are idempotent, so running it often costs nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accord.evaluation.jobs import handler
from accord.evaluation.models import Job
from accord.reviews.schedule import notify_overdue, schedule_reviews

SCHEDULE_JOB = "reviews-schedule"


@handler(SCHEDULE_JOB, every=timedelta(hours=1))
def schedule_job(job: Job) -> dict[str, Any]:
    today = timezone.localdate()
    created = schedule_reviews(today=today)
    return {
        "today": today.isoformat(),
        "scheduled": [f"{r.agreement.name}@{r.scheduled_for}" for r in created],
        "alerts": notify_overdue(today=today),
    }
