"""One audited object in manifest form, JSON-ready: the `before` and `after` of the audit
trail. The fields are those of `accord.manifests.state`, so an entry reads like the
manifest that would produce the object."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accord.agreements.models import (
    Agreement,
    Calendar,
    MaintenanceWindow,
    TemporaryChange,
)
from accord.catalogue.models import DataSource, Party, Subject
from accord.manifests import state


def snapshot(model: type[models.Model], pk: int) -> dict[str, Any] | None:
    """The object as it is now in the database, or None if it does not exist."""
    reader = READERS[model]
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        return None
    body = reader(obj)
    head = {"kind": _type(obj), "name": obj.name, "title": obj.title}  # type: ignore[attr-defined]
    return _json(head | body)


def _type(obj: models.Model) -> str:
    if isinstance(obj, Subject):
        return str(obj.kind)
    return TYPES[type(obj)]


def _json(value: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return loaded


def _party(party: Party) -> dict[str, Any]:
    contacts = [
        {"name": c.name, "email": c.email, "role": c.role or None} for c in party.contacts.all()
    ]
    return {"role": party.role, "timezone": party.timezone or None, "contacts": contacts}


def _subject(subject: Subject) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "party": subject.party.name if subject.party else None,
        "description": subject.description or None,
        "dependsOn": subject.requirements(),
    }
    if subject.kind == Subject.Kind.SERVICE:
        spec |= {"status": subject.status, "criticality": subject.criticality}
    return spec


def _data_source(source: DataSource) -> dict[str, Any]:
    return {"type": source.type, "url": source.url}


def _calendar(calendar: Calendar) -> dict[str, Any]:
    exceptions = [
        {"date": e.date, "kind": e.kind, "intervals": e.intervals, "reason": e.reason or None}
        for e in calendar.exceptions.all()
    ]
    return {
        "timezone": calendar.timezone,
        "weekly": calendar.weekly,
        "holidays": {
            "country": calendar.holiday_country or None,
            "subdivision": calendar.holiday_subdivision or None,
            "dates": sorted(calendar.holiday_dates),
        },
        "exceptions": exceptions,
    }


def _agreement(agreement: Agreement) -> dict[str, Any]:
    spec = state._agreement_spec(agreement)
    version = agreement.versions.order_by("-number").first()
    if version is not None:
        spec["version"] = version.number
        spec |= state.version_terms(version)
        spec["targets"] = [state.target_spec(t) for t in version.targets.order_by("position")]
    return spec


def _maintenance_window(window: MaintenanceWindow) -> dict[str, Any]:
    return {
        "subjects": sorted(s.name for s in window.subjects.all()),
        "start": window.start,
        "end": window.end,
        "agreed": window.agreed,
        "description": window.description or None,
    }


def _temporary_change(change: TemporaryChange) -> dict[str, Any]:
    return {
        "agreement": change.agreement.name,
        "from": change.start,
        "until": change.end,
        "reason": change.reason,
        "serviceHours": change.service_hours.name if change.service_hours else None,
        "targets": change.target_overrides,
        "approvedBy": change.approved_by,
        "status": change.status,
    }


READERS: dict[type[models.Model], Any] = {
    Party: _party,
    Subject: _subject,
    DataSource: _data_source,
    Calendar: _calendar,
    Agreement: _agreement,
    MaintenanceWindow: _maintenance_window,
    TemporaryChange: _temporary_change,
}
TYPES: dict[type[models.Model], str] = {
    Party: "party",
    DataSource: "data-source",
    Calendar: "calendar",
    Agreement: "agreement",
    MaintenanceWindow: "maintenance-window",
    TemporaryChange: "temporary-change",
}
OBJECT_TYPES = (
    "party",
    "calendar",
    "data-source",
    "component",
    "service",
    "agreement",
    "maintenance-window",
    "temporary-change",
)
