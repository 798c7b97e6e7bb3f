"""Temporary changes: requested, approved by every party of the agreement, in force
exactly within their dates (the evaluation applies approved, active and reverted ones),
activated and reverted by the lifecycle job, consumers told by alert events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts import access
from accord.agreements import workflow
from accord.agreements.models import Agreement, Approval, TemporaryChange
from accord.catalogue.models import Contact
from accord.governance import audit

T = TemporaryChange.Status
ALERT_KIND = "temporary-change"


def request_change(
    agreement: Agreement,
    *,
    by: Any,
    name: str,
    start: datetime,
    end: datetime,
    reason: str,
    service_hours: str | None = None,
    targets: dict[str, Any] | None = None,
) -> TemporaryChange:
    """Ask for a temporary change (a driver, or a member of one of the parties).
    `targets`: target name → {within: "2h", objective: 99}, checked like a manifest's."""
    from accord.manifests import writers

    access.require(workflow.may_comment(by, agreement), "requesting a temporary change")
    spec = _checked(agreement, name, start, end, reason, service_hours, targets or {})
    names = writers.Names()
    with transaction.atomic(), audit.recording():
        return TemporaryChange.objects.create(
            name=name,
            agreement=agreement,
            start=spec["from"],
            end=spec["until"],
            reason=spec["reason"],
            service_hours=names.calendar(spec["serviceHours"]),
            target_overrides=spec["targets"],
            status=T.REQUESTED,
        )


def _checked(
    agreement: Agreement,
    name: str,
    start: datetime,
    end: datetime,
    reason: str,
    service_hours: str | None,
    targets: dict[str, Any],
) -> dict[str, Any]:
    from accord.manifests import state
    from accord.manifests.apply import _existing
    from accord.manifests.errors import ManifestInvalid
    from accord.manifests.loader import Document
    from accord.manifests.validate import validate_documents

    raw: dict[str, Any] = {"agreement": agreement.name, "from": start, "until": end}
    raw |= {"reason": reason, "targets": targets}
    if service_hours:
        raw["serviceHours"] = service_hours
    where = f"temporary change {name}"
    doc = Document("TemporaryChange", name, "", raw, where, 1, {"spec": 1})
    current = state.read_all()
    if name in current["TemporaryChange"]:
        raise workflow.TransitionRefused(f"{where}: the name is taken")
    try:
        (desired,) = validate_documents([doc], existing=_existing(current))
    except ManifestInvalid as exc:
        problems = "; ".join(f"{e.path or 'spec'}: {e.message}" for e in exc.errors)
        raise workflow.TransitionRefused(f"{where}: {problems}") from None
    return desired.spec


def awaiting(change: TemporaryChange) -> list[Any]:
    approved = set(change.approvals.values_list("party_id", flat=True))
    return [p for p in workflow.required_parties(change.agreement) if p.pk not in approved]


def approve_change(
    change: TemporaryChange, *, by: Any, contact: Contact | None = None, now: datetime | None = None
) -> Approval:
    """One party's approval; with every party's, the change is approved (and consumers
    are told). A change whose end has passed can no longer be approved."""
    now = now or timezone.now()
    agreement = change.agreement
    if change.status != T.REQUESTED:
        raise workflow.TransitionRefused(f"temporary change {change.name} is {change.status}")
    if change.end <= now:
        raise workflow.TransitionRefused(f"temporary change {change.name} ended on {change.end}")
    party, name, email, contact = workflow.approver(agreement, by=by, contact=contact)
    with transaction.atomic(), audit.recording():
        if party not in awaiting(change):
            raise workflow.TransitionRefused(f"{change.name}: {party.name} has already approved")
        approval = Approval.objects.create(
            agreement=agreement,
            temporary_change=change,
            party=party,
            user=None if contact else by,
            contact=contact,
            name=name,
            email=email,
            recorded_by_name=by.get_username(),
            at=now,
        )
        if email and email not in change.approved_by:
            change.approved_by = [*change.approved_by, email]
        if not awaiting(change):
            change.status = T.APPROVED
        change.save(update_fields=["approved_by", "status"])
        if change.status == T.APPROVED:
            notify(change, "approved", now)
    return approval


def reject_change(change: TemporaryChange, *, by: Any, now: datetime | None = None) -> None:
    """Refuse a requested change, or call off an approved one before it starts."""
    now = now or timezone.now()
    access.require(workflow.may_comment(by, change.agreement), "rejecting the change")
    not_started = change.status == T.APPROVED and now < change.start
    if change.status != T.REQUESTED and not not_started:
        raise workflow.TransitionRefused(
            f"temporary change {change.name} is {change.status}: only a requested change, or "
            "an approved one that has not started, can be rejected"
        )
    was = change.status
    with transaction.atomic(), audit.recording():
        change.status = T.REJECTED
        change.save(update_fields=["status"])
        if was == T.APPROVED:
            notify(change, "called off", now)


def step_changes(now: datetime) -> dict[str, int]:
    """Activate approved changes whose start has come; revert those whose end has."""
    counts = {"activated": 0, "reverted": 0}
    due = TemporaryChange.objects.filter(status__in=(T.APPROVED, T.ACTIVE), start__lte=now)
    for change in due.select_related("agreement").order_by("start", "pk"):
        target = T.REVERTED if change.end <= now else T.ACTIVE
        if target == change.status:
            continue
        with transaction.atomic(), audit.recording():
            change.status = target
            change.save(update_fields=["status"])
            notify(change, "in force" if target == T.ACTIVE else "reverted", now)
        counts["activated" if target == T.ACTIVE else "reverted"] += 1
    return counts


def notify(change: TemporaryChange, what: str, now: datetime) -> None:
    """An alert event for the agreement (channels deliver it to its consumers), once."""
    from accord.alerts.rules import AlertDraft
    from accord.alerts.services import record_alerts

    overrides = ", ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in (o or {}).items() if v is not None)
        for name, o in change.target_overrides.items()
    )
    hours = f"service hours {change.service_hours.name}" if change.service_hours else ""
    terms = "; ".join(part for part in (hours, overrides) if part) or "no change of terms"
    message = (
        f"Temporary change {change.name} on {change.agreement.name} {what}: {change.reason} "
        f"({change.start.isoformat()} – {change.end.isoformat()}; {terms})"
    )
    record_alerts(
        [
            AlertDraft(
                kind=ALERT_KIND,
                severity="info",
                dedupe_key=f"temporary-change:{change.name}:{what}",
                agreement=change.agreement.name,
                target="",
                message=message,
                occurred_at=now,
                figures={
                    "change": change.name,
                    "what": what,
                    "from": change.start.isoformat(),
                    "until": change.end.isoformat(),
                },
                period_start=change.start,
                period_end=change.end,
                agreement_id=change.agreement_id,
            )
        ]
    )
