"""When an agreement's dates begin and end as instants: `effective.from` and `until` are
local dates in the agreement's time zone (SEMANTICS §1), the same rule the evaluation
uses for its scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accord.agreements.models import Agreement
from accord.engine.periods import local_to_utc


def zone(agreement: Agreement) -> str:
    version = agreement.versions.select_related("service_hours").order_by("-number").first()
    if version is None:
        return "UTC"
    return version.timezone or version.service_hours.timezone or "UTC"


def local_midnight(day: date, agreement: Agreement) -> datetime:
    return datetime.fromtimestamp(local_to_utc(day, zone(agreement)), tz=UTC)


def starts_at(agreement: Agreement) -> datetime | None:
    """The first instant of `effective.from`, or None (in force from the start)."""
    if agreement.effective_from is None:
        return None
    return local_midnight(agreement.effective_from, agreement)


def ends_at(agreement: Agreement) -> datetime | None:
    """The first instant after `effective.until` (its whole last day is in force)."""
    if agreement.effective_until is None:
        return None
    return local_midnight(agreement.effective_until + timedelta(days=1), agreement)


def local_today(agreement: Agreement, now: datetime) -> date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(zone(agreement))).date()
