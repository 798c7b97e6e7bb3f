"""Reading alerts: the one queryset (with acknowledgement state) the API, the command and
the admin share, its filters, and the JSON form with acknowledgements."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accord.alerts.models import Acknowledgement, AlertEvent, severities_at_least
from accord.alerts.payloads import alert_document


def alert_queryset() -> QuerySet[AlertEvent]:
    acks = Acknowledgement.objects.filter(alert=OuterRef("pk"))
    return AlertEvent.objects.annotate(is_acknowledged=Exists(acks)).prefetch_related(
        Prefetch("acknowledgements", queryset=Acknowledgement.objects.order_by("at"))
    )


def filter_alerts(
    alerts: QuerySet[AlertEvent],
    *,
    kind: str | None = None,
    agreement: str | None = None,
    severity: str | None = None,
    acknowledged: bool | None = None,
) -> QuerySet[AlertEvent]:
    """`severity` keeps that severity and higher; `agreement` is the agreement's name."""
    if kind:
        alerts = alerts.filter(kind=kind)
    if agreement:
        alerts = alerts.filter(agreement_name=agreement)
    if severity:
        alerts = alerts.filter(severity__in=severities_at_least(severity))
    if acknowledged is not None:
        alerts = alerts.filter(is_acknowledged=acknowledged)
    return alerts


def alert_with_acknowledgements(alert: AlertEvent) -> dict[str, Any]:
    acks = [
        {"user": a.username, "at": a.at.isoformat(), "note": a.note}
        for a in alert.acknowledgements.all()
    ]
    return {**alert_document(alert), "acknowledged": bool(acks), "acknowledgements": acks}
