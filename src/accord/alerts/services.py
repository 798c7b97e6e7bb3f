"""Every state-changing function of the alerts app.

- `raise_alerts` — the entry point for the evaluation: rules → events → deliveries;
- `record_alerts` / `resolve_conditions` — write what the rules found, once;
- `plan_deliveries` / `deliver_alert` — one delivery per alert and matching channel,
  sent by the worker (`deliver` jobs) and retried with the job layer's backoff;
- `acknowledge_alert`, `create_channel`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.alerts.channels import DeliveryError, PermanentFailure, send_alert
from accord.alerts.inputs import ClockInput, PeriodInput
from accord.alerts.models import (
    Acknowledgement,
    AlertEvent,
    Channel,
    Condition,
    Delivery,
    severities_at_least,
)
from accord.alerts.rules import AlertDraft, evaluate_rules
from accord.evaluation.jobs import enqueue

log = logging.getLogger("accord.alerts")
CHUNK = 500
DELIVER_JOB = "deliver"
TICKET_WARNINGS_JOB = "ticket-warnings"


def raise_alerts(
    *,
    clocks: Iterable[ClockInput] = (),
    periods: Iterable[PeriodInput] = (),
    as_of: datetime,
    max_age: timedelta | None = None,
) -> list[AlertEvent]:
    """Run every rule over the evaluation's results at `as_of`; record the new alerts,
    close burn-rate episodes seen clear, plan deliveries and wake up again at the next
    ticket warning or breach instant. Returns the alerts created by this call."""
    if max_age is None:
        max_age = timedelta(seconds=settings.ACCORD_ALERT_MAX_AGE)
    outcome = evaluate_rules(clocks=clocks, periods=periods, as_of=as_of, max_age=max_age)
    with transaction.atomic():
        resolve_conditions(outcome.cleared, at=as_of)
        created = record_alerts(outcome.alerts)
        if outcome.next_due is not None:
            schedule_ticket_warnings(at=outcome.next_due)
    return created


def schedule_ticket_warnings(*, at: datetime) -> None:
    """A `ticket-warnings` job at `at`, so a warning fires on time without new data. The
    key is the instant: the job that runs then schedules the next one under another key
    (a pending job cannot re-enqueue itself)."""
    enqueue(TICKET_WARNINGS_JOB, key=at.isoformat(), due_at=at)


def record_alerts(drafts: Sequence[AlertDraft]) -> list[AlertEvent]:
    """Write the drafts not raised before (by dedupe key, and for burn rates while their
    episode is open) and plan their deliveries. Returns the new events."""
    unique: dict[str, AlertDraft] = {}
    for draft in drafts:
        unique.setdefault(draft.dedupe_key, draft)
    existing = _existing_keys(list(unique))
    fresh = [d for k, d in unique.items() if k not in existing]
    if not fresh:
        return []
    agreement_ids = _agreement_ids(fresh)
    created = _create_events([d for d in fresh if not d.condition], agreement_ids)
    created += [
        event
        for d in fresh
        if d.condition
        if (event := _open_episode(d, agreement_ids)) is not None
    ]
    for event in created:
        log.info("alert %s %s: %s", event.pk, event.kind, event.message)
    plan_deliveries(created)
    return created


def resolve_conditions(keys: Iterable[str], *, at: datetime) -> int:
    """Close open burn-rate episodes the evaluation saw clear; the next firing alerts anew."""
    keys = list(dict.fromkeys(keys))
    closed = 0
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        closed += Condition.objects.filter(key__in=chunk, resolved_at__isnull=True).update(
            resolved_at=at
        )
    return closed


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        keys_found = AlertEvent.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key")
        found.update(key for (key,) in keys_found)
    return found


def _agreement_ids(drafts: list[AlertDraft]) -> dict[str, int]:
    names = {d.agreement for d in drafts if d.agreement_id is None}
    known = {d.agreement: d.agreement_id for d in drafts if d.agreement_id is not None}
    if names:
        known.update(Agreement.objects.filter(name__in=names).values_list("name", "pk"))
    return known


def _event(draft: AlertDraft, agreement_ids: dict[str, int]) -> AlertEvent:
    return AlertEvent(
        kind=draft.kind,
        severity=draft.severity,
        dedupe_key=draft.dedupe_key,
        agreement_id=agreement_ids.get(draft.agreement),
        agreement_name=draft.agreement,
        target_name=draft.target,
        subject_name=draft.subject,
        ticket=draft.ticket,
        period_label=draft.period_label,
        period_start=draft.period_start,
        period_end=draft.period_end,
        figures=draft.figures,
        message=draft.message,
        occurred_at=draft.occurred_at,
    )


def _create_events(drafts: list[AlertDraft], agreement_ids: dict[str, int]) -> list[AlertEvent]:
    if not drafts:
        return []
    # A concurrent evaluation may insert the same key between our read and this write;
    # ignoring the conflict keeps its event, and deliveries are unique per channel.
    AlertEvent.objects.bulk_create(
        [_event(d, agreement_ids) for d in drafts], ignore_conflicts=True, batch_size=CHUNK
    )
    keys = [d.dedupe_key for d in drafts]
    events: list[AlertEvent] = []
    for start in range(0, len(keys), CHUNK):
        events += AlertEvent.objects.filter(dedupe_key__in=keys[start : start + CHUNK])
    return sorted(events, key=lambda e: e.pk)


def _open_episode(draft: AlertDraft, agreement_ids: dict[str, int]) -> AlertEvent | None:
    """The event and its open condition together, or neither: the partial unique index
    on open conditions is what stops a second event for a running episode."""
    if Condition.objects.filter(key=draft.condition, resolved_at__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            event = _event(draft, agreement_ids)
            event.save()
            Condition.objects.create(key=draft.condition, alert=event, opened_at=draft.occurred_at)
    except IntegrityError:
        return None
    return event


# Deliveries ------------------------------------------------------------------------------


def channel_accepts(channel: Channel, alert: AlertEvent, agreement_ids: set[int]) -> bool:
    """Filters of a channel: its agreements (none = all), minimum severity, kinds (none = all)."""
    if agreement_ids and alert.agreement_id not in agreement_ids:
        return False
    if alert.severity not in severities_at_least(channel.min_severity):
        return False
    return not channel.kinds or alert.kind in channel.kinds


def plan_deliveries(alerts: Sequence[AlertEvent]) -> list[Delivery]:
    """One pending delivery per alert and accepting channel, each with a `deliver` job."""
    if not alerts:
        return []
    channels = [
        (channel, {a.pk for a in channel.agreements.all()})
        for channel in Channel.objects.filter(enabled=True).prefetch_related("agreements")
    ]
    wanted = [
        Delivery(alert=alert, channel=channel)
        for alert in alerts
        for channel, agreement_ids in channels
        if channel_accepts(channel, alert, agreement_ids)
    ]
    if not wanted:
        return []
    Delivery.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=CHUNK)
    planned = list(
        Delivery.objects.filter(
            alert__in=[a.pk for a in alerts], status=Delivery.Status.PENDING, attempts=0
        )
    )
    for delivery in planned:
        enqueue(DELIVER_JOB, key=str(delivery.pk))
    return planned


def deliver_alert(delivery: Delivery, *, last_try: bool, retry_in: timedelta) -> Delivery:
    """Send one delivery and record the outcome. A temporary failure is re-raised (after
    recording it) so that the job layer retries later; on the `last_try` it is final."""
    if delivery.status != Delivery.Status.PENDING:
        return delivery  # a retried job after a worker died mid-way: already settled
    channel, alert = delivery.channel, delivery.alert
    now = timezone.now()
    delivery.attempts += 1
    try:
        if not channel.enabled:
            raise PermanentFailure(f"channel {channel.name} was disabled")
        detail = send_alert(alert, channel)
    except DeliveryError as exc:
        final = exc.permanent or last_try
        _settle(delivery, now, error=str(exc), final=final, retry_in=retry_in)
        log.warning(
            "delivery %s of alert %s via %s failed (attempt %d, %s): %s",
            delivery.pk, alert.pk, channel.name, delivery.attempts,
            "final" if final else f"retry in {retry_in}", exc,
        )  # fmt: skip
        if not exc.permanent:
            raise
        return delivery
    delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, now, ""
    delivery.next_attempt_at = None
    delivery.log = [*delivery.log, _entry(now, "sent", detail)]
    delivery.save()
    log.info("delivery %s of alert %s via %s sent: %s", delivery.pk, alert.pk, channel.name, detail)
    return delivery


def _settle(
    delivery: Delivery, now: datetime, *, error: str, final: bool, retry_in: timedelta
) -> None:
    delivery.last_error = error
    if final:
        delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = now + retry_in
    delivery.log = [*delivery.log, _entry(now, "failed" if final else "retry", error)]
    delivery.save()


def _entry(at: datetime, outcome: str, detail: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "outcome": outcome, "detail": detail[:1000]}


# People ----------------------------------------------------------------------------------


def acknowledge_alert(
    alert: AlertEvent, *, user: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Acknowledgement:
    """Record that `user` has seen `alert`; acknowledging again returns the first record."""
    ack, created = Acknowledgement.objects.get_or_create(
        alert=alert,
        user=user,
        defaults={"username": user.get_username(), "at": at or timezone.now(), "note": note},
    )
    if created:
        log.info("alert %s acknowledged by %s", alert.pk, ack.username)
    return ack


def create_channel(
    *,
    name: str,
    kind: str,
    address: str = "",
    secret: str | None = None,
    notify_parties: bool = False,
    min_severity: str = "info",
    kinds: Sequence[str] = (),
    agreements: Sequence[Agreement] = (),
) -> Channel:
    """A validated channel. A webhook gets a random signing secret unless one is given."""
    channel = Channel(
        name=name,
        kind=kind,
        address=address,
        secret=secret or "",
        notify_parties=notify_parties,
        min_severity=min_severity,
        kinds=list(kinds),
    )
    channel.full_clean()
    channel.save()
    channel.agreements.set(agreements)
    return channel
