"""Which statuses a manifest may set (docs/lifecycle.md, "Manifests and statuses").

- Creating an agreement: any status. Agreements concluded before Accord are imported as
  they stand (the Northwind SLAs arrive `active`); the first event says so.
- Changing the status of an existing agreement: only along steps of the lifecycle that
  a manifest may take (`workflow.TRANSITIONS`, who "manifest"), each step's condition
  holding once the manifest is written: e.g. draft → proposed needs a consumer and a
  target. `proposed → agreed` is never a manifest's: it takes every party's approval.
- A manifest whose status is *behind* the database (proposed while the parties have
  since approved it; active while it has since expired on its date) does not move the
  agreement back: the database keeps its status, and the plan shows no change.
- Review dates: a manifest's `review.next` earlier than the database's does not move the
  date back once a review on or after the manifest's date was held or cancelled (holding
  a review moves `review.next` on; the manifest still names the old date).
- Temporary changes: the same for approvals and dates (requested → approved → active →
  reverted); a manifest behind keeps the database's status and approvers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accord.agreements import workflow
from accord.agreements.models import Agreement, TemporaryChange
from accord.manifests.errors import ManifestError, ManifestInvalid
from accord.manifests.state import Current
from accord.manifests.validate import Desired

S = Agreement.Status
RANK = {
    S.REQUIREMENT: 0,
    S.DRAFT: 1,
    S.PROPOSED: 2,
    S.AGREED: 3,
    S.ACTIVE: 4,
    S.UNDER_REVIEW: 4,
    S.EXPIRED: 5,
    S.SUPERSEDED: 5,
}
T = TemporaryChange.Status
CHANGE_RANK = {T.REQUESTED: 0, T.APPROVED: 1, T.ACTIVE: 2, T.REVERTED: 3, T.REJECTED: 3}


@dataclass(frozen=True)
class Move:
    """A status a manifest sets: on creation (`source` None) or along `steps`."""

    doc: Desired
    source: str | None
    steps: tuple[str, ...]


def reconcile(desired: list[Desired], current: dict[str, Current]) -> list[Move]:
    """Check every status a manifest sets against the lifecycle; raises ManifestInvalid
    naming the file, the agreement and the statuses allowed. Statuses behind the
    database are replaced by the database's in `desired` (see the module docstring)."""
    moves: list[Move] = []
    errors: list[ManifestError] = []
    for doc in desired:
        if doc.kind == "TemporaryChange":
            _keep_later_change_status(doc, current["TemporaryChange"])
        if doc.kind != "Agreement":
            continue
        wanted = doc.spec.get("status") or S.DRAFT
        existing = current["Agreement"].get(doc.name)
        if existing is None:
            moves.append(Move(doc, None, (wanted,)))
            continue
        _keep_later_review_date(doc, existing[1])
        now = existing[1]["status"]
        if wanted == now:
            continue
        if RANK[wanted] < RANK[now]:
            doc.spec["status"] = now  # the manifest is behind: never move back
            continue
        steps = workflow.path(now, wanted, who=workflow.MANIFEST)
        if steps is None:
            errors.append(_refused(doc, now, wanted))
        else:
            moves.append(Move(doc, now, tuple(steps)))
    if errors:
        raise ManifestInvalid(errors)
    return moves


def _refused(doc: Desired, now: str, wanted: str) -> ManifestError:
    allowed = workflow.next_statuses(now, who=workflow.MANIFEST)
    others = [s for s in workflow.next_statuses(now) if s not in allowed]
    message = (
        f"status {wanted}: a manifest cannot move {doc.name} from {now} to {wanted}; "
        f"allowed from {now}: {', '.join(allowed) or 'none'} (or {now} itself)"
    )
    if others:
        message += f"; {', '.join(others)} only through Accord (approvals, dates)"
    return ManifestError(doc.file, doc.line, doc.kind, doc.name, "spec.status", message)


def _keep_later_review_date(doc: Desired, stored: dict[str, Any]) -> None:
    wanted, held = doc.spec.get("review"), stored.get("review")
    if not wanted or not held or not wanted.get("next") or not held.get("next"):
        return
    if wanted["next"] >= held["next"]:
        return
    moved_on = Agreement.objects.filter(
        name=doc.name,
        reviews__status__in=["held", "cancelled"],
        reviews__scheduled_for__gte=wanted["next"],
    ).exists()
    if moved_on:
        doc.spec["review"] = {**wanted, "next": held["next"]}


def _keep_later_change_status(doc: Desired, current: Current) -> None:
    existing = current.get(doc.name)
    if existing is None:
        return
    now = existing[1]["status"]
    wanted = doc.spec.get("status") or T.REQUESTED
    if CHANGE_RANK[wanted] < CHANGE_RANK[now]:
        doc.spec["status"] = now
        doc.spec["approvedBy"] = existing[1]["approvedBy"]


def record(moves: list[Move], *, now: datetime) -> None:
    """After the manifest is written: check each step's condition and write the events.
    Raises ManifestInvalid (the caller's transaction then writes nothing)."""
    errors = []
    for move in moves:
        agreement = Agreement.objects.get(name=move.doc.name)
        where = f"{move.doc.file}"
        if move.source is None:
            workflow.record_creation(
                agreement,
                actor=workflow.MANIFEST,
                reason=f"created as {agreement.status} by {where}",
            )
            continue
        source = move.source
        for step in move.steps:
            why = workflow.refusal(agreement, step, who=workflow.MANIFEST, now=now, source=source)
            if why:
                errors.append(
                    ManifestError(
                        move.doc.file,
                        move.doc.line,
                        "Agreement",
                        move.doc.name,
                        "spec.status",
                        f"status {move.steps[-1]}: {why}",
                    )
                )
                break
            workflow.record_step(
                agreement, source, step, actor=workflow.MANIFEST, reason=f"set by {where}", at=now
            )
            source = step
    if errors:
        raise ManifestInvalid(errors)
