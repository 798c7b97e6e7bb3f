"""Agreements' dates against the calendar: reviews, expiry (SEMANTICS §9, third bullet)."""

from __future__ import annotations

from datetime import timedelta

from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.governance.checks.base import Produced, agreement, rule
from accord.governance.checks.context import CheckContext

EXPIRY_NOTICE = timedelta(days=60)
# Statuses of an agreement on its way to replacing one that ends (a renewal).
PIPELINE = (
    Agreement.Status.REQUIREMENT,
    Agreement.Status.DRAFT,
    Agreement.Status.PROPOSED,
    Agreement.Status.AGREED,
)


@rule("lifecycle.review-overdue", "warning", "Agreement past its review date")
def review_overdue(context: CheckContext) -> Produced:
    for a in context.in_force():
        if a.review_next is not None and a.review_next < context.day:
            days = (context.day - a.review_next).days
            every = f"; reviewed every {a.review_every}" if a.review_every else ""
            yield (
                (agreement(a.name),),
                f"{a.name} was due for review on {a.review_next.isoformat()}, "
                f"{days} days ago{every}",
            )


@rule("lifecycle.ended-still-in-force", "error", "Agreement past its end date still in force")
def ended_still_in_force(context: CheckContext) -> Produced:
    for a in context.in_force():
        if a.effective_until is not None and a.effective_until < context.day:
            days = (context.day - a.effective_until).days
            yield (
                (agreement(a.name),),
                f"{a.name} ended on {a.effective_until.isoformat()} ({days} days ago) but its "
                f"status is still {a.status}",
            )


@rule("lifecycle.expiring-unnoticed", "warning", "Agreement expiring within 60 days unnoticed")
def expiring_unnoticed(context: CheckContext) -> Produced:
    """Noticed: a review falls between today and the end, or a renewal is on its way (an
    agreement of the same type in requirement…agreed sharing a service, or the same
    provider and a consumer)."""
    for a in context.in_force():
        end = a.effective_until
        if end is None or not context.day <= end <= context.day + EXPIRY_NOTICE:
            continue
        if a.review_next is not None and context.day <= a.review_next <= end:
            continue
        if _renewal(context, a):
            continue
        review = f" (next review {a.review_next.isoformat()})" if a.review_next else ""
        yield (
            (agreement(a.name),),
            f"{a.name} ends on {end.isoformat()}, in {(end - context.day).days} days, with no "
            f"review before then{review} and no renewal under way",
        )


def _renewal(context: CheckContext, a: Agreement) -> bool:
    subjects = {s.pk for s in a.subjects.all()}
    consumers = {p.pk for p in a.consumers.all()}
    for other in context.agreements.values():
        if other.pk == a.pk or other.type != a.type or other.status not in PIPELINE:
            continue
        if subjects & {s.pk for s in other.subjects.all()}:
            return True
        if other.provider_id == a.provider_id and consumers & {p.pk for p in other.consumers.all()}:
            return True
    return False


@rule("lifecycle.retired-service", "warning", "Agreement in force on a retired service")
def retired_service(context: CheckContext) -> Produced:
    for a in context.in_force():
        for subject in a.subjects.all():
            if subject.status == Subject.Status.RETIRED:
                yield (
                    (agreement(a.name), (subject.kind, subject.name)),
                    f"{a.name} ({a.status}) still covers {subject.name}, which is retired",
                )
