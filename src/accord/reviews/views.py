"""Pages under /reviews/: reviews with their packs, actions, improvement plans and the
annual process review. Thin: access through services/access, work through services."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accord.accounts.access import can_manage, require, role_of, sees_everything
from accord.accounts.middleware import allow_inline_styles
from accord.accounts.models import Role
from accord.reviews import services
from accord.reviews.documents import render_pack, render_process
from accord.reviews.forms import (
    ActionForm,
    CancelForm,
    PlanForm,
    PlanStatusForm,
    RecordForm,
    StatusForm,
    target_names,
)
from accord.reviews.models import Action, ImprovementPlan, Review
from accord.reviews.packs import build_pack
from accord.reviews.plans import plan_effects
from accord.reviews.process import process_review

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def _page(
    request: HttpRequest, template: str, context: dict[str, object], **kw: int
) -> HttpResponse:
    """Render with what the reviews sub-navigation needs."""
    context = {
        "today": timezone.localdate(),
        "sees_process": sees_everything(request.user),
        **context,
    }
    return render(request, template, context, **kw)


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    # The printable HTML carries its own <style>, shared with the PDF.
    return allow_inline_styles(response) if fmt == "html" else response


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    reviews = services.visible_reviews(request.user)
    scheduled = reviews.filter(status=Review.Status.SCHEDULED).order_by("scheduled_for")
    context = {
        "today": today,
        "overdue": [r for r in scheduled if r.scheduled_for < today],
        "upcoming": [r for r in scheduled if r.scheduled_for >= today],
        "past": reviews.exclude(status=Review.Status.SCHEDULED).order_by("-scheduled_for")[:30],
        "overdue_actions": services.overdue_actions(request.user, today=today).count(),
        "sees_process": sees_everything(request.user),
    }
    return _page(request, "reviews/review_list.html", context)


def _review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(services.visible_reviews(request.user), pk=pk)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    return _page(request, "reviews/review_detail.html", _detail_context(request, review))


@login_required
def review_pack(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "json", "html"):
        raise Http404("a pack is html, pdf or json")
    review = _review(request, pk)
    name = f"review-pack-{review.agreement.name}-{review.scheduled_for}"
    return _download(render_pack(build_pack(review), fmt), fmt, name)


@login_required
@require_POST
def review_record(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    require(services.can_edit_review(request.user, review), "recording this review")
    form = RecordForm(request.POST)
    if not form.is_valid():
        return _invalid(request, review, record_form=form)
    data = form.cleaned_data
    fields = {
        "attendees": data["attendees"],
        "attendee_users": data["attendee_users"],
        "minutes": data["minutes"],
        "decisions": data["decisions"],
    }
    try:
        if review.status == Review.Status.SCHEDULED:
            # A date, not an instant, is what people know: noon UTC keeps it on that day.
            held_at = datetime.combine(data["held_on"], time(12), tzinfo=UTC)
            services.hold_review(review, user=request.user, held_at=held_at, **fields)
        else:
            services.record_minutes(review, **fields)
    except services.ReviewError as exc:
        form.add_error(None, str(exc))
        return _invalid(request, review, record_form=form)
    return redirect("reviews:review", pk=review.pk)


@login_required
@require_POST
def review_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    require(services.can_edit_review(request.user, review), "cancelling this review")
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _invalid(request, review, cancel_form=form)
    try:
        services.cancel_review(review, user=request.user, reason=form.cleaned_data["reason"])
    except services.ReviewError as exc:
        form.add_error(None, str(exc))
        return _invalid(request, review, cancel_form=form)
    return redirect("reviews:review", pk=review.pk)


@login_required
@require_POST
def review_action(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    require(services.can_edit_review(request.user, review), "adding actions to this review")
    form = ActionForm(request.POST, targets=target_names(review.agreement))
    if not form.is_valid():
        return _invalid(request, review, action_form=form)
    services.create_action(user=request.user, review=review, **form.cleaned_data)
    return redirect("reviews:review", pk=review.pk)


def _invalid(request: HttpRequest, review: Review, **forms: object) -> HttpResponse:
    """The review page again with the bound form and its errors."""
    context = _detail_context(request, review)
    context.update(forms)
    return _page(request, "reviews/review_detail.html", context, status=400)


def _detail_context(request: HttpRequest, review: Review) -> dict[str, object]:
    editable = services.can_edit_review(request.user, review)
    held_on = timezone.localdate(review.held_at) if review.held_at else timezone.localdate()
    record = RecordForm(
        initial={
            "held_on": held_on,
            "attendees": review.attendees,
            "attendee_users": list(review.attendee_users.all()),
            "minutes": review.minutes,
            "decisions": review.decisions,
        }
    )
    return {
        "review": review,
        "pack": build_pack(review),
        "editable": editable,
        "record_form": record if editable else None,
        "cancel_form": CancelForm() if editable and review.status == "scheduled" else None,
        "action_form": ActionForm(targets=target_names(review.agreement)) if editable else None,
        "actions": review.actions.select_related("owner").order_by("due", "pk"),
        "events": review.events.all(),
        "today": timezone.localdate(),
    }


# Actions ---------------------------------------------------------------------------------


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    shown = request.GET.get("show", "open")
    actions = services.visible_actions(request.user)
    if shown == "overdue":
        actions = actions.overdue(today)
    elif shown in Action.Status.values:
        actions = actions.filter(status=shown)
    if request.GET.get("mine"):
        actions = actions.filter(owner=request.user)
    rows = [(a, services.can_close_action(request.user, a)) for a in actions.order_by("due", "pk")]
    context = {"rows": rows, "shown": shown, "mine": bool(request.GET.get("mine")), "today": today}
    context["status_form"] = StatusForm()
    return _page(request, "reviews/action_list.html", context)


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(services.visible_actions(request.user), pk=pk)
    require(services.can_close_action(request.user, action), "changing this action")
    form = StatusForm(request.POST)
    if form.is_valid():
        services.set_action_status(
            action, status=form.cleaned_data["status"], user=request.user,
            note=form.cleaned_data["note"],
        )  # fmt: skip
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/reviews/") else "reviews:actions")


# Improvement plans -----------------------------------------------------------------------


def _may_create_plans(user: object) -> bool:
    return can_manage(user) or role_of(user) == Role.OWNER


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = services.visible_plans(request.user).prefetch_related("targets__agreement", "services")
    context = {"plans": plans, "can_create": _may_create_plans(request.user)}
    return _page(request, "reviews/plan_list.html", context)


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    require(_may_create_plans(request.user), "creating improvement plans")
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = services.create_plan(
            title=data["title"], goal=data["goal"], expected_effect=data["expected_effect"],
            owner_name=data["owner_name"], services=list(data["services"]),
            targets=form.chosen_targets(), started=data["started"], user=request.user,
        )  # fmt: skip
        return redirect("reviews:plan", pk=plan.pk)
    return _page(request, "reviews/plan_form.html", {"form": form})


def _plan(request: HttpRequest, pk: int) -> ImprovementPlan:
    return get_object_or_404(services.visible_plans(request.user), pk=pk)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    editable = services.can_edit_plan(request.user, plan)
    context = {
        "plan": plan,
        "effects": plan_effects(plan),
        "editable": editable,
        "status_form": PlanStatusForm(initial={"status": plan.status}) if editable else None,
        "action_form": ActionForm() if editable else None,
        "actions": plan.actions.select_related("owner").order_by("due", "pk"),
        "events": plan.events.all(),
        "today": timezone.localdate(),
    }
    return _page(request, "reviews/plan_detail.html", context)


@login_required
@require_POST
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(services.can_edit_plan(request.user, plan), "changing this plan")
    form = PlanStatusForm(request.POST)
    if form.is_valid():
        services.set_plan_status(
            plan, status=form.cleaned_data["status"], user=request.user,
            on=form.cleaned_data["on"], note=form.cleaned_data["note"],
        )  # fmt: skip
    return redirect("reviews:plan", pk=plan.pk)


@login_required
@require_POST
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(services.can_edit_plan(request.user, plan), "adding actions to this plan")
    form = ActionForm(request.POST)
    if form.is_valid():
        first = plan.targets.select_related("agreement").first()
        services.create_action(
            user=request.user, plan=plan, agreement=first.agreement if first else None,
            **form.cleaned_data,
        )  # fmt: skip
    return redirect("reviews:plan", pk=plan.pk)


# The annual process review ---------------------------------------------------------------


@login_required
def process_page(request: HttpRequest, year: int) -> HttpResponse:
    # The process KPIs span every agreement and service: only roles that see everything.
    require(sees_everything(request.user), "the process review")
    if not 2000 <= year <= 2100:
        raise Http404("no such year")
    report = process_review(year=year, today=timezone.localdate())
    fmt = request.GET.get("format", "")
    if fmt in ("pdf", "csv", "json", "html"):
        return _download(render_process(report, fmt), fmt, f"slm-process-review-{year}")
    return _page(request, "reviews/process.html", {"report": report, "year": year})
