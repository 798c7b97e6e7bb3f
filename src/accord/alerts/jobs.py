"""The alerts' background jobs, run by `accord worker`.

- `deliver` (key: the delivery id) sends one delivery. A temporary failure raises, and
  the job layer retries it with exponential backoff (30 s, 1 min, 2 min, …) up to its
  attempt limit; the last attempt's failure is final.
- `ticket-warnings` (key: the instant it is due) fires the ticket warnings and breach
  notices falling due by now from the stored clock results, so that they go out on
  time even when no new data arrives, and schedules the next one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accord.alerts import hooks
from accord.alerts.models import Delivery
from accord.alerts.services import (
    DELIVER_JOB,
    TICKET_WARNINGS_JOB,
    deliver_alert,
    raise_alerts,
)
from accord.evaluation.jobs import MAX_ATTEMPTS, handler
from accord.evaluation.models import Job

BACKOFF_BASE = timedelta(seconds=30)


def job_backoff(attempts: int) -> timedelta:
    """When the job layer retries after failed attempt number `attempts` (its formula,
    mirrored here only to tell people when the next try is due)."""
    return BACKOFF_BASE * (1 << max(attempts - 1, 0))


@handler(DELIVER_JOB)
def deliver(job: Job) -> dict[str, Any]:
    delivery = (
        Delivery.objects.select_related("channel", "alert", "alert__agreement__provider")
        .filter(pk=int(job.key))
        .first()
    )
    if delivery is None:  # the alert or channel was deleted meanwhile
        return {"status": "gone"}
    deliver_alert(
        delivery, last_try=job.attempts >= MAX_ATTEMPTS, retry_in=job_backoff(job.attempts)
    )
    return {"status": delivery.status, "attempts": delivery.attempts}


@handler(TICKET_WARNINGS_JOB)
def ticket_warnings(job: Job) -> dict[str, Any]:
    now = timezone.now()
    created = raise_alerts(clocks=hooks.open_clocks(as_of=now), as_of=now)
    return {"alerts": len(created)}
