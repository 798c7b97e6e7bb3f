"""Review scheduling from each agreement's cadence, and the overdue notices.

- An agreement with a next review date (`review_next`) gets a `Review` row for that date
  once the date is within `LEAD_DAYS` (so the pack can be read before the meeting), if
  it is in a status that is reviewed (agreed, active, under review).
- Holding or cancelling the review moves `review_next` on by the cadence
  (`services.hold_review`, `services.cancel_review`, both through `advance_review_date`).
- A scheduled review whose date has passed, and an open action past its due date, raise
  one alert each (`review-overdue`, `action-overdue`), de-duplicated by the alerts app's
  key: the review or action and its date, so moving the date alerts again when the new
  date passes.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction

from accord.agreements.models import Agreement
from accord.alerts.models import Kind, Severity
from accord.alerts.rules import AlertDraft, dedupe_key
from accord.alerts.services import record_alerts
from accord.reviews.models import Action, Review

LEAD_DAYS = 30
REVIEWED_STATUSES = (
    Agreement.Status.AGREED,
    Agreement.Status.ACTIVE,
    Agreement.Status.UNDER_REVIEW,
)
_CADENCE = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


@dataclass(frozen=True)
class Cadence:
    """An ISO 8601 calendar period as months and days (`P1Y6M` = 18 months)."""

    months: int
    days: int

    def after(self, day: date) -> date:
        """`day` plus the period: months first, clamped to the month's last day
        (31 January + P1M = 28/29 February), then days."""
        month_index = day.year * 12 + day.month - 1 + self.months
        year, month = divmod(month_index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, min(day.day, last)) + timedelta(days=self.days)


def parse_cadence(text: str) -> Cadence | None:
    """`P3M` → Cadence(3, 0); empty or not a calendar period → None."""
    match = _CADENCE.fullmatch((text or "").strip().upper())
    if not match:
        return None
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    cadence = Cadence(months=12 * years + months, days=7 * weeks + days)
    return cadence if cadence.months or cadence.days else None


def next_review_date(agreement: Agreement, *, after: date, start: date) -> date | None:
    """The first date of the cadence from `start` that is later than `after`; None when
    the agreement has no cadence (a one-off review)."""
    cadence = parse_cadence(agreement.review_every)
    if cadence is None:
        return None
    step, following = 1, cadence.after(start)
    while following <= after:  # a review held very late skips the dates already past
        step += 1
        following = Cadence(cadence.months * step, cadence.days * step).after(start)
    return following


def advance_review_date(review: Review, *, on: date) -> date | None:
    """Move the agreement's next review date past this review (held or cancelled on
    `on`), keeping to the cadence counted from the scheduled date. A date someone has
    already moved beyond this review is left alone."""
    agreement = review.agreement
    if agreement.review_next is not None and agreement.review_next > review.scheduled_for:
        return agreement.review_next
    following = next_review_date(
        agreement, after=max(on, review.scheduled_for), start=review.scheduled_for
    )
    Agreement.objects.filter(pk=agreement.pk).update(review_next=following)
    agreement.review_next = following
    return following


def schedule_reviews(*, today: date, lead_days: int = LEAD_DAYS) -> list[Review]:
    """Create the review of every agreement whose next review date is due within
    `lead_days` of `today` and that has no review pending. Returns the reviews created;
    running it again creates nothing."""
    horizon = today + timedelta(days=lead_days)
    due = Agreement.objects.filter(
        status__in=REVIEWED_STATUSES, review_next__isnull=False, review_next__lte=horizon
    ).exclude(reviews__status=Review.Status.SCHEDULED)
    created: list[Review] = []
    for agreement in due.order_by("review_next", "name"):
        try:
            with transaction.atomic():
                review, new = Review.objects.get_or_create(
                    agreement=agreement, scheduled_for=agreement.review_next
                )
        except IntegrityError:  # another worker scheduled it in the meantime
            continue
        if new:
            created.append(review)
    return created


def overdue_reviews(*, today: date) -> list[Review]:
    return list(
        Review.objects.filter(status=Review.Status.SCHEDULED, scheduled_for__lt=today)
        .select_related("agreement")
        .order_by("scheduled_for", "pk")
    )


def _day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def review_draft(review: Review, *, today: date) -> AlertDraft:
    late = (today - review.scheduled_for).days
    agreement = review.agreement
    return AlertDraft(
        kind=Kind.REVIEW_OVERDUE,
        severity=Severity.WARNING,
        dedupe_key=dedupe_key(
            Kind.REVIEW_OVERDUE, agreement.name, str(review.pk), review.scheduled_for.isoformat()
        ),
        agreement=agreement.name,
        agreement_id=agreement.pk,
        target="",
        message=(
            f"The service review of {agreement.name} was due on "
            f"{review.scheduled_for.isoformat()} and has not been held ({late} day(s) late)."
        ),
        occurred_at=_day_after(review.scheduled_for),
        figures={"review": review.pk, "scheduled_for": review.scheduled_for.isoformat()},
    )


def action_draft(action: Action, *, today: date) -> AlertDraft:
    late = (today - action.due).days
    agreement = action.agreement
    owner = action.owner_label or "nobody"
    return AlertDraft(
        kind=Kind.ACTION_OVERDUE,
        severity=Severity.WARNING,
        dedupe_key=dedupe_key(Kind.ACTION_OVERDUE, str(action.pk), action.due.isoformat()),
        agreement=agreement.name if agreement else "",
        agreement_id=agreement.pk if agreement else None,
        target=action.target_name,
        message=(
            f"Action “{action.title}” (owner: {owner}) was due on "
            f"{action.due.isoformat()} and is still open ({late} day(s) late)."
        ),
        occurred_at=_day_after(action.due),
        figures={"action": action.pk, "due": action.due.isoformat(), "owner": owner},
    )


def notify_overdue(*, today: date) -> int:
    """Raise an alert for each overdue review and open action not alerted yet; returns
    how many alerts were created (the alerts app skips keys it has seen)."""
    drafts = [review_draft(r, today=today) for r in overdue_reviews(today=today)]
    actions = Action.objects.overdue(today).select_related("agreement", "owner")
    drafts += [action_draft(a, today=today) for a in actions]
    return len(record_alerts(drafts))
