"""Changes to an agreement's terms: counter-proposals while it is negotiated, amendments
once it is agreed (approved by every party, an amendment becomes a new version).

Changes are structured data in manifest form, checked by the manifest validator:

    {"terms": {"serviceHours": "24x7", "period": "month", "charges": {...}, "creditCap": 20,
               "timezone": "Europe/London"},
     "targets": [{"name": "p1-resolution", "metric": "resolution", "within": "3h", ...}],
     "removeTargets": ["energy-per-order"]}

A target in `targets` replaces the agreement's own target of that name or is added.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts import access
from accord.agreements import workflow
from accord.agreements.models import Agreement, AgreementEvent, Amendment, Approval, Comment
from accord.agreements.services import create_version, current_version
from accord.catalogue.models import Contact
from accord.governance import audit

TERMS = ("serviceHours", "timezone", "period", "charges", "creditCap")
KEYS = ("terms", "targets", "removeTargets")


class ChangesInvalid(workflow.TransitionRefused):
    """Proposed changes that do not make a valid agreement; the message lists each problem."""


def proposed_spec(agreement: Agreement, changes: dict[str, Any]) -> dict[str, Any]:
    """The agreement as it would be with `changes`, normalised like a manifest's spec."""
    from accord.manifests import export, state
    from accord.manifests.apply import _existing
    from accord.manifests.errors import ManifestInvalid
    from accord.manifests.loader import Document
    from accord.manifests.validate import validate_documents

    current = state.read_all()
    title, spec = current["Agreement"][agreement.name]
    raw = export._agreement(spec)
    raw = _patched(agreement, raw, changes)
    where = f"changes proposed to {agreement.name}"
    doc = Document("Agreement", agreement.name, title, raw, where, 1, {"spec": 1})
    try:
        (desired,) = validate_documents([doc], existing=_existing(current))
    except ManifestInvalid as exc:
        problems = "; ".join(f"{e.path or 'spec'}: {e.message}" for e in exc.errors)
        raise ChangesInvalid(f"{where}: {problems}") from None
    return desired.spec


def _patched(agreement: Agreement, raw: dict[str, Any], changes: Any) -> dict[str, Any]:
    where = f"changes proposed to {agreement.name}"
    if not isinstance(changes, dict) or not changes or set(changes) - set(KEYS):
        raise ChangesInvalid(f"{where}: expected an object with some of {', '.join(KEYS)}")
    terms = changes.get("terms") or {}
    unknown = set(terms) - set(TERMS) if isinstance(terms, dict) else {"terms"}
    if unknown:
        raise ChangesInvalid(f"{where}: terms may set {', '.join(TERMS)}, not {sorted(unknown)}")
    raw = raw | terms
    targets = {t["name"]: t for t in raw.get("targets") or []}
    for name in changes.get("removeTargets") or []:
        if targets.pop(name, None) is None:
            raise ChangesInvalid(f"{where}: removeTargets: {agreement.name} has no target {name!r}")
    for target in changes.get("targets") or []:
        if not isinstance(target, dict) or not isinstance(target.get("name"), str):
            raise ChangesInvalid(f"{where}: targets: each target needs a name")
        targets[target["name"]] = target
    raw["targets"] = list(targets.values())
    return raw


def check_changes(agreement: Agreement, changes: dict[str, Any]) -> None:
    proposed_spec(agreement, changes)


def _version_args(spec: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from accord.manifests import writers

    names = writers.Names()
    targets = [writers.target_fields(t, names) for t in spec.get("targets") or []]
    return writers.version_fields(spec, names), targets


def adopt_counter_proposal(comment: Comment, *, by: Any, now: datetime | None = None) -> None:
    """Write a counter-proposal's changes into the agreement being negotiated. Its terms
    are not in force yet, so the current version is rewritten in place; approvals given
    to the earlier terms lapse (they approved another digest)."""
    agreement = comment.agreement
    access.require(access.can_change_agreement(by, agreement), "changing this agreement")
    if comment.changes is None or comment.adopted_at is not None:
        raise workflow.TransitionRefused("only a counter-proposal not yet adopted can be adopted")
    if agreement.status not in workflow.NEGOTIATING:
        raise workflow.TransitionRefused(f"{agreement.name} is {agreement.status}, not negotiated")
    spec = proposed_spec(agreement, comment.changes)
    terms, targets = _version_args(spec)
    now = now or timezone.now()
    with transaction.atomic(), audit.recording():
        version = current_version(agreement)
        if version is None:
            create_version(agreement, terms=terms, targets=targets, effective_from=None)
        else:
            for field, value in terms.items():
                setattr(version, field, value)
            version.save()
            version.targets.all().delete()
            for position, fields in enumerate(targets):
                version.targets.create(position=position, **fields)
        comment.adopted_at = now
        comment.save(update_fields=["adopted_at"])
        _event(agreement, by, f"counter-proposal of {comment.author_name} adopted", now)


def _event(agreement: Agreement, by: Any, reason: str, at: datetime) -> None:
    AgreementEvent.objects.create(
        agreement=agreement,
        kind=AgreementEvent.Kind.AMENDMENT,
        from_status=agreement.status,
        to_status=agreement.status,
        actor=by,
        actor_name=by.get_username() if by else workflow.SYSTEM,
        reason=reason,
        at=at,
    )


# --- amendments of an agreement in force ------------------------------------------------

AMENDABLE = (Agreement.Status.AGREED, Agreement.Status.ACTIVE, Agreement.Status.UNDER_REVIEW)


def propose_amendment(
    agreement: Agreement,
    *,
    by: Any,
    changes: dict[str, Any],
    reason: str,
    effective_from: datetime,
    now: datetime | None = None,
) -> Amendment:
    access.require(access.can_change_agreement(by, agreement), "amending this agreement")
    if agreement.status not in AMENDABLE:
        raise workflow.TransitionRefused(
            f"{agreement.name} is {agreement.status}: amendments are for agreements agreed or "
            "in force; while it is negotiated, comment with a counter-proposal"
        )
    if not reason.strip():
        raise workflow.TransitionRefused(f"{agreement.name}: an amendment needs a reason")
    latest = current_version(agreement)
    if latest is not None and latest.effective_from and effective_from <= latest.effective_from:
        raise workflow.TransitionRefused(
            f"{agreement.name}: the amendment must take effect after version {latest.number} "
            f"(from {latest.effective_from.isoformat()})"
        )
    check_changes(agreement, changes)
    number = (
        agreement.amendments.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    return Amendment.objects.create(
        agreement=agreement,
        number=number,
        changes=changes,
        reason=reason.strip(),
        effective_from=effective_from,
        proposed_by=by,
        proposed_by_name=by.get_username(),
        at=now or timezone.now(),
    )


def amendment_awaiting(amendment: Amendment) -> list[Any]:
    approved = set(amendment.approvals.values_list("party_id", flat=True))
    return [p for p in workflow.required_parties(amendment.agreement) if p.pk not in approved]


def approve_amendment(
    amendment: Amendment, *, by: Any, contact: Contact | None = None, now: datetime | None = None
) -> Approval:
    """One party's approval; the last one makes the amendment a new version, in force from
    its date or from now if that has passed (history is never re-judged silently)."""
    agreement = amendment.agreement
    now = now or timezone.now()
    if amendment.status != Amendment.Status.PROPOSED:
        raise workflow.TransitionRefused(f"{amendment} is {amendment.status}")
    party, name, email, contact = workflow.approver(agreement, by=by, contact=contact)
    with transaction.atomic(), audit.recording():
        if party not in amendment_awaiting(amendment):
            raise workflow.TransitionRefused(f"{amendment}: {party.name} has already approved")
        approval = Approval.objects.create(
            agreement=agreement,
            amendment=amendment,
            party=party,
            user=None if contact else by,
            contact=contact,
            name=name,
            email=email,
            recorded_by_name=by.get_username(),
            at=now,
        )
        if not amendment_awaiting(amendment):
            _apply(amendment, by=by, now=now)
    return approval


def _apply(amendment: Amendment, *, by: Any, now: datetime) -> None:
    spec = proposed_spec(amendment.agreement, amendment.changes)
    terms, targets = _version_args(spec)
    start = max(amendment.effective_from, now)
    version = create_version(
        amendment.agreement,
        terms=terms,
        targets=targets,
        effective_from=start,
        note=f"amendment {amendment.number}: {amendment.reason}"[:200],
    )
    amendment.status, amendment.version, amendment.decided_at = (
        Amendment.Status.APPLIED,
        version,
        now,
    )
    amendment.save(update_fields=["status", "version", "decided_at"])
    _event(
        amendment.agreement,
        by,
        f"amendment {amendment.number} approved by every party: version {version.number} "
        f"from {start.isoformat()}",
        now,
    )


def close_amendment(
    amendment: Amendment, *, by: Any, status: str, now: datetime | None = None
) -> None:
    """Reject (a party's member) or withdraw (a driver) a proposed amendment."""
    agreement = amendment.agreement
    if status == Amendment.Status.WITHDRAWN:
        access.require(access.can_change_agreement(by, agreement), "withdrawing the amendment")
    elif status == Amendment.Status.REJECTED:
        access.require(workflow.may_comment(by, agreement), "rejecting the amendment")
    else:
        raise ValueError(status)
    if amendment.status != Amendment.Status.PROPOSED:
        raise workflow.TransitionRefused(f"{amendment} is {amendment.status}")
    amendment.status, amendment.decided_at = status, now or timezone.now()
    amendment.save(update_fields=["status", "decided_at"])
