"""The agreement lifecycle: the transition table, transitions, comments and approvals.

    requirement → draft → proposed → agreed → active ⇄ under-review → expired / superseded

`TRANSITIONS` is the one place that says which step exists, who may take it and what
must hold first. Every step writes an immutable `AgreementEvent` (who, when, from, to,
why). Who:

- "driver": a user who may change the agreement (`access.can_change_agreement`:
  managers and admins, owners of it);
- "system": the lifecycle job (dates reached) and the last approval of a proposal;
- "manifest": `accord apply` changing the status of an existing agreement.

Customers and suppliers comment and approve for their own party (see `party_of`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts import access
from accord.accounts.models import Role
from accord.agreements import dates
from accord.agreements.models import Agreement, AgreementEvent, Approval, Comment
from accord.agreements.services import effective_targets
from accord.catalogue.models import Contact, Party
from accord.governance import audit

S = Agreement.Status
DRIVER, SYSTEM, MANIFEST = "driver", "system", "manifest"
NEGOTIATING = (S.REQUIREMENT, S.DRAFT, S.PROPOSED)
IN_FORCE = (S.ACTIVE, S.UNDER_REVIEW)


class TransitionRefused(ValueError):
    """A status change the lifecycle does not allow, with the reason."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    who: frozenset[str]
    # Returns why the step may not be taken now (None: it may), given who asks and when.
    check: Callable[[Agreement, str, datetime], str | None] | None = None
    reason_required: bool = False  # for drivers: ending an agreement needs a why
    meaning: str = ""


def _ready_to_propose(agreement: Agreement, who: str, now: datetime) -> str | None:
    missing = []
    if not agreement.consumers.exists():
        missing.append("a consumer")
    if not effective_targets(agreement, now):
        missing.append("at least one target")
    return f"it needs {' and '.join(missing)}" if missing else None


def _approved(agreement: Agreement, who: str, now: datetime) -> str | None:
    waiting = [p.name for p in parties_awaiting(agreement)]
    return f"still waiting for the approval of {', '.join(waiting)}" if waiting else None


def _effective(agreement: Agreement, who: str, now: datetime) -> str | None:
    start = dates.starts_at(agreement)
    if start is not None and now < start:
        return f"it takes effect on {agreement.effective_from}"
    return None


def _ended(agreement: Agreement, who: str, now: datetime) -> str | None:
    if who != SYSTEM:
        return None  # a driver or a manifest may end an agreement early (with a reason)
    end = dates.ends_at(agreement)
    if end is None or now < end:
        return f"it is in force until {agreement.effective_until or 'further notice'}"
    return None


_ALL = frozenset({DRIVER, MANIFEST})
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.REQUIREMENT, S.DRAFT, _ALL, meaning="start drafting the agreement"),
    Transition(S.DRAFT, S.PROPOSED, _ALL, _ready_to_propose, meaning="propose it to the parties"),
    Transition(S.PROPOSED, S.DRAFT, _ALL, meaning="take it back for rework"),
    Transition(
        S.PROPOSED, S.AGREED, frozenset({DRIVER, SYSTEM}), _approved, meaning="every party agreed"
    ),
    Transition(S.AGREED, S.ACTIVE, _ALL | {SYSTEM}, _effective, meaning="it takes effect"),
    Transition(S.ACTIVE, S.UNDER_REVIEW, _ALL, meaning="open its review"),
    Transition(S.UNDER_REVIEW, S.ACTIVE, _ALL, meaning="close the review; it stays in force"),
    Transition(S.ACTIVE, S.EXPIRED, _ALL | {SYSTEM}, _ended, True, "it ends"),
    Transition(S.UNDER_REVIEW, S.EXPIRED, _ALL | {SYSTEM}, _ended, True, "it ends"),
    Transition(S.AGREED, S.SUPERSEDED, _ALL, None, True, "another agreement replaces it"),
    Transition(S.ACTIVE, S.SUPERSEDED, _ALL, None, True, "another agreement replaces it"),
    Transition(S.UNDER_REVIEW, S.SUPERSEDED, _ALL, None, True, "another agreement replaces it"),
)
_BY_STEP = {(t.source, t.target): t for t in TRANSITIONS}


def next_statuses(status: str, *, who: str | None = None) -> list[str]:
    """The statuses the table allows after `status` (for `who`, if given)."""
    return [t.target for t in TRANSITIONS if t.source == status and (who is None or who in t.who)]


def refusal(
    agreement: Agreement, target: str, *, who: str, now: datetime, source: str | None = None
) -> str | None:
    """Why `who` may not move the agreement from `source` (default: its status) to
    `target` now, or None if it may."""
    source = source or agreement.status
    step = _BY_STEP.get((source, target))
    if step is None:
        allowed = ", ".join(next_statuses(source)) or "none (it is final)"
        return f"{source} → {target} is not a step of the lifecycle (allowed: {allowed})"
    if who not in step.who:
        by = ", ".join(sorted(step.who))
        return f"{source} → {target} is done by {by}, not by {who}"
    why = step.check(agreement, who, now) if step.check else None
    return f"{source} → {target}: {why}" if why else None


def path(source: str, target: str, *, who: str) -> list[str] | None:
    """The shortest run of steps `who` may take from `source` to `target` (the statuses
    after `source`), or None if there is none."""
    frontier: list[list[str]] = [[source]]
    seen = {source}
    while frontier:
        route = frontier.pop(0)
        for step in next_statuses(route[-1], who=who):
            if step == target:
                return [*route[1:], step]
            if step not in seen:
                seen.add(step)
                frontier.append([*route, step])
    return None


def transition(
    agreement: Agreement,
    target: str,
    *,
    by: Any = None,
    who: str | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> AgreementEvent:
    """Move the agreement to `target`. `by`: the user (a driver); without one, `who` says
    which automation asks ("system" or "manifest"). Raises PermissionDenied or
    TransitionRefused."""
    now = now or timezone.now()
    if by is not None:
        access.require(access.can_change_agreement(by, agreement), "changing this agreement")
        who = DRIVER
    if who not in (DRIVER, SYSTEM, MANIFEST):
        raise ValueError("a transition needs a user or who='system'/'manifest'")
    why = refusal(agreement, target, who=who, now=now)
    if why:
        raise TransitionRefused(f"{agreement.name}: {why}")
    if _BY_STEP[(agreement.status, target)].reason_required and who == DRIVER and not reason:
        raise TransitionRefused(f"{agreement.name}: say why it becomes {target}")
    return _move(
        agreement, target, by=by, actor=by.get_username() if by else who, reason=reason, at=now
    )


def _move(
    agreement: Agreement, target: str, *, by: Any, actor: str, reason: str, at: datetime
) -> AgreementEvent:
    with transaction.atomic(), audit.recording():
        source = agreement.status
        agreement.status = target
        agreement.save(update_fields=["status"])
        return AgreementEvent.objects.create(
            agreement=agreement,
            kind=AgreementEvent.Kind.TRANSITION,
            from_status=source,
            to_status=target,
            actor=by,
            actor_name=actor,
            reason=reason,
            at=at,
        )


def record_step(
    agreement: Agreement, source: str, target: str, *, actor: str, reason: str, at: datetime
) -> AgreementEvent:
    """The event of a step whose status another writer (a manifest) has already set."""
    return AgreementEvent.objects.create(
        agreement=agreement,
        kind=AgreementEvent.Kind.TRANSITION,
        from_status=source,
        to_status=target,
        actor_name=actor,
        reason=reason,
        at=at,
    )


def record_creation(agreement: Agreement, *, by: Any = None, actor: str, reason: str = "") -> None:
    """The first event of an agreement: created in its status (by a manifest, the API)."""
    AgreementEvent.objects.create(
        agreement=agreement,
        kind=AgreementEvent.Kind.CREATED,
        to_status=agreement.status,
        actor=by,
        actor_name=actor,
        reason=reason,
        at=timezone.now(),
    )


# --- parties, approvals, comments ---------------------------------------------------


def required_parties(agreement: Agreement) -> list[Party]:
    """Whose approval an agreement needs: the provider and every consumer."""
    parties = [agreement.provider, *agreement.consumers.order_by("name")]
    return list({p.pk: p for p in parties}.values())


def party_contact(agreement: Agreement, email: str) -> Contact | None:
    """The contact of one of the agreement's parties with this e-mail, if any: the named
    person an approval is recorded for."""
    return Contact.objects.filter(
        email__iexact=email, party__in=required_parties(agreement)
    ).first()


def party_of(user: Any, agreement: Agreement) -> Party | None:
    """The party of the agreement a user speaks for (their membership's), or None."""
    if not access.can_view_agreement(user, agreement) or access.role_of(user) == Role.VIEWER:
        return None
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    party_id = membership.party_id if membership else None
    return next((p for p in required_parties(agreement) if p.pk == party_id), None)


def terms_digest(agreement: Agreement) -> str:
    """What an approval of the agreement approves: its parties, services, dates and terms
    (not its status or review dates). Changing any of them voids earlier approvals."""
    from accord.governance.snapshots import snapshot

    spec = snapshot(Agreement, agreement.pk) or {}
    for key in ("status", "review", "title", "description", "version"):
        spec.pop(key, None)
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def current_approvals(agreement: Agreement) -> list[Approval]:
    digest = terms_digest(agreement)
    return list(
        agreement.approvals.filter(
            amendment=None, temporary_change=None, terms_digest=digest
        ).select_related("party")
    )


def parties_awaiting(agreement: Agreement) -> list[Party]:
    approved = {a.party_id for a in current_approvals(agreement)}
    return [p for p in required_parties(agreement) if p.pk not in approved]


def approver(
    agreement: Agreement, *, by: Any, contact: Contact | None
) -> tuple[Party, str, str, Contact | None]:
    """Who approves: `by` for their own party, or a driver recording the approval of a
    named contact of a party (signed elsewhere). Returns (party, name, email, contact)."""
    parties = required_parties(agreement)
    if contact is not None:
        access.require(access.can_change_agreement(by, agreement), "recording approvals")
        if contact.party_id not in {p.pk for p in parties}:
            raise TransitionRefused(
                f"{agreement.name}: {contact.name} speaks for {contact.party.name}, "
                f"which is not a party ({', '.join(p.name for p in parties)})"
            )
        return contact.party, contact.name, contact.email, contact
    party = party_of(by, agreement)
    access.require(party is not None, "approving for a party of this agreement")
    assert party is not None
    return party, by.get_full_name() or by.get_username(), by.email or "", None


def approve(
    agreement: Agreement, *, by: Any, contact: Contact | None = None, now: datetime | None = None
) -> Approval:
    """Approve the proposed agreement for one party; the last approval makes it agreed."""
    now = now or timezone.now()
    if agreement.status != S.PROPOSED:
        raise TransitionRefused(f"{agreement.name}: only a proposed agreement can be approved")
    party, name, email, contact = approver(agreement, by=by, contact=contact)
    with transaction.atomic():
        if party not in parties_awaiting(agreement):
            raise TransitionRefused(f"{agreement.name}: {party.name} has already approved")
        approval = Approval.objects.create(
            agreement=agreement,
            party=party,
            user=None if contact else by,
            contact=contact,
            name=name,
            email=email,
            terms_digest=terms_digest(agreement),
            recorded_by_name=by.get_username(),
            at=now,
        )
        if not parties_awaiting(agreement):
            names = ", ".join(f"{a.name} ({a.party.name})" for a in current_approvals(agreement))
            _move(agreement, S.AGREED, by=by, actor=SYSTEM, reason=f"approved by {names}", at=now)
    return approval


def may_comment(user: Any, agreement: Agreement) -> bool:
    return access.can_change_agreement(user, agreement) or party_of(user, agreement) is not None


def add_comment(
    agreement: Agreement,
    *,
    by: Any,
    body: str,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Comment:
    """A comment; with `changes`, a counter-proposal (only while it is negotiated)."""
    from accord.agreements.proposals import check_changes

    access.require(may_comment(by, agreement), "commenting on this agreement")
    if not body.strip():
        raise TransitionRefused(f"{agreement.name}: a comment needs some text")
    if changes is not None:
        if agreement.status not in NEGOTIATING:
            raise TransitionRefused(
                f"{agreement.name} is {agreement.status}: counter-proposals are for a "
                "requirement, draft or proposal; propose an amendment instead"
            )
        check_changes(agreement, changes)
    return Comment.objects.create(
        agreement=agreement,
        author=by,
        author_name=by.get_username(),
        party=party_of(by, agreement),
        body=body.strip(),
        changes=changes,
        at=now or timezone.now(),
    )
