"""`accord apply`: validate everything, plan, then write it all in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accord.agreements.services import VersionError
from accord.catalogue.models import Dependency
from accord.governance import audit
from accord.manifests import state, statuses, writers
from accord.manifests.errors import ManifestError, ManifestInvalid
from accord.manifests.loader import load_paths
from accord.manifests.plan import Change, Plan, make_plan
from accord.manifests.validate import Desired, Existing, validate_documents


def apply_paths(
    paths: Sequence[str | Path],
    *,
    effective_from: datetime,
    dry_run: bool = False,
    prune: bool = False,
) -> Plan:
    """Load, validate and apply manifests; nothing is written unless everything is valid.

    `effective_from` is when a changed agreement's new version comes into force.
    Raises ManifestInvalid listing every problem found.
    """
    documents = load_paths(paths)
    with transaction.atomic():
        current = state.read_all()
        desired = validate_documents(documents, existing=_existing(current))
        _check_names_unique_across_subjects(desired, current)
        moves = statuses.reconcile(desired, current)  # statuses the lifecycle allows
        plan = make_plan(desired, current, prune=prune)
        if not dry_run:
            with audit.acting_as(name="manifest"), audit.recording():
                _touch(plan)
                _execute(plan, desired, effective_from)
                statuses.record(moves, now=timezone.now())
    return plan


def _touch(plan: Plan) -> None:
    """Snapshot what the plan changes before writing: the audit trail's `before`, also for
    rows written in bulk (contacts, dependencies, targets), which send no signals."""
    for change in plan.changes:
        if change.action in {"update", "delete"}:
            obj = writers.MODELS[change.kind].objects.filter(name=change.name).first()
            if obj is not None:
                audit.touch(obj)


def _existing(current: dict[str, state.Current]) -> Existing:
    agreements = current["Agreement"]
    subjects = current["Component"] | current["Service"]
    return Existing(
        names={kind: frozenset(objects) for kind, objects in current.items()},
        depends_on={n: tuple(tuple(g) for g in s["depends_on"]) for n, (_, s) in subjects.items()},
        parents={name: spec.get("parent") for name, (_, spec) in agreements.items()},
        targets={
            name: frozenset(t["name"] for t in spec.get("targets", []))
            for name, (_, spec) in agreements.items()
        },
    )


def _check_names_unique_across_subjects(
    desired: list[Desired], current: dict[str, state.Current]
) -> None:
    """Services and components are named by bare names everywhere, so one name, one subject."""
    kinds: dict[str, str] = {}
    for kind in ("Component", "Service"):
        for name in current[kind]:
            kinds[name] = kind
    errors = []
    for doc in desired:
        if doc.kind in {"Component", "Service"}:
            other = kinds.get(doc.name)
            if other and other != doc.kind:
                errors.append(
                    ManifestError(
                        doc.file,
                        doc.line,
                        doc.kind,
                        doc.name,
                        "metadata.name",
                        f'a {other} is already named "{doc.name}"; services and '
                        "components share one name space",
                    )
                )
            kinds.setdefault(doc.name, doc.kind)
    if errors:
        raise ManifestInvalid(errors)


def _execute(plan: Plan, desired: list[Desired], effective_from: datetime) -> None:
    by_key = {(d.kind, d.name): d for d in desired}
    writes = [c for c in plan.changes if c.action in {"create", "update"}]
    names = writers.Names(effective_from)
    for kind in state.KINDS:
        for change in (c for c in writes if c.kind == kind):
            doc = by_key[(kind, change.name)]
            try:
                writers.WRITERS[kind](doc.name, doc.title, doc.spec, names)
            except VersionError as exc:  # a calendar's hours changed before its last change
                raise ManifestInvalid(
                    [ManifestError(doc.file, doc.line, doc.kind, doc.name, None, str(exc))]
                ) from None
        names.refresh()
        if kind == "Service":  # every subject exists now: dependencies can point anywhere
            _link_subjects(writes, by_key, names)
        if kind == "Agreement":
            _link_agreements(writes, by_key, names, effective_from)
    _delete(plan.by_action("delete"))


def _link_subjects(
    writes: list[Change], by_key: dict[tuple[str, str], Desired], names: writers.Names
) -> None:
    for change in writes:
        if change.kind in {"Component", "Service"}:
            doc = by_key[(change.kind, change.name)]
            writers.link_subject(doc.name, doc.spec, names)


def _link_agreements(
    writes: list[Change],
    by_key: dict[tuple[str, str], Desired],
    names: writers.Names,
    effective_from: datetime,
) -> None:
    for change in writes:
        if change.kind == "Agreement":
            doc = by_key[("Agreement", change.name)]
            try:
                writers.link_agreement(
                    doc.name,
                    doc.spec,
                    names,
                    new_version=change.new_version,
                    effective_from=effective_from,
                )
            except VersionError as exc:
                raise ManifestInvalid(
                    [ManifestError(doc.file, doc.line, doc.kind, doc.name, None, str(exc))]
                ) from None


def _delete(changes: list[Change]) -> None:
    """Delete kind by kind (the plan lists dependents first); a whole kind goes at once so
    objects that only protect each other (a parent and its children) can all go."""
    by_kind: dict[str, list[str]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change.name)
    for kind, names in by_kind.items():
        doomed = writers.MODELS[kind].objects.filter(name__in=names)
        if kind == "Agreement":
            doomed.update(parent=None)
        if kind in {"Component", "Service"}:
            Dependency.objects.filter(subject__in=doomed).delete()
        try:
            doomed.delete()
        except ProtectedError as exc:
            users = sorted({str(obj) for obj in exc.protected_objects})[:5]
            raise ManifestInvalid(
                [
                    ManifestError(
                        "--prune",
                        None,
                        kind,
                        ", ".join(names),
                        None,
                        f"cannot delete: still used by {', '.join(users)}",
                    )
                ]
            ) from None
