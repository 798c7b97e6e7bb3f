"""State-changing operations and the two lookups everything shares: the version in force
at an instant, and the effective targets of an agreement (multi-level inheritance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from accord.agreements.models import Agreement, AgreementVersion, Target, TemporaryChange


class VersionError(ValueError):
    """A new version cannot start where it was asked to."""


def version_at(agreement: Agreement, instant: datetime) -> AgreementVersion | None:
    """The version in force at `instant`: the latest one started at or before it.

    The first version (effective_from None) is in force from the agreement's beginning.
    """
    return (
        agreement.versions.filter(Q(effective_from__isnull=True) | Q(effective_from__lte=instant))
        .order_by("-number")
        .first()
    )


def current_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.order_by("-number").first()


@dataclass(frozen=True)
class EffectiveTarget:
    """A target as it applies to an agreement, with where it came from."""

    target: Target
    defined_in: Agreement  # the agreement whose version defines it
    overrides: Agreement | None  # the ancestor whose same-named target this one replaces
    inherited: bool  # defined by an ancestor, not by the agreement asked about

    @property
    def name(self) -> str:
        return self.target.name


def effective_targets(agreement: Agreement, instant: datetime) -> list[EffectiveTarget]:
    """The agreement's own targets plus its ancestors', its own overriding by name.

    Each level contributes the targets of its version in force at `instant`. Order: the
    ancestors' targets first (root first), each level in manifest order, an override taking
    the place of the target it replaces.
    """
    chain = _ancestry(agreement)  # root first
    merged: dict[str, EffectiveTarget] = {}
    for level in chain:
        version = version_at(level, instant)
        if version is None:
            continue
        for target in version.targets.select_related("service_hours", "source"):
            previous = merged.get(target.name)
            merged[target.name] = EffectiveTarget(
                target=target,
                defined_in=level,
                overrides=previous.defined_in if previous else None,
                inherited=level.pk != agreement.pk,
            )
    return list(merged.values())


def _ancestry(agreement: Agreement) -> list[Agreement]:
    chain: list[Agreement] = []
    seen: set[int] = set()
    node: Agreement | None = agreement
    while node is not None:
        if node.pk in seen:
            raise ValueError(f"agreement {agreement.name}: parent chain has a cycle")
        seen.add(node.pk)
        chain.append(node)
        node = node.parent
    return chain[::-1]


@transaction.atomic
def create_version(
    agreement: Agreement,
    *,
    terms: Mapping[str, Any],
    targets: Iterable[Mapping[str, Any]],
    effective_from: datetime | None,
    note: str = "",
) -> AgreementVersion:
    """Add a version of the agreement's terms, in force from `effective_from` onwards.

    The earlier versions stay as they were: they keep judging what started before.
    """
    from accord.governance import audit

    with audit.recording():  # the version and its bulk-created targets: one audit entry
        return _create_version(agreement, terms, targets, effective_from, note)


def _create_version(
    agreement: Agreement,
    terms: Mapping[str, Any],
    targets: Iterable[Mapping[str, Any]],
    effective_from: datetime | None,
    note: str,
) -> AgreementVersion:
    latest = current_version(agreement)
    if latest is not None:
        if effective_from is None:
            raise VersionError(f"{agreement.name}: a new version needs a start instant")
        if latest.effective_from is not None and effective_from <= latest.effective_from:
            raise VersionError(
                f"{agreement.name}: a new version must start after version {latest.number} "
                f"(in force from {latest.effective_from.isoformat()}), "
                f"not at {effective_from.isoformat()}"
            )
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=(latest.number + 1) if latest else 1,
        effective_from=effective_from if latest else None,
        note=note,
        **terms,
    )
    Target.objects.bulk_create(
        Target(version=version, position=position, **fields)
        for position, fields in enumerate(targets)
    )
    return version


# What may change on an agreement without a new version: its description. Terms and
# targets change by `create_version`; status by the lifecycle's transitions.
DESCRIPTIVE_FIELDS = frozenset({"title", "description", "review_every", "review_next"})


def update_agreement(agreement: Agreement, *, changes: Mapping[str, Any]) -> Agreement:
    """Change an agreement's descriptive fields; raises ValidationError naming the field."""
    from django.core.exceptions import ValidationError

    unknown = sorted(set(changes) - DESCRIPTIVE_FIELDS)
    if unknown:
        raise ValidationError({unknown[0]: "not a descriptive field of an agreement"})
    for field, value in changes.items():
        setattr(agreement, field, value)
    agreement.full_clean()
    agreement.save(update_fields=[*changes])
    return agreement


@dataclass(frozen=True)
class TemporaryPeriod:
    """A stretch of time that ran under a temporary change (for reports)."""

    name: str
    title: str
    reason: str
    start: datetime  # clipped to the range asked about
    end: datetime
    status: str
    service_hours: str | None
    target_overrides: dict[str, Any]


def temporary_changes_in(
    agreement: Agreement, start: datetime, end: datetime
) -> list[TemporaryPeriod]:
    """The temporary changes in force on the agreement within [start, end), clipped to it,
    in order: those approved (whether waiting, running or reverted since) — the ones the
    evaluation applies. A requested or rejected change never ran."""
    changes = (
        TemporaryChange.objects.filter(
            agreement=agreement,
            status__in=IN_FORCE_CHANGES,
            start__lt=end,
            end__gt=start,
        )
        .select_related("service_hours")
        .order_by("start", "pk")
    )
    return [
        TemporaryPeriod(
            name=c.name,
            title=c.title,
            reason=c.reason,
            start=max(c.start, start),
            end=min(c.end, end),
            status=c.status,
            service_hours=c.service_hours.name if c.service_hours else None,
            target_overrides=dict(c.target_overrides or {}),
        )
        for c in changes
    ]


IN_FORCE_CHANGES = (
    TemporaryChange.Status.APPROVED,
    TemporaryChange.Status.ACTIVE,
    TemporaryChange.Status.REVERTED,
)
