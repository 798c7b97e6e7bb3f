"""POST /api/v1/hooks/alertmanager: Prometheus Alertmanager's webhook, turned into outages.

A firing alert whose labels name a service or component (the label
ACCORD_ALERTMANAGER_SUBJECT_LABEL, default `service`, else `component`) opens an outage
of it; the same alert resolved closes it. The outage's key is the alert's fingerprint
and start, so repeated deliveries (Alertmanager repeats every `repeat_interval`, and
retries) only find it unchanged. See docs/api.md.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from ninja import Body, Router, Schema
from pydantic import AwareDatetime, Field

from accord.accounts.access import can_manage, require
from accord.measurements import services
from accord.measurements.instants import iso_utc
from accord.measurements.intake import Outcome, evaluate_soon
from accord.measurements.models import Outage
from accord.measurements.records import OutageRecord, Rejection
from accord.measurements.schemas import MAX_ITEMS, REFERENCE_MAX_LENGTH, RejectionOut

log = logging.getLogger(__name__)
router = Router(tags=["hooks"])
# Several body fields, so problems are reported at `body.alerts.<n>.<field>` (see api.py).
ALERTS = Body(..., max_length=MAX_ITEMS)
STATUS = Body("", description="of the group; each alert has its own")
VERSION = Body("4")
FALLBACK_LABEL = "component"
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


class NotAnOutage(ValueError):
    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field}: {reason} (value {value!r})")
        self.rejection = Rejection(0, field, value, reason)


class AlertIn(Schema):
    """One alert of a notification (Alertmanager's webhook payload, version 4)."""

    status: str = Field(description="firing or resolved")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: AwareDatetime = Field(alias="startsAt")
    ends_at: AwareDatetime | None = Field(None, alias="endsAt")
    generator_url: str = Field("", alias="generatorURL")
    fingerprint: str = Field(min_length=1, max_length=100)


class HookOut(Schema):
    created: int = Field(description="outages opened (or recorded already closed)")
    updated: int = Field(description="outages closed or changed")
    unchanged: int = Field(description="repeated deliveries")
    ignored: int = Field(description="alerts naming no service or component")
    rejected: int
    rejections: list[RejectionOut]


@router.post("/alertmanager", response=HookOut, summary="Alertmanager webhook → outages")
def alertmanager(
    request: HttpRequest,
    alerts: list[AlertIn] = ALERTS,
    status: str = STATUS,
    version: str = VERSION,
) -> dict[str, Any]:
    require(can_manage(request.user), "sending outages")
    return receive(alerts)


def receive(alerts: list[AlertIn]) -> dict[str, Any]:
    """Write the outages the alerts describe; report what was refused, and log it."""
    label = settings.ACCORD_ALERTMANAGER_SUBJECT_LABEL
    outcome = Outcome("body.alerts")
    records: dict[str, tuple[int, OutageRecord]] = {}
    ignored = 0
    for position, alert in enumerate(alerts):
        try:
            record = outage_of(alert, label)
        except NotAnOutage as exc:
            outcome.reject(position, exc.rejection)
            continue
        if record is None:
            ignored += 1
            continue
        earlier = records.get(record.key)
        # One alert twice in a notification: the resolved form wins, whatever the order.
        if earlier is None or earlier[1].end is None:
            records[record.key] = (position, record)
    with transaction.atomic():
        positions, outages = _not_reopening([*records.values()], outcome)
        result = services.upsert_outages(outages, origin=Outage.Origin.ALERTMANAGER)
        evaluate_soon(result.counts)
    outcome.counts.add(result.counts)
    for rejection in result.rejected:  # an unknown service or component
        position = positions[rejection.position]
        field = f"labels.{_subject_label(alerts[position], label)}"
        outcome.reject(position, rejection._replace(field=field))
    for refused in outcome.rejections:
        log.warning("alertmanager: %(path)s %(value)r refused: %(reason)s", refused)
    report = outcome.report()
    return report | {"ignored": ignored, "rejections": outcome.rejections}


def outage_of(alert: AlertIn, label: str) -> OutageRecord | None:
    """The outage an alert describes; None for an alert about no service or component.

    Raises NotAnOutage for an alert that cannot be an outage.
    """
    subject = alert.labels.get(_subject_label(alert, label), "").strip()
    if not subject:
        return None
    end: datetime | None = None
    if alert.status == "resolved":
        end = alert.ends_at
        if end is None or end <= alert.starts_at:
            raise NotAnOutage("endsAt", str(end), "a resolved alert needs endsAt after startsAt")
    elif alert.status != "firing":
        raise NotAnOutage("status", alert.status, "expected firing or resolved")
    return OutageRecord(
        key=f"{alert.fingerprint}@{iso_utc(alert.starts_at)}",
        subject=subject,
        start=alert.starts_at,
        end=end,
        planned=_planned(alert.labels.get("planned", "")),
        impact=_impact(alert.labels.get("impact", "")),
        reference=alert.labels.get("alertname", "")[:REFERENCE_MAX_LENGTH],
    )


def _subject_label(alert: AlertIn, label: str) -> str:
    return label if alert.labels.get(label, "").strip() else FALLBACK_LABEL


def _planned(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise NotAnOutage("labels.planned", text, "expected true or false")


def _impact(text: str) -> float:
    if not text.strip():
        return 1.0
    try:
        share = float(text)
    except ValueError:
        share = float("nan")
    if not 0 < share <= 1:  # NaN fails too
        raise NotAnOutage("labels.impact", text, "expected a share of the subject: 0 < impact ≤ 1")
    return share


def _not_reopening(
    found: list[tuple[int, OutageRecord]], outcome: Outcome
) -> tuple[list[int], list[OutageRecord]]:
    """Leave out firing alerts whose outage is already closed: a late or repeated
    delivery must not reopen it (a new firing has a new startsAt, hence a new key)."""
    firing = [record.key for _, record in found if record.end is None]
    closed = set(
        Outage.objects.filter(
            origin=Outage.Origin.ALERTMANAGER, key__in=firing, end__isnull=False
        ).values_list("key", flat=True)
    )
    outcome.counts.unchanged += sum(1 for _, r in found if r.end is None and r.key in closed)
    kept = [(p, r) for p, r in found if r.end is not None or r.key not in closed]
    return [p for p, _ in kept], [r for _, r in kept]
