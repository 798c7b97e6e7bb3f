"""The lifecycle job: dates reached move agreements and temporary changes on, and the
notices of agreements expiring or due for review are raised (once each)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accord.agreements import dates, temporary, workflow
from accord.agreements.models import Agreement
from accord.evaluation.jobs import handler
from accord.evaluation.models import Job

LIFECYCLE = "lifecycle"
EVERY = timedelta(hours=1)
EXPIRY_NOTICE = timedelta(days=60)  # SEMANTICS §9: "expiring within 60 days"
REVIEW_NOTICE = timedelta(days=14)
S = Agreement.Status


@handler(LIFECYCLE, every=EVERY)
def lifecycle_job(job: Job) -> Mapping[str, Any]:
    return run_lifecycle(now=timezone.now())


def run_lifecycle(*, now: datetime) -> dict[str, int]:
    """Everything whose date has come, as of `now`. Safe to run any number of times."""
    counts = {"activated": 0, "expired": 0, "notices": 0}
    for agreement in Agreement.objects.filter(status=S.AGREED).order_by("name"):
        if workflow.refusal(agreement, S.ACTIVE, who=workflow.SYSTEM, now=now) is None:
            workflow.transition(
                agreement,
                S.ACTIVE,
                who=workflow.SYSTEM,
                now=now,
                reason=f"effective from {agreement.effective_from or 'agreement'}",
            )
            counts["activated"] += 1
    for agreement in Agreement.objects.filter(status__in=workflow.IN_FORCE).order_by("name"):
        if workflow.refusal(agreement, S.EXPIRED, who=workflow.SYSTEM, now=now) is None:
            workflow.transition(
                agreement,
                S.EXPIRED,
                who=workflow.SYSTEM,
                now=now,
                reason=f"effective until {agreement.effective_until}",
            )
            counts["expired"] += 1
    counts["notices"] = len(raise_notices(now=now))
    changes = temporary.step_changes(now)
    return counts | {f"changes_{key}": n for key, n in changes.items()}


def raise_notices(*, now: datetime) -> list[Any]:
    """An alert when an agreement in force ends within 60 days or its review is due within
    14 days; the date is in the key, so each comes once per date."""
    from accord.alerts.services import record_alerts

    drafts = []
    live = Agreement.objects.filter(status__in=(S.AGREED, *workflow.IN_FORCE)).order_by("name")
    for agreement in live:
        end = dates.ends_at(agreement)
        if end is not None and now < end <= now + EXPIRY_NOTICE:
            days = (end - now).days
            drafts.append(
                _draft(
                    agreement,
                    "agreement-expiring",
                    "warning",
                    now,
                    f"{agreement.name} ends on {agreement.effective_until} "
                    f"(in {days} days): renew, replace or let it expire",
                    str(agreement.effective_until),
                    {"days_left": days},
                )
            )
        if agreement.review_next is not None:
            due = dates.local_midnight(agreement.review_next, agreement)
            # Once the date has passed, the reviews app's `review-overdue` takes over.
            if now < due <= now + REVIEW_NOTICE:
                drafts.append(
                    _draft(
                        agreement,
                        "review-due",
                        "info",
                        now,
                        f"The review of {agreement.name} is due on {agreement.review_next}",
                        str(agreement.review_next),
                        {},
                    )
                )
    return record_alerts(drafts)


def _draft(
    agreement: Agreement,
    kind: str,
    severity: str,
    now: datetime,
    message: str,
    when: str,
    figures: dict[str, Any],
) -> Any:
    from accord.alerts.rules import AlertDraft

    return AlertDraft(
        kind=kind,
        severity=severity,
        dedupe_key=f"{kind}:{agreement.name}:{when}",
        agreement=agreement.name,
        target="",
        message=message,
        occurred_at=now,
        figures={"date": when, **figures},
        agreement_id=agreement.pk,
    )
