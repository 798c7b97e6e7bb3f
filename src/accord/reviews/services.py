"""Every state-changing operation on reviews, actions and improvement plans, and who
may see or change them (built on accord.accounts.access, never decided elsewhere).

Access (see docs/reviews.md):
- managers and admins see and change everything; viewers see everything;
- service owners see the reviews of the agreements they can see and change those of the
  agreements they may change (`can_change_agreement`);
- customers read the reviews, actions and plans of their agreements;
- suppliers see none: a review is the provider's meeting with its customer;
- the person an action is assigned to may close it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.accounts.access import (
    can_change_agreement,
    can_manage,
    role_of,
    sees_everything,
    visible_agreements,
    visible_subjects,
)
from accord.accounts.models import Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.reviews.models import Action, ImprovementPlan, PlanTarget, Review, StatusEvent
from accord.reviews.schedule import advance_review_date


class ReviewError(ValueError):
    """An operation the object's state does not allow (said in words for the user)."""


# Who sees what ---------------------------------------------------------------------------


def _excluded(user: Any) -> bool:
    return role_of(user) in (None, Role.SUPPLIER)


def visible_reviews(user: Any) -> QuerySet[Review]:
    if _excluded(user):
        return Review.objects.none()
    reviews = Review.objects.select_related("agreement")
    if sees_everything(user):
        return reviews
    return reviews.filter(agreement__in=visible_agreements(user))


def visible_plans(user: Any) -> QuerySet[ImprovementPlan]:
    if _excluded(user):
        return ImprovementPlan.objects.none()
    if sees_everything(user):
        return ImprovementPlan.objects.all()
    mine = Q(targets__agreement__in=visible_agreements(user)) | Q(
        services__in=visible_subjects(user)
    )
    return ImprovementPlan.objects.filter(mine).distinct()


def visible_actions(user: Any) -> QuerySet[Action]:
    if _excluded(user):
        return Action.objects.none()
    actions = Action.objects.select_related("agreement", "owner", "review", "plan")
    if sees_everything(user):
        return actions
    agreements = visible_agreements(user)
    about = (
        Q(agreement__in=agreements)
        | Q(review__agreement__in=agreements)
        | Q(plan__in=visible_plans(user))
    )
    return actions.filter(about).distinct()


def overdue_actions(user: Any, *, today: date) -> QuerySet[Action]:
    """Open actions past their due date that `user` may see (the dashboard's list)."""
    return visible_actions(user).overdue(today).order_by("due", "pk")


def can_edit_review(user: Any, review: Review) -> bool:
    return not _excluded(user) and can_change_agreement(user, review.agreement)


def can_edit_plan(user: Any, plan: ImprovementPlan) -> bool:
    if can_manage(user):
        return True
    agreements = [t.agreement for t in plan.targets.select_related("agreement")]
    return bool(agreements) and all(can_change_agreement(user, a) for a in agreements)


def can_edit_action(user: Any, action: Action) -> bool:
    if action.review_id is not None:
        return can_edit_review(user, action.review)  # type: ignore[arg-type]
    if action.plan_id is not None:
        return can_edit_plan(user, action.plan)  # type: ignore[arg-type]
    if action.agreement_id is not None:
        return can_change_agreement(user, action.agreement)
    return can_manage(user)


def can_close_action(user: Any, action: Action) -> bool:
    mine = action.owner_id is not None and action.owner_id == getattr(user, "pk", None)
    return can_edit_action(user, action) or (mine and not _excluded(user))


# Reviews ---------------------------------------------------------------------------------


def _event(
    *, user: Any, old: str, new: str, at: datetime, note: str = "", **about: Any
) -> StatusEvent:
    return StatusEvent.objects.create(
        old=old,
        new=new,
        at=at,
        user=user if getattr(user, "pk", None) else None,
        username=user.get_username() if getattr(user, "pk", None) else "",
        note=note,
        **about,
    )


@transaction.atomic
def hold_review(
    review: Review,
    *,
    user: Any,
    held_at: datetime | None = None,
    attendees: str = "",
    attendee_users: Iterable[Any] = (),
    minutes: str = "",
    decisions: str = "",
) -> Review:
    """Record that the review took place (with its attendees, minutes and decisions) and
    move the agreement's next review date on by its cadence."""
    review = Review.objects.select_for_update().select_related("agreement").get(pk=review.pk)
    if review.status != Review.Status.SCHEDULED:
        raise ReviewError(f"{review} is {review.status}; only a scheduled review can be held")
    held_at = held_at or timezone.now()
    review.status, review.held_at = Review.Status.HELD, held_at
    review.attendees, review.minutes, review.decisions = attendees, minutes, decisions
    review.save()
    review.attendee_users.set(list(attendee_users))
    _event(
        user=user, old=Review.Status.SCHEDULED, new=Review.Status.HELD, at=held_at, review=review
    )
    advance_review_date(review, on=timezone.localdate(held_at))
    return review


@transaction.atomic
def record_minutes(
    review: Review,
    *,
    attendees: str,
    minutes: str,
    decisions: str,
    attendee_users: Iterable[Any] = (),
) -> Review:
    """Correct or complete the record of a review (no status change)."""
    if review.status == Review.Status.CANCELLED:
        raise ReviewError(f"{review} was cancelled; there is no meeting to record")
    review.attendees, review.minutes, review.decisions = attendees, minutes, decisions
    review.save(update_fields=["attendees", "minutes", "decisions"])
    review.attendee_users.set(list(attendee_users))
    return review


@transaction.atomic
def cancel_review(review: Review, *, user: Any, reason: str, at: datetime | None = None) -> Review:
    """Skip this review; the agreement's next review date moves on as if it was held, so
    the reason is required and kept."""
    if not reason.strip():
        raise ReviewError("say why the review is cancelled")
    review = Review.objects.select_for_update().select_related("agreement").get(pk=review.pk)
    if review.status != Review.Status.SCHEDULED:
        raise ReviewError(f"{review} is {review.status}; only a scheduled review can be cancelled")
    at = at or timezone.now()
    review.status = Review.Status.CANCELLED
    review.save(update_fields=["status"])
    _event(user=user, old="scheduled", new="cancelled", at=at, note=reason, review=review)
    advance_review_date(review, on=timezone.localdate(at))
    return review


# Actions ---------------------------------------------------------------------------------


def create_action(
    *,
    title: str,
    due: date,
    user: Any,
    review: Review | None = None,
    plan: ImprovementPlan | None = None,
    agreement: Agreement | None = None,
    target_name: str = "",
    owner: Any = None,
    owner_name: str = "",
    description: str = "",
    at: datetime | None = None,
) -> Action:
    """An open action; a review's action is about the review's agreement unless told."""
    if not title.strip():
        raise ReviewError("an action needs a title")
    if review is not None and agreement is None:
        agreement = review.agreement
    with transaction.atomic():
        action = Action.objects.create(
            title=title.strip(),
            description=description,
            review=review,
            plan=plan,
            agreement=agreement,
            target_name=target_name,
            owner=owner,
            owner_name=owner_name,
            due=due,
        )
        _event(user=user, old="", new=Action.Status.OPEN, at=at or timezone.now(), action=action)
    return action


@transaction.atomic
def set_action_status(
    action: Action, *, status: str, user: Any, at: datetime | None = None, note: str = ""
) -> Action:
    """Close (done / dropped) or reopen an action; `closed_at` is when it was closed."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in Action.Status.values:
        raise ReviewError(f"status {status!r}: expected one of {', '.join(Action.Status.values)}")
    if status == action.status:
        return action
    at = at or timezone.now()
    old, action.status = action.status, status
    action.closed_at = None if status == Action.Status.OPEN else at
    action.save(update_fields=["status", "closed_at"])
    _event(user=user, old=old, new=status, at=at, note=note, action=action)
    return action


# Improvement plans -----------------------------------------------------------------------


@transaction.atomic
def create_plan(
    *,
    title: str,
    goal: str,
    user: Any,
    expected_effect: str = "",
    services: Sequence[Subject] = (),
    targets: Sequence[tuple[Agreement, str]] = (),
    owner: Any = None,
    owner_name: str = "",
    review: Review | None = None,
    started: date | None = None,
) -> ImprovementPlan:
    """A plan in status `proposed` (or `active` when it has a start date)."""
    if not title.strip() or not goal.strip():
        raise ReviewError("an improvement plan needs a title and a goal")
    status = ImprovementPlan.Status.ACTIVE if started else ImprovementPlan.Status.PROPOSED
    plan = ImprovementPlan.objects.create(
        title=title.strip(),
        goal=goal,
        expected_effect=expected_effect,
        owner=owner,
        owner_name=owner_name,
        review=review,
        started=started,
        status=status,
    )
    plan.services.set(services)
    set_plan_targets(plan, targets)
    _event(user=user, old="", new=status, at=timezone.now(), plan=plan)
    return plan


def set_plan_targets(plan: ImprovementPlan, targets: Sequence[tuple[Agreement, str]]) -> None:
    plan.targets.all().delete()
    PlanTarget.objects.bulk_create(
        PlanTarget(plan=plan, agreement=agreement, target_name=name)
        for agreement, name in dict.fromkeys(targets)
    )


@transaction.atomic
def set_plan_status(
    plan: ImprovementPlan, *, status: str, user: Any, on: date | None = None, note: str = ""
) -> ImprovementPlan:
    """Move a plan through proposed → active → completed / abandoned. Starting sets
    `started` (the date before/after measurements split on) unless already set; ending
    sets `ended`."""
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if status not in ImprovementPlan.Status.values:
        raise ReviewError(
            f"status {status!r}: expected one of {', '.join(ImprovementPlan.Status.values)}"
        )
    if status == plan.status:
        return plan
    on = on or timezone.localdate()
    old, plan.status = plan.status, status
    if status == ImprovementPlan.Status.ACTIVE and plan.started is None:
        plan.started = on
    if status in (ImprovementPlan.Status.COMPLETED, ImprovementPlan.Status.ABANDONED):
        plan.ended = plan.ended or on
    plan.save(update_fields=["status", "started", "ended"])
    _event(user=user, old=old, new=status, at=timezone.now(), note=note, plan=plan)
    return plan
