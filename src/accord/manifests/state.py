"""The database as normalised manifest specs: the `current` side of every plan and export.

Each reader returns {name: (title, spec)} for every object of its kind, in the same
normalised form that `validate.validate_documents` gives for the files (durations in
seconds, `consumers` always a list, `depends_on` as groups, datetimes in UTC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from accord.agreements.models import (
    Agreement,
    AgreementVersion,
    Calendar,
    MaintenanceWindow,
    Target,
    TemporaryChange,
)
from accord.catalogue.models import DataSource, Dependency, Party, Subject

Current = dict[str, tuple[str, dict[str, Any]]]

KINDS = (
    "Party",
    "Calendar",
    "DataSource",
    "Component",
    "Service",
    "Agreement",
    "MaintenanceWindow",
    "TemporaryChange",
)


def read_parties() -> Current:
    out: Current = {}
    for party in Party.objects.prefetch_related("contacts"):
        contacts = [
            {"name": c.name, "email": c.email, "role": c.role or None} for c in party.contacts.all()
        ]
        spec = {"role": party.role, "timezone": party.timezone or None, "contacts": contacts}
        out[party.name] = (party.title, spec)
    return out


def read_calendars() -> Current:
    out: Current = {}
    for cal in Calendar.objects.filter(builtin=False).prefetch_related("exceptions"):
        exceptions = [
            {"date": e.date, "kind": e.kind, "intervals": e.intervals, "reason": e.reason or None}
            for e in cal.exceptions.all()
        ]
        spec = {
            "timezone": cal.timezone,
            "weekly": cal.weekly,
            "holidays": {
                "country": cal.holiday_country or None,
                "subdivision": cal.holiday_subdivision or None,
                "dates": sorted(_date(d) for d in cal.holiday_dates),
            },
            "exceptions": exceptions,
        }
        out[cal.name] = (cal.title, spec)
    return out


def read_data_sources() -> Current:
    return {s.name: (s.title, {"type": s.type, "url": s.url}) for s in DataSource.objects.all()}


def _depends_on() -> dict[int, list[list[str]]]:
    groups: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for subject_id, group, member in Dependency.objects.values_list(
        "subject_id", "group", "member__name"
    ):
        groups[subject_id].setdefault(group, []).append(member)
    return {sid: [sorted(g[k]) for k in sorted(g)] for sid, g in groups.items()}


def _read_subjects(kind: str, party_key: str, *extra: str) -> Current:
    depends = _depends_on()
    out: Current = {}
    for subject in Subject.objects.filter(kind=kind).select_related("party"):
        spec: dict[str, Any] = {
            party_key: subject.party.name if subject.party else None,
            "description": subject.description or None,
            "depends_on": depends.get(subject.pk, []),
        }
        for field in extra:
            spec[field] = getattr(subject, field)
        out[subject.name] = (subject.title, spec)
    return out


def read_components() -> Current:
    return _read_subjects(Subject.Kind.COMPONENT, "provider")


def read_services() -> Current:
    return _read_subjects(Subject.Kind.SERVICE, "owner", "status", "criticality")


def read_agreements() -> Current:
    latest: dict[int, AgreementVersion] = {}
    versions = AgreementVersion.objects.select_related("service_hours").order_by("number")
    for version in versions:
        latest[version.agreement_id] = version  # the last one wins: the newest terms
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(version__in=list(latest.values())).select_related(
        "service_hours", "source"
    ):
        targets[target.version_id].append(target)
    out: Current = {}
    agreements = Agreement.objects.select_related("provider", "parent").prefetch_related(
        "consumers", "subjects", "underpinned_by"
    )
    for agreement in agreements:
        version = latest.get(agreement.pk)
        spec = _agreement_spec(agreement)
        if version is not None:
            spec |= version_terms(version)
            spec["targets"] = [
                target_spec(t) for t in sorted(targets[version.pk], key=lambda t: t.position)
            ]
        out[agreement.name] = (agreement.title, spec)
    return out


def _agreement_spec(agreement: Agreement) -> dict[str, Any]:
    return {
        "type": agreement.type,
        "structure": agreement.structure,
        "status": agreement.status,
        "description": agreement.description or None,
        "provider": agreement.provider.name,
        "consumers": sorted(p.name for p in agreement.consumers.all()),
        "services": sorted(s.name for s in agreement.subjects.all()),
        "parent": agreement.parent.name if agreement.parent else None,
        "underpinnedBy": sorted(a.name for a in agreement.underpinned_by.all()),
        "effective": {"from": agreement.effective_from, "until": agreement.effective_until},
        "review": {"every": agreement.review_every or None, "next": agreement.review_next},
    }


def version_terms(version: AgreementVersion) -> dict[str, Any]:
    """The agreement-level fields a version holds, in manifest form."""
    period: Any = version.period
    if version.period == AgreementVersion.Period.ROLLING:
        period = {"rolling": version.rolling_seconds}
    charges = None
    if version.charges_per_period is not None:
        charges = {"perPeriod": _number(version.charges_per_period), "currency": version.currency}
    return {
        "serviceHours": version.service_hours.name,
        "timezone": version.timezone or None,
        "period": period,
        "charges": charges,
        "creditCap": _number(version.credit_cap),
    }


def target_spec(target: Target) -> dict[str, Any]:
    return {
        "name": target.name,
        "metric": target.metric,
        "objective": _number(target.objective),
        "description": target.description or None,
        "where": target.where,
        "within": target.within_seconds,
        "serviceHours": target.service_hours.name if target.service_hours else None,
        "pauseWhen": target.pause_when,
        "excludePlanned": target.exclude_planned,
        "warnAt": target.warn_at,
        "warnBefore": target.warn_before_seconds,
        "credits": target.credits,
        "source": target.source.name if target.source else None,
        "good": target.good_query or None,
        "total": target.total_query or None,
        "series": target.series or None,
        "op": target.op or None,
        "value": target.value,
        "unit": target.unit or None,
        "budgeting": target.budgeting or None,
        "timeslice": target.timeslice_seconds,
    }


def read_maintenance_windows() -> Current:
    out: Current = {}
    for window in MaintenanceWindow.objects.prefetch_related("subjects"):
        subjects = list(window.subjects.all())
        spec = {
            "components": sorted(s.name for s in subjects if s.kind == Subject.Kind.COMPONENT),
            "services": sorted(s.name for s in subjects if s.kind == Subject.Kind.SERVICE),
            "start": window.start,
            "end": window.end,
            "agreed": window.agreed,
            "description": window.description or None,
        }
        out[window.name] = (window.title, spec)
    return out


def read_temporary_changes() -> Current:
    out: Current = {}
    for change in TemporaryChange.objects.select_related("agreement", "service_hours"):
        spec = {
            "agreement": change.agreement.name,
            "from": change.start,
            "until": change.end,
            "reason": change.reason,
            "serviceHours": change.service_hours.name if change.service_hours else None,
            "targets": change.target_overrides,
            "approvedBy": change.approved_by,
            "status": change.status,
        }
        out[change.name] = (change.title, spec)
    return out


READERS: dict[str, Callable[[], Current]] = {
    "Party": read_parties,
    "Calendar": read_calendars,
    "DataSource": read_data_sources,
    "Component": read_components,
    "Service": read_services,
    "Agreement": read_agreements,
    "MaintenanceWindow": read_maintenance_windows,
    "TemporaryChange": read_temporary_changes,
}


def read_all() -> dict[str, Current]:
    return {kind: READERS[kind]() for kind in KINDS}


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _date(value: str) -> Any:
    from datetime import date

    return date.fromisoformat(value)
