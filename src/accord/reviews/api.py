"""The reviews part of /api/v1: reviews with their packs, actions, improvement plans and
the annual process review. Thin: access and work go through reviews.services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from accord.accounts.access import require, sees_everything
from accord.reviews import services
from accord.reviews.documents import action_document, pack_document, process_document
from accord.reviews.models import Action, Review
from accord.reviews.packs import build_pack
from accord.reviews.plans import plan_effects
from accord.reviews.process import process_review
from accord.reviews.rendering import to_jsonable

router = Router(tags=["reviews"])


def _review_item(review: Review, today: date) -> dict[str, Any]:
    return to_jsonable(
        {
            "id": review.pk,
            "agreement": review.agreement.name,
            "scheduled_for": review.scheduled_for,
            "status": review.status,
            "held_at": review.held_at,
            "overdue": review.status == Review.Status.SCHEDULED and review.scheduled_for < today,
        }
    )


@router.get("/", summary="Service reviews the caller may see")
def list_reviews(
    request: HttpRequest, status: str | None = None, overdue: bool = False
) -> list[dict[str, Any]]:
    today = timezone.localdate()
    reviews = services.visible_reviews(request.user).order_by("scheduled_for", "pk")
    if status:
        reviews = reviews.filter(status=status)
    if overdue:
        reviews = reviews.filter(status=Review.Status.SCHEDULED, scheduled_for__lt=today)
    return [_review_item(r, today) for r in reviews]


@router.get("/actions", summary="Actions the caller may see (overdue=true: open and past due)")
def list_actions(
    request: HttpRequest, status: str | None = None, overdue: bool = False
) -> list[dict[str, Any]]:
    today = timezone.localdate()
    actions = services.visible_actions(request.user).order_by("due", "pk")
    if overdue:
        actions = actions.overdue(today)
    elif status:
        actions = actions.filter(status=status)
    return [to_jsonable(action_document(a, today=today)) for a in actions]


class StatusIn(Schema):
    status: Action.Status
    note: str = ""


@router.post("/actions/{action_id}/status", summary="Close, drop or reopen an action")
def set_action_status(request: HttpRequest, action_id: int, body: StatusIn) -> dict[str, Any]:
    action = get_object_or_404(services.visible_actions(request.user), pk=action_id)
    require(services.can_close_action(request.user, action), "changing this action")
    action = services.set_action_status(
        action, status=body.status, user=request.user, note=body.note
    )
    return to_jsonable(action_document(action, today=timezone.localdate()))


@router.get("/plans", summary="Service improvement plans the caller may see")
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [_plan_item(p) for p in services.visible_plans(request.user).order_by("pk")]


@router.get("/plans/{plan_id}", summary="A plan with its attainment before and after")
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = get_object_or_404(services.visible_plans(request.user), pk=plan_id)
    item = _plan_item(plan)
    item["effects"] = [
        {
            "agreement": e.agreement, "target": e.target, "subject": e.subject or None,
            "objective": e.objective, "mean_before": e.mean_before, "mean_after": e.mean_after,
            "periods_before": [p for p, _ in e.before], "periods_after": [p for p, _ in e.after],
            "across_start": e.across_start, "change": e.change,
        }
        for e in plan_effects(plan)
    ]  # fmt: skip
    return item


def _plan_item(plan: Any) -> dict[str, Any]:
    return to_jsonable(
        {
            "id": plan.pk, "title": plan.title, "goal": plan.goal, "status": plan.status,
            "expected_effect": plan.expected_effect, "started": plan.started,
            "ended": plan.ended, "services": [s.name for s in plan.services.all()],
            "targets": [f"{t.agreement.name}/{t.target_name}" for t in plan.targets.all()],
        }
    )  # fmt: skip


@router.get("/process/{year}", summary="The annual review of the SLM process (KPIs)")
def get_process_review(request: HttpRequest, year: int) -> dict[str, Any]:
    require(sees_everything(request.user), "the process review")
    return process_document(process_review(year=year, today=timezone.localdate()))


@router.get("/{review_id}", summary="A review and its pack")
def get_review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    review = get_object_or_404(services.visible_reviews(request.user), pk=review_id)
    return pack_document(build_pack(review))
