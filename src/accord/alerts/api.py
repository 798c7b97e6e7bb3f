"""/api/v1/alerts: list alert events (filtered, paginated) and acknowledge them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from accord.accounts.access import can_acknowledge_alert, require, visible_alerts
from accord.alerts.models import Kind, Severity
from accord.alerts.queries import alert_queryset, alert_with_acknowledgements, filter_alerts
from accord.alerts.services import acknowledge_alert

router = Router(tags=["alerts"])


class PeriodOut(Schema):
    label: str
    start: datetime | None
    end: datetime | None


class AcknowledgementOut(Schema):
    user: str
    at: datetime
    note: str


class AlertOut(Schema):
    id: int
    kind: Kind
    severity: Severity
    dedupe_key: str
    agreement: str
    target: str
    subject: str | None
    ticket: str | None
    period: PeriodOut | None
    figures: dict[str, Any]
    message: str
    occurred_at: datetime
    created_at: datetime
    url: str
    acknowledged: bool
    acknowledgements: list[AcknowledgementOut]


class AlertPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AlertOut]


class AlertFilters(Schema):
    kind: Kind | None = None
    agreement: str | None = Field(None, description="agreement name")
    severity: Severity | None = Field(None, description="this severity or higher")
    acknowledged: bool | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=2000)


@router.get("", response=AlertPage, summary="Alert events, newest first")
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> dict[str, Any]:
    alerts = filter_alerts(
        alert_queryset().filter(pk__in=visible_alerts(request.user).values("pk")),
        kind=filters.kind,
        agreement=filters.agreement,
        severity=filters.severity,
        acknowledged=filters.acknowledged,
    )
    page = alerts[filters.offset : filters.offset + filters.limit]
    return {
        "count": alerts.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [alert_with_acknowledgements(alert) for alert in page],
    }


@router.post("/{int:alert_id}/ack", response=AlertOut, summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, alert_id: int, body: AcknowledgeIn) -> dict[str, Any]:
    alert = get_object_or_404(visible_alerts(request.user), pk=alert_id)
    require(can_acknowledge_alert(request.user, alert), "acknowledging alerts")
    acknowledge_alert(alert, user=request.user, note=body.note)  # type: ignore[arg-type]
    return alert_with_acknowledgements(alert_queryset().get(pk=alert.pk))
