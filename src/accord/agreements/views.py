"""The lifecycle page of an agreement (/agreements/<name>/workflow/) and its form posts.
Thin: the rules are in workflow, proposals and temporary; a refusal is shown as a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accord.accounts import access
from accord.agreements import forms, proposals, temporary, workflow
from accord.agreements.models import Agreement, Amendment, Comment
from accord.catalogue.models import Contact


def _agreement(request: HttpRequest, name: str) -> Agreement:
    return get_object_or_404(access.visible_agreements(request.user), name=name)


@login_required
def workflow_page(request: HttpRequest, name: str) -> HttpResponse:
    agreement = _agreement(request, name)
    now = timezone.now()
    driver = access.can_change_agreement(request.user, agreement)
    steps = [
        {"step": t, "refused": workflow.refusal(agreement, t.target, who=workflow.DRIVER, now=now)}
        for t in workflow.TRANSITIONS
        if t.source == agreement.status and workflow.DRIVER in t.who
    ]
    amendments = [
        {"amendment": a, "awaiting": proposals.amendment_awaiting(a)}
        for a in agreement.amendments.select_related("version")
    ]
    changes = [
        {"change": c, "awaiting": temporary.awaiting(c)}
        for c in agreement.temporary_changes.select_related("service_hours").order_by("start")
    ]
    context: dict[str, Any] = {
        "agreement": agreement,
        "driver": driver,
        "party": workflow.party_of(request.user, agreement),
        "may_comment": workflow.may_comment(request.user, agreement),
        "steps": steps,
        "events": agreement.events.select_related("actor"),
        "awaiting": workflow.parties_awaiting(agreement),
        "approvals": workflow.current_approvals(agreement),
        "comments": agreement.comments.select_related("party"),
        "amendments": amendments,
        "changes": changes,
        "negotiating": agreement.status in workflow.NEGOTIATING,
        "amendable": agreement.status in proposals.AMENDABLE,
        "contacts": Contact.objects.filter(party__in=workflow.required_parties(agreement)),
        "forms": {
            "transition": forms.TransitionForm(),
            "comment": forms.CommentForm(),
            "approval": forms.ApprovalForm(),
            "amendment": forms.AmendmentForm(),
            "change": forms.TemporaryChangeForm(),
        },
    }
    return render(request, "agreements/workflow.html", context)


def _act(
    request: HttpRequest, name: str, form_class: type, act: Callable[..., Any], done: str
) -> HttpResponse:
    agreement = _agreement(request, name)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    else:
        try:
            act(agreement, form.cleaned_data)
            messages.success(request, done)
        except workflow.TransitionRefused as exc:
            messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("agreements:workflow", args=[agreement.name]))


def _contact(agreement: Agreement, email: str | None) -> Contact | None:
    if not email:
        return None
    contact = workflow.party_contact(agreement, email)
    if contact is None:
        raise workflow.TransitionRefused(f"no contact {email} of a party of {agreement.name}")
    return contact


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if value is not None else None


@login_required
@require_POST
def move(request: HttpRequest, name: str) -> HttpResponse:
    return _act(
        request,
        name,
        forms.TransitionForm,
        lambda a, d: workflow.transition(a, d["to"], by=request.user, reason=d["reason"]),
        "Status changed.",
    )


@login_required
@require_POST
def comment(request: HttpRequest, name: str) -> HttpResponse:
    return _act(
        request,
        name,
        forms.CommentForm,
        lambda a, d: workflow.add_comment(a, by=request.user, body=d["body"], changes=d["changes"]),
        "Comment added.",
    )


@login_required
@require_POST
def adopt(request: HttpRequest, name: str, comment_id: int) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        found = get_object_or_404(Comment, pk=comment_id, agreement=agreement)
        proposals.adopt_counter_proposal(found, by=request.user)

    return _act(request, name, forms.ApprovalForm, run, "Counter-proposal adopted into the draft.")


@login_required
@require_POST
def approve(request: HttpRequest, name: str) -> HttpResponse:
    return _act(
        request,
        name,
        forms.ApprovalForm,
        lambda a, d: workflow.approve(a, by=request.user, contact=_contact(a, d["contact"])),
        "Approval recorded.",
    )


@login_required
@require_POST
def amend(request: HttpRequest, name: str) -> HttpResponse:
    return _act(
        request,
        name,
        forms.AmendmentForm,
        lambda a, d: proposals.propose_amendment(
            a,
            by=request.user,
            changes=d["changes"],
            reason=d["reason"],
            effective_from=_utc(d["effective_from"]),
        ),
        "Amendment proposed.",
    )


@login_required
@require_POST
def approve_amendment(request: HttpRequest, name: str, number: int) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        found = get_object_or_404(Amendment, agreement=agreement, number=number)
        proposals.approve_amendment(
            found, by=request.user, contact=_contact(agreement, data["contact"])
        )

    return _act(request, name, forms.ApprovalForm, run, "Approval of the amendment recorded.")


@login_required
@require_POST
def request_change(request: HttpRequest, name: str) -> HttpResponse:
    return _act(
        request,
        name,
        forms.TemporaryChangeForm,
        lambda a, d: temporary.request_change(
            a,
            by=request.user,
            name=d["name"],
            start=_utc(d["start"]),
            end=_utc(d["end"]),
            reason=d["reason"],
            service_hours=d["service_hours"] or None,
            targets=d["targets"] or {},
        ),
        "Temporary change requested.",
    )


@login_required
@require_POST
def change_decision(request: HttpRequest, name: str, change: str, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404("approve or reject")

    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        found = get_object_or_404(agreement.temporary_changes, name=change)
        if decision == "approve":
            temporary.approve_change(
                found, by=request.user, contact=_contact(agreement, data["contact"])
            )
        else:
            temporary.reject_change(found, by=request.user)

    return _act(request, name, forms.ApprovalForm, run, f"Temporary change: {decision} recorded.")
