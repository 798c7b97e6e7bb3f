"""The agreement lifecycle under /api/v1/agreements/{name}/…: transitions, comments,
approvals, amendments and temporary changes. Thin: every rule is in workflow, proposals
and temporary; a refused step is 409 with the reason, a forbidden one 403."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accord.accounts import access
from accord.agreements import proposals, temporary, workflow
from accord.agreements.models import Agreement, AgreementEvent, Amendment, Approval, Comment
from accord.catalogue.models import Contact

router = Router(tags=["lifecycle"])


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor: str
    reason: str
    at: datetime


class StepOut(Schema):
    to: str
    meaning: str
    refused: str | None  # why the caller may not take it now; None: allowed


class LifecycleOut(Schema):
    agreement: str
    status: str
    steps: list[StepOut]
    awaiting_approval: list[str]
    events: list[EventOut]


class TransitionIn(Schema):
    to: str
    reason: str = ""


class CommentIn(Schema):
    body: str
    changes: dict[str, Any] | None = None


class CommentOut(Schema):
    id: int
    author: str
    party: str | None
    body: str
    changes: dict[str, Any] | None
    adopted_at: datetime | None
    at: datetime


class ApprovalIn(Schema):
    contact_email: str | None = None  # a driver records a named contact's approval


class ApprovalOut(Schema):
    party: str
    name: str
    email: str
    recorded_by: str
    at: datetime


class AmendmentIn(Schema):
    changes: dict[str, Any]
    reason: str
    effective_from: datetime


class AmendmentOut(Schema):
    number: int
    status: str
    reason: str
    changes: dict[str, Any]
    effective_from: datetime
    proposed_by: str
    version: int | None
    awaiting_approval: list[str]


class TemporaryChangeIn(Schema):
    name: str
    start: datetime
    end: datetime
    reason: str
    service_hours: str | None = None
    targets: dict[str, dict[str, Any]] = {}


class TemporaryChangeOut(Schema):
    name: str
    status: str
    start: datetime
    end: datetime
    reason: str
    service_hours: str | None
    targets: dict[str, Any]
    approved_by: list[str]
    awaiting_approval: list[str]


def _agreement(request: HttpRequest, name: str) -> Agreement:
    # An agreement the user may not see is 404, as in the rest of /agreements.
    return get_object_or_404(access.visible_agreements(request.user), name=name)


def _event(e: AgreementEvent) -> EventOut:
    return EventOut(
        kind=e.kind,
        from_status=e.from_status,
        to_status=e.to_status,
        actor=e.actor_name,
        reason=e.reason,
        at=e.at,
    )


def _approval(a: Approval) -> ApprovalOut:
    return ApprovalOut(
        party=a.party.name, name=a.name, email=a.email, recorded_by=a.recorded_by_name, at=a.at
    )


def _contact(agreement: Agreement, email: str | None) -> Contact | None:
    if not email:
        return None
    contact = workflow.party_contact(agreement, email)
    if contact is None:
        raise HttpError(422, f"no contact {email} of a party of {agreement.name}")
    return contact


@router.get("/{name}/transitions", response=LifecycleOut, summary="Status, next steps, history")
def lifecycle(request: HttpRequest, name: str) -> LifecycleOut:
    agreement = _agreement(request, name)
    now = timezone.now()
    driver = access.can_change_agreement(request.user, agreement)
    steps = [
        StepOut(
            to=t.target,
            meaning=t.meaning,
            refused=(
                workflow.refusal(agreement, t.target, who=workflow.DRIVER, now=now)
                if driver
                else "your role does not allow changing this agreement"
            ),
        )
        for t in workflow.TRANSITIONS
        if t.source == agreement.status and workflow.DRIVER in t.who
    ]
    return LifecycleOut(
        agreement=agreement.name,
        status=agreement.status,
        steps=steps,
        awaiting_approval=[p.name for p in workflow.parties_awaiting(agreement)]
        if agreement.status == Agreement.Status.PROPOSED
        else [],
        events=[_event(e) for e in agreement.events.all()],
    )


@router.post("/{name}/transitions", response={201: EventOut}, summary="Move to another status")
def move(request: HttpRequest, name: str, body: TransitionIn) -> Status:
    agreement = _agreement(request, name)
    event = workflow.transition(agreement, body.to, by=request.user, reason=body.reason)
    return Status(201, _event(event))


def _comment(c: Comment) -> CommentOut:
    return CommentOut(
        id=c.pk,
        author=c.author_name,
        party=c.party.name if c.party else None,
        body=c.body,
        changes=c.changes,
        adopted_at=c.adopted_at,
        at=c.at,
    )


@router.get("/{name}/comments", response=list[CommentOut], summary="Comments and counter-proposals")
def comments(request: HttpRequest, name: str) -> list[CommentOut]:
    agreement = _agreement(request, name)
    return [_comment(c) for c in agreement.comments.select_related("party")]


@router.post("/{name}/comments", response={201: CommentOut}, summary="Comment or counter-propose")
def comment(request: HttpRequest, name: str, body: CommentIn) -> Status:
    agreement = _agreement(request, name)
    made = workflow.add_comment(agreement, by=request.user, body=body.body, changes=body.changes)
    return Status(201, _comment(made))


@router.post(
    "/{name}/comments/{comment_id}/adopt", response=CommentOut, summary="Adopt a counter-proposal"
)
def adopt(request: HttpRequest, name: str, comment_id: int) -> CommentOut:
    agreement = _agreement(request, name)
    found = get_object_or_404(Comment, pk=comment_id, agreement=agreement)
    proposals.adopt_counter_proposal(found, by=request.user)
    return _comment(found)


@router.get(
    "/{name}/approvals", response=list[ApprovalOut], summary="Approvals of the current terms"
)
def approvals(request: HttpRequest, name: str) -> list[ApprovalOut]:
    return [_approval(a) for a in workflow.current_approvals(_agreement(request, name))]


@router.post("/{name}/approvals", response={201: ApprovalOut}, summary="Approve the proposal")
def approve(request: HttpRequest, name: str, body: ApprovalIn) -> Status:
    agreement = _agreement(request, name)
    made = workflow.approve(
        agreement, by=request.user, contact=_contact(agreement, body.contact_email)
    )
    return Status(201, _approval(made))


def _amendment(a: Amendment) -> AmendmentOut:
    return AmendmentOut(
        number=a.number,
        status=a.status,
        reason=a.reason,
        changes=a.changes,
        effective_from=a.effective_from,
        proposed_by=a.proposed_by_name,
        version=a.version.number if a.version else None,
        awaiting_approval=[p.name for p in proposals.amendment_awaiting(a)]
        if a.status == Amendment.Status.PROPOSED
        else [],
    )


@router.get("/{name}/amendments", response=list[AmendmentOut], summary="Amendments")
def amendments(request: HttpRequest, name: str) -> list[AmendmentOut]:
    agreement = _agreement(request, name)
    return [_amendment(a) for a in agreement.amendments.select_related("version")]


@router.post("/{name}/amendments", response={201: AmendmentOut}, summary="Propose an amendment")
def amend(request: HttpRequest, name: str, body: AmendmentIn) -> Status:
    agreement = _agreement(request, name)
    made = proposals.propose_amendment(
        agreement,
        by=request.user,
        changes=body.changes,
        reason=body.reason,
        effective_from=body.effective_from,
    )
    return Status(201, _amendment(made))


@router.post(
    "/{name}/amendments/{number}/approvals",
    response={201: AmendmentOut},
    summary="Approve an amendment",
)
def approve_amendment(request: HttpRequest, name: str, number: int, body: ApprovalIn) -> Status:
    agreement = _agreement(request, name)
    found = get_object_or_404(Amendment, agreement=agreement, number=number)
    proposals.approve_amendment(
        found, by=request.user, contact=_contact(agreement, body.contact_email)
    )
    found.refresh_from_db()
    return Status(201, _amendment(found))


@router.post(
    "/{name}/amendments/{number}/{decision}",
    response=AmendmentOut,
    summary="Reject or withdraw an amendment",
)
def close_amendment(request: HttpRequest, name: str, number: int, decision: str) -> AmendmentOut:
    agreement = _agreement(request, name)
    found = get_object_or_404(Amendment, agreement=agreement, number=number)
    status = {"reject": Amendment.Status.REJECTED, "withdraw": Amendment.Status.WITHDRAWN}.get(
        decision
    )
    if status is None:
        raise HttpError(404, "use /reject or /withdraw")
    proposals.close_amendment(found, by=request.user, status=status)
    return _amendment(found)


def _change(c: Any) -> TemporaryChangeOut:
    return TemporaryChangeOut(
        name=c.name,
        status=c.status,
        start=c.start,
        end=c.end,
        reason=c.reason,
        service_hours=c.service_hours.name if c.service_hours else None,
        targets=c.target_overrides,
        approved_by=c.approved_by,
        awaiting_approval=[p.name for p in temporary.awaiting(c)]
        if c.status == temporary.T.REQUESTED
        else [],
    )


@router.get(
    "/{name}/temporary-changes", response=list[TemporaryChangeOut], summary="Temporary changes"
)
def changes(request: HttpRequest, name: str) -> list[TemporaryChangeOut]:
    agreement = _agreement(request, name)
    return [
        _change(c)
        for c in agreement.temporary_changes.select_related("service_hours").order_by("start")
    ]


@router.post(
    "/{name}/temporary-changes",
    response={201: TemporaryChangeOut},
    summary="Request a temporary change",
)
def request_change(request: HttpRequest, name: str, body: TemporaryChangeIn) -> Status:
    agreement = _agreement(request, name)
    made = temporary.request_change(
        agreement,
        by=request.user,
        name=body.name,
        start=body.start,
        end=body.end,
        reason=body.reason,
        service_hours=body.service_hours,
        targets=body.targets,
    )
    return Status(201, _change(made))


@router.post(
    "/{name}/temporary-changes/{change}/approvals",
    response={201: TemporaryChangeOut},
    summary="Approve a temporary change",
)
def approve_change(request: HttpRequest, name: str, change: str, body: ApprovalIn) -> Status:
    agreement = _agreement(request, name)
    found = get_object_or_404(agreement.temporary_changes, name=change)
    temporary.approve_change(
        found, by=request.user, contact=_contact(agreement, body.contact_email)
    )
    return Status(201, _change(found))


@router.post(
    "/{name}/temporary-changes/{change}/reject",
    response=TemporaryChangeOut,
    summary="Reject or call off a temporary change",
)
def reject_change(request: HttpRequest, name: str, change: str) -> TemporaryChangeOut:
    agreement = _agreement(request, name)
    found = get_object_or_404(agreement.temporary_changes, name=change)
    temporary.reject_change(found, by=request.user)
    return _change(found)
