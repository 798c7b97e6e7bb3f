"""The alerts plugged into the evaluation: a real evaluation raises the alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target
from accord.alerts import feed
from accord.alerts import jobs as alerts_jobs
from accord.alerts.models import AlertEvent
from accord.alerts.services import TICKET_WARNINGS_JOB
from accord.evaluation.models import Job, PeriodResult
from accord.evaluation.services import evaluate_agreement, on_evaluated
from accord.measurements.records import TicketRecord
from accord.measurements.services import upsert_tickets

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def desk(agreement: Agreement) -> Agreement:
    agreement.status = Agreement.Status.ACTIVE
    agreement.save()
    version = AgreementVersion.objects.create(
        agreement=agreement, number=1, service_hours=Calendar.objects.get(name="24x7")
    )
    Target.objects.create(
        version=version,
        name="p1-resolution",
        metric=Target.Metric.RESOLUTION,
        objective=90,
        where={"priority": ["1"]},
        within_seconds=4 * 3600,
        warn_before_seconds=1800,
    )
    return agreement


def test_the_hook_is_connected() -> None:
    assert feed.on_evaluation in on_evaluated


def test_an_evaluation_raises_ticket_warnings_and_schedules_the_next(desk: Agreement) -> None:
    opened = NOW - timedelta(hours=3, minutes=20)
    upsert_tickets(
        [
            TicketRecord("INC0001", opened, "new", priority="1"),
            TicketRecord("INC0002", NOW - timedelta(hours=9), "new", priority="1"),
            TicketRecord("INC0003", opened, "new", priority="3"),  # no target matches
        ]
    )
    evaluate_agreement(desk, as_of=NOW)
    warnings = AlertEvent.objects.filter(kind="ticket-warning").order_by("occurred_at")
    assert [(a.ticket, a.figures["warning"]) for a in warnings] == [
        ("INC0001", "50%"),
        ("INC0001", "75%"),
    ]
    assert warnings[1].occurred_at == opened + timedelta(hours=3)
    assert warnings[1].agreement_id == desk.pk and warnings[1].target_name == "p1-resolution"
    # INC0002 breached five hours ago: one breach notice and no late warnings.
    (breach,) = AlertEvent.objects.filter(kind="ticket-breach")
    assert breach.ticket == "INC0002" and breach.occurred_at == NOW - timedelta(hours=5)
    # The next instant: INC0001's "30m before breach", ten minutes from now.
    job = Job.objects.get(kind=TICKET_WARNINGS_JOB)
    assert job.due_at == opened + timedelta(hours=3, minutes=30)
    # One breach in one counted clock: the period's budget is spent ten times over, and
    # the engine's 3d/6h ticket pair fires.
    period = {a.kind: a for a in AlertEvent.objects.exclude(ticket__gt="")}
    assert sorted(period) == ["burn-rate-ticket", "forecast-at-risk", "period-at-risk"]
    result = PeriodResult.objects.get(agreement=desk, period="2026-03")
    assert period["period-at-risk"].figures["consumed"] == result.budget_consumed == 10.0
    assert period["burn-rate-ticket"].figures["long_window_s"] == 3 * 86_400
    assert period["forecast-at-risk"].figures["forecast"] == result.forecast
    before = AlertEvent.objects.count()
    evaluate_agreement(desk, as_of=NOW + timedelta(minutes=1))
    assert AlertEvent.objects.count() == before  # nothing twice


def test_stored_clocks_feed_the_ticket_warnings_job(desk: Agreement) -> None:
    opened = NOW - timedelta(hours=3, minutes=20)
    upsert_tickets([TicketRecord("INC0001", opened, "new", priority="1")])
    evaluate_agreement(desk, as_of=NOW)
    (clock,) = feed.open_clocks(NOW)
    assert clock.ticket == "INC0001" and clock.status in {"open", "at_risk"} and clock.running
    assert clock.breach_at == opened + timedelta(hours=4)
    labels = {w.label: w for w in clock.warnings}
    assert labels["30m before breach"].lead_s == 1800
    assert labels["75%"].percent == 75.0 and labels["100%"].at == clock.breach_at


def test_warnings_fall_due_on_time_without_new_data(
    desk: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = NOW - timedelta(hours=3, minutes=20)
    upsert_tickets([TicketRecord("INC0001", opened, "new", priority="1")])
    evaluate_agreement(desk, as_of=NOW)  # raises 50 % and 75 %; no data after this
    seen = set(AlertEvent.objects.values_list("pk", flat=True))
    fired: dict[str, datetime] = {}  # what each job raised, by the instant it ran
    while (job := _next_warnings_job()) is not None:
        monkeypatch.setattr(timezone, "now", lambda at=job.due_at: at)
        alerts_jobs.ticket_warnings(job)
        Job.objects.filter(pk=job.pk).update(done_at=job.due_at)
        for alert in AlertEvent.objects.exclude(pk__in=seen):
            fired[alert.figures.get("warning", alert.kind)] = job.due_at
            seen.add(alert.pk)
    breach_at = opened + timedelta(hours=4)
    assert fired == {
        "30m before breach": opened + timedelta(hours=3, minutes=30),
        "100%": breach_at,
        "ticket-breach": breach_at + timedelta(seconds=1),
    }


def _next_warnings_job() -> Job | None:
    pending = Job.objects.filter(kind=TICKET_WARNINGS_JOB, done_at__isnull=True)
    return pending.order_by("due_at").first()
