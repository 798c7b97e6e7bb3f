"""Reading the audit trail: what a user may see of it, filtered, and as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from accord.accounts import access
from accord.agreements.models import TemporaryChange
from accord.governance.models import AuditEntry

CSV_COLUMNS = (
    "at",
    "actor",
    "action",
    "object_type",
    "object_name",
    "object_id",
    "changed",
    "before",
    "after",
)


def visible_entries(user: Any) -> QuerySet[AuditEntry]:
    """Everything for those who see everything; otherwise the entries of the agreements,
    their temporary changes, the subjects and the parties the user may see (by name, so
    an object deleted since is only in the full trail)."""
    entries = AuditEntry.objects.all()
    if access.sees_everything(user):
        return entries
    if access.role_of(user) is None:
        return entries.none()
    agreements = access.visible_agreements(user)
    names = list(agreements.values_list("name", flat=True))
    changes = TemporaryChange.objects.filter(agreement__in=agreements).values_list(
        "name", flat=True
    )
    subjects = access.visible_subjects(user)
    return entries.filter(
        Q(object_type="agreement", object_name__in=names)
        | Q(object_type="temporary-change", object_name__in=list(changes))
        | Q(
            object_type__in=("service", "component"),
            object_name__in=list(subjects.values_list("name", flat=True)),
        )
        | Q(
            object_type="party",
            object_name__in=list(access.visible_parties(user).values_list("name", flat=True)),
        )
    )


def parse_object(text: str) -> tuple[str, str | None]:
    """`agreement:retail-online-store-sla` → ("agreement", name); `agreement` → all of them."""
    kind, _, name = text.partition(":")
    return kind.strip(), (name.strip() or None)


def filter_entries(
    entries: QuerySet[AuditEntry],
    *,
    object: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    if object:
        kind, name = parse_object(object)
        entries = entries.filter(object_type=kind)
        if name:
            entries = entries.filter(object_name=name)
    if actor:
        entries = entries.filter(actor_name=actor)
    if since:
        entries = entries.filter(at__gte=since)
    if until:
        entries = entries.filter(at__lt=until)
    return entries


def write_csv(entries: Iterable[AuditEntry], out: IO[str]) -> int:
    """One row per entry, oldest first; before/after as JSON. Returns the row count."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for e in entries:
        writer.writerow(
            [
                e.at.isoformat(),
                e.actor_name,
                e.action,
                e.object_type,
                e.object_name,
                e.object_id,
                " ".join(e.changed),
                json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                json.dumps(e.after, sort_keys=True) if e.after is not None else "",
            ]
        )
        count += 1
    return count


def differences(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field that changed, for pages."""
    before, after = entry.before or {}, entry.after or {}
    return [(key, before.get(key), after.get(key)) for key in entry.changed]


def parse_since(text: str) -> datetime | None:
    """A date (midnight UTC) or an ISO 8601 instant (UTC when it names no offset)."""
    instant = parse_datetime(text)
    if instant is None and (day := parse_date(text)) is not None:
        instant = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant
