"""Writing normalised specs into the catalogue and agreement models, one kind at a time.

Called only from `apply.apply_plan`, inside its transaction. Cross-references are set in
a second pass (`link_*`) so that objects may refer to each other in any order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from accord.agreements.models import (
    Agreement,
    AgreementVersion,
    Calendar,
    CalendarException,
    CalendarVersion,
    MaintenanceWindow,
    TemporaryChange,
    sorted_exceptions,
)
from accord.agreements.services import VersionError, create_version
from accord.catalogue.models import Contact, DataSource, Dependency, Party, Subject


class Names:
    """Name → object lookups, refreshed after each kind is written; and when changed
    terms come into force (`accord apply --effective-from`)."""

    def __init__(self, effective_from: datetime | None = None) -> None:
        self.effective_from = effective_from
        self.refresh()

    def refresh(self) -> None:
        self.parties = Party.objects.in_bulk(field_name="name")
        self.calendars = Calendar.objects.in_bulk(field_name="name")
        self.sources = DataSource.objects.in_bulk(field_name="name")
        self.subjects = Subject.objects.in_bulk(field_name="name")
        self.agreements = Agreement.objects.in_bulk(field_name="name")

    def calendar(self, name: str | None) -> Calendar | None:
        return self.calendars[name] if name else None


def write_party(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    party, _ = Party.objects.update_or_create(
        name=name,
        defaults={"title": title, "role": spec["role"], "timezone": spec.get("timezone") or ""},
    )
    party.contacts.all().delete()
    Contact.objects.bulk_create(
        Contact(party=party, position=i, name=c["name"], email=c["email"], role=c.get("role") or "")
        for i, c in enumerate(spec.get("contacts") or [])
    )


def write_calendar(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    """The calendar as the manifest has it. Changed hours come into force at the apply's
    effective instant: the hours they replace are kept as a CalendarVersion until then
    (SEMANTICS §10)."""
    terms = calendar_terms(spec)
    existing = names.calendars.get(name)
    if existing is not None and existing.terms() != terms:
        _keep_version(existing, names.effective_from)
    exceptions = terms.pop("exceptions")
    calendar, _ = Calendar.objects.update_or_create(name=name, defaults={"title": title, **terms})
    calendar.exceptions.all().delete()
    CalendarException.objects.bulk_create(
        CalendarException(
            calendar=calendar,
            date=date.fromisoformat(e["date"]),
            kind=e["kind"],
            intervals=e["intervals"],
            reason=e["reason"],
        )
        for e in exceptions
    )


def calendar_terms(spec: dict[str, Any]) -> dict[str, Any]:
    """A Calendar manifest's service hours, as CalendarVersion fields."""
    holidays = spec.get("holidays") or {}
    return {
        "timezone": spec["timezone"],
        "weekly": [[list(i) for i in day] for day in spec["weekly"]],
        "holiday_country": holidays.get("country") or "",
        "holiday_subdivision": holidays.get("subdivision") or "",
        "holiday_dates": [d.isoformat() for d in holidays.get("dates") or []],
        "exceptions": sorted_exceptions(
            {
                "date": _iso_date(e["date"]),
                "kind": e["kind"],
                "intervals": [list(i) for i in e["intervals"]],
                "reason": e.get("reason") or "",
            }
            for e in spec.get("exceptions") or []
        ),
    }


def _iso_date(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _keep_version(calendar: Calendar, until: datetime | None) -> None:
    if until is None:
        raise VersionError(f"calendar {calendar.name}: changed hours need a start instant")
    latest = calendar.versions.order_by("-until").first()
    if latest is not None and latest.until >= until:
        raise VersionError(
            f"calendar {calendar.name}: changed hours must come into force after its"
            f" previous change ({latest.until:%Y-%m-%d %H:%M} UTC), not {until:%Y-%m-%d %H:%M}"
        )
    CalendarVersion.objects.create(calendar=calendar, until=until, **calendar.terms())


def write_data_source(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    DataSource.objects.update_or_create(
        name=name, defaults={"title": title, "type": spec["type"], "url": spec["url"]}
    )


def _write_subject(
    kind: str,
    party: str | None,
    name: str,
    title: str,
    spec: dict[str, Any],
    names: Names,
    **extra: Any,
) -> None:
    Subject.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "title": title,
            "description": spec.get("description") or "",
            "party": names.parties[party] if party else None,
            **extra,
        },
    )


def write_component(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    _write_subject(Subject.Kind.COMPONENT, spec.get("provider"), name, title, spec, names)


def write_service(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    _write_subject(
        Subject.Kind.SERVICE,
        spec.get("owner"),
        name,
        title,
        spec,
        names,
        status=spec.get("status") or Subject.Status.LIVE,
        criticality=spec.get("criticality") or Subject.Criticality.MEDIUM,
    )


def link_subject(name: str, spec: dict[str, Any], names: Names) -> None:
    subject = names.subjects[name]
    subject.dependencies.all().delete()
    Dependency.objects.bulk_create(
        Dependency(subject=subject, group=group, member=names.subjects[member])
        for group, members in enumerate(spec.get("depends_on") or [])
        for member in members
    )


def write_agreement(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    effective = spec.get("effective") or {}
    review = spec.get("review") or {}
    Agreement.objects.update_or_create(
        name=name,
        defaults={
            "title": title,
            "type": spec["type"],
            "structure": spec.get("structure") or Agreement.Structure.SERVICE,
            "status": spec.get("status") or Agreement.Status.DRAFT,
            "description": spec.get("description") or "",
            "provider": names.parties[spec["provider"]],
            "effective_from": effective.get("from"),
            "effective_until": effective.get("until"),
            "review_every": review.get("every") or "",
            "review_next": review.get("next"),
        },
    )


def link_agreement(
    name: str,
    spec: dict[str, Any],
    names: Names,
    *,
    new_version: bool,
    effective_from: datetime,
) -> None:
    agreement = names.agreements[name]
    agreement.parent = names.agreements[spec["parent"]] if spec.get("parent") else None
    agreement.save(update_fields=["parent"])
    agreement.consumers.set([names.parties[p] for p in spec.get("consumers") or []])
    agreement.subjects.set([names.subjects[s] for s in spec.get("services") or []])
    agreement.underpinned_by.set([names.agreements[a] for a in spec.get("underpinnedBy") or []])
    if new_version:
        first = not agreement.versions.exists()
        create_version(
            agreement,
            terms=version_fields(spec, names),
            targets=[target_fields(t, names) for t in spec.get("targets") or []],
            effective_from=None if first else effective_from,
            note="applied from manifest",
        )


def version_fields(spec: dict[str, Any], names: Names) -> dict[str, Any]:
    period = spec.get("period") or "month"
    charges = spec.get("charges") or {}
    return {
        "service_hours": names.calendars[spec.get("serviceHours") or "24x7"],
        "timezone": spec.get("timezone") or "",
        "period": AgreementVersion.Period.ROLLING if isinstance(period, dict) else period,
        "rolling_seconds": period["rolling"] if isinstance(period, dict) else None,
        "charges_per_period": charges.get("perPeriod"),
        "currency": charges.get("currency") or "",
        "credit_cap": spec.get("creditCap"),
    }


def target_fields(spec: dict[str, Any], names: Names) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "metric": spec["metric"],
        "objective": spec["objective"],
        "description": spec.get("description") or "",
        "where": spec.get("where") or {},
        "within_seconds": spec.get("within"),
        "service_hours": names.calendar(spec.get("serviceHours")),
        "pause_when": spec.get("pauseWhen") or [],
        "exclude_planned": bool(spec.get("excludePlanned")),
        "warn_at": spec.get("warnAt"),
        "warn_before_seconds": spec.get("warnBefore"),
        "credits": spec.get("credits") or [],
        "source": names.sources[spec["source"]] if spec.get("source") else None,
        "good_query": spec.get("good") or "",
        "total_query": spec.get("total") or "",
        "series": spec.get("series") or "",
        "op": spec.get("op") or "",
        "value": spec.get("value"),
        "unit": spec.get("unit") or "",
        "budgeting": spec.get("budgeting") or "",
        "timeslice_seconds": spec.get("timeslice"),
    }


def write_maintenance_window(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    window, _ = MaintenanceWindow.objects.update_or_create(
        name=name,
        defaults={
            "title": title,
            "start": spec["start"],
            "end": spec["end"],
            "agreed": bool(spec.get("agreed")),
            "description": spec.get("description") or "",
        },
    )
    members = [*(spec.get("components") or []), *(spec.get("services") or [])]
    window.subjects.set([names.subjects[m] for m in members])


def write_temporary_change(name: str, title: str, spec: dict[str, Any], names: Names) -> None:
    TemporaryChange.objects.update_or_create(
        name=name,
        defaults={
            "title": title,
            "agreement": names.agreements[spec["agreement"]],
            "start": spec["from"],
            "end": spec["until"],
            "reason": spec["reason"],
            "service_hours": names.calendar(spec.get("serviceHours")),
            "target_overrides": spec.get("targets") or {},
            "approved_by": spec.get("approvedBy") or [],
            "status": spec.get("status") or TemporaryChange.Status.REQUESTED,
        },
    )


WRITERS = {
    "Party": write_party,
    "Calendar": write_calendar,
    "DataSource": write_data_source,
    "Component": write_component,
    "Service": write_service,
    "Agreement": write_agreement,
    "MaintenanceWindow": write_maintenance_window,
    "TemporaryChange": write_temporary_change,
}

MODELS: dict[str, Any] = {
    "Party": Party,
    "Calendar": Calendar,
    "DataSource": DataSource,
    "Component": Subject,
    "Service": Subject,
    "Agreement": Agreement,
    "MaintenanceWindow": MaintenanceWindow,
    "TemporaryChange": TemporaryChange,
}
