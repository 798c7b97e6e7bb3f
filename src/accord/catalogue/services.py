"""Changing the catalogue one object at a time (the API and the UI). Manifests
(`accord apply`) write the same tables in bulk; an object created here and absent from
the manifests is deleted by `accord apply --prune`.

Every function validates the whole object before writing (Django's `full_clean`), so a
bad value raises `ValidationError` naming the field, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.catalogue.models import Dependency, Party, Subject
from accord.governance import audit

PARTY_FIELDS = frozenset({"title", "role", "timezone"})
SUBJECT_FIELDS = frozenset({"title", "description", "party", "status", "criticality"})


def create_party(*, name: str, role: str, title: str = "", timezone: str = "") -> Party:
    party = Party(name=name, role=role, title=title, timezone=timezone)
    _save(party)
    return party


def update_party(party: Party, *, changes: Mapping[str, Any]) -> Party:
    _assign(party, changes, PARTY_FIELDS)
    _save(party)
    return party


def delete_party(party: Party) -> None:
    """Raises ProtectedError while agreements, services or tickets refer to it."""
    party.delete()


@transaction.atomic
def create_subject(
    *,
    kind: str,
    name: str,
    changes: Mapping[str, Any],
    depends_on: Sequence[Sequence[str]] = (),
) -> Subject:
    """A service or component; `depends_on` as in manifests: groups of names, one name =
    required, several = anyOf."""
    with audit.recording():  # one audit entry, its dependencies included
        subject = Subject(kind=kind, name=name)
        _assign(subject, changes, SUBJECT_FIELDS)
        _save(subject)
        set_dependencies(subject, depends_on)
    return subject


@transaction.atomic
def update_subject(
    subject: Subject,
    *,
    changes: Mapping[str, Any],
    depends_on: Sequence[Sequence[str]] | None = None,
) -> Subject:
    """`depends_on` None leaves the dependencies as they are; a list replaces them."""
    with audit.recording():
        _assign(subject, changes, SUBJECT_FIELDS)
        _save(subject)
        if depends_on is not None:
            set_dependencies(subject, depends_on)
    return subject


def delete_subject(subject: Subject) -> None:
    """Raises ProtectedError while it is a dependency of another, or has measurements."""
    subject.delete()


def set_dependencies(subject: Subject, groups: Sequence[Sequence[str]]) -> None:
    """Replace the subject's `dependsOn` with `groups` of subject names."""
    names = {name for group in groups for name in group}
    found = {s.name: s for s in Subject.objects.filter(name__in=names)}
    missing = sorted(names - set(found))
    if missing:
        raise ValidationError({"depends_on": f"no service or component named {missing[0]!r}"})
    if subject.name in names:
        raise ValidationError({"depends_on": f"{subject.name} cannot depend on itself"})
    if len(names) != sum(len(group) for group in groups):
        raise ValidationError({"depends_on": "a name appears twice"})
    if _reaches(found.values(), subject):
        raise ValidationError({"depends_on": f"{subject.name} would depend on itself (a cycle)"})
    Dependency.objects.filter(subject=subject).delete()
    Dependency.objects.bulk_create(
        Dependency(subject=subject, group=number, member=found[name])
        for number, group in enumerate(groups)
        for name in group
    )


def _reaches(starts: Iterable[Subject], goal: Subject) -> bool:
    """Whether `goal` is among the (transitive) dependencies of `starts`."""
    seen: set[int] = set()
    frontier = {s.pk for s in starts}
    while frontier:
        if goal.pk in frontier:
            return True
        seen |= frontier
        members = Dependency.objects.filter(subject__in=frontier).values_list("member", flat=True)
        frontier = set(members) - seen
    return False


def _assign(obj: Any, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({unknown[0]: "this field cannot be changed"})
    for field, value in changes.items():
        setattr(obj, field, value)


def _save(obj: Party | Subject) -> None:
    obj.full_clean()  # names (slug, unique), choices and lengths, with the field named
    obj.save()
