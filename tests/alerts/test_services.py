"""Recording alerts once, burn-rate episodes, scheduling warnings, acknowledging."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.alerts import hooks
from accord.alerts.inputs import BurnRateInput
from accord.alerts.models import Acknowledgement, AlertEvent, Condition, Delivery
from accord.alerts.services import (
    TICKET_WARNINGS_JOB,
    acknowledge_alert,
    create_channel,
    raise_alerts,
)
from accord.evaluation.jobs import claim_next, run_job
from accord.evaluation.models import Job
from tests.alerts.conftest import make_alert, open_clock, running_period

pytestmark = pytest.mark.django_db


def test_the_same_condition_alerts_once(agreement: Agreement) -> None:
    now = timezone.now()
    channel = create_channel(name="ops", kind="webhook", address="http://127.0.0.1:9/hook")
    first = raise_alerts(clocks=[open_clock(now)], periods=[running_period()], as_of=now)
    again = raise_alerts(
        clocks=[open_clock(now)], periods=[running_period()], as_of=now + timedelta(minutes=1)
    )
    assert len(first) == 4 and again == []
    assert AlertEvent.objects.count() == 4
    assert Delivery.objects.filter(channel=channel).count() == 4
    assert Job.objects.filter(kind="deliver").count() == 4
    # Names resolve to the agreement, for channel filters, while it exists.
    assert {a.agreement_id for a in first} == {agreement.pk}


def test_alert_events_are_immutable(agreement: Agreement) -> None:
    alert = make_alert()
    alert.message = "edited"
    with pytest.raises(ValueError, match="immutable"):
        alert.save()


def _burning(firing: bool) -> BurnRateInput:
    return BurnRateInput("page", 3600, 300, 14.4, 20.0 if firing else 2.0, 30.0, firing)


def test_burn_rate_alerts_once_per_episode_and_again_after_it_cleared(
    agreement: Agreement,
) -> None:
    now = timezone.now()
    period = running_period(consumed=0.1, status="met")
    fire = replace(period, burn_rates=(_burning(True),))
    quiet = replace(period, burn_rates=(_burning(False),))
    assert len(raise_alerts(periods=[fire], as_of=now)) == 1
    assert raise_alerts(periods=[fire], as_of=now + timedelta(minutes=5)) == []
    assert raise_alerts(periods=[quiet], as_of=now + timedelta(minutes=10)) == []
    assert Condition.objects.get().resolved_at == now + timedelta(minutes=10)
    (second,) = raise_alerts(periods=[fire], as_of=now + timedelta(minutes=20))
    assert second.kind == "burn-rate-page" and second.occurred_at == now + timedelta(minutes=20)
    assert AlertEvent.objects.filter(kind="burn-rate-page").count() == 2
    assert Condition.objects.filter(resolved_at__isnull=True).get().alert == second


def test_the_next_warning_instant_is_scheduled_as_a_job(agreement: Agreement) -> None:
    now = timezone.now().replace(microsecond=0)
    raise_alerts(clocks=[open_clock(now)], as_of=now)
    job = Job.objects.get(kind=TICKET_WARNINGS_JOB)
    assert job.due_at == now + timedelta(minutes=30)


def test_warnings_fire_on_time_without_new_data(
    agreement: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job scheduled at the next instant reads the stored clocks and fires then."""
    evaluated = timezone.now().replace(microsecond=0)
    stored = open_clock(evaluated)
    sources: list[hooks.OpenClocks] = []
    monkeypatch.setattr(hooks, "_open_clock_sources", sources)
    hooks.provide_open_clocks(lambda as_of: [stored])
    raise_alerts(clocks=[stored], as_of=evaluated)
    assert AlertEvent.objects.filter(kind="ticket-warning").count() == 3
    warn_job = Job.objects.get(kind=TICKET_WARNINGS_JOB)
    assert claim_next("w", now=warn_job.due_at - timedelta(seconds=1)) is None

    def run_at(instant: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)
        job = claim_next("w", now=instant)
        assert job is not None and job.kind == TICKET_WARNINGS_JOB
        run_job(job, now=instant)

    run_at(warn_job.due_at)  # the 100 % warning, exactly on time
    hundred = AlertEvent.objects.get(kind="ticket-warning", figures__warning="100%")
    assert hundred.occurred_at == warn_job.due_at
    breach_job = Job.objects.get(kind=TICKET_WARNINGS_JOB, done_at__isnull=True)
    assert breach_job.due_at == stored.breach_at + timedelta(seconds=1)  # type: ignore[operator]
    run_at(breach_job.due_at)
    breach = AlertEvent.objects.get(kind="ticket-breach")
    assert breach.occurred_at == stored.breach_at and breach.figures["predicted"] is True
    assert not Job.objects.filter(kind=TICKET_WARNINGS_JOB, done_at__isnull=True).exists()


def test_acknowledge_alert(agreement: Agreement) -> None:
    alert = make_alert()
    alice = User.objects.create_user("alice")
    ack = acknowledge_alert(alert, user=alice, note="on it")
    again = acknowledge_alert(alert, user=alice, note="still on it")
    assert again.pk == ack.pk and again.note == "on it"
    bob = User.objects.create_user("bob")
    acknowledge_alert(alert, user=bob)
    assert [a.username for a in alert.acknowledgements.order_by("at")] == ["alice", "bob"]
    bob.delete()  # the record keeps the name
    assert Acknowledgement.objects.get(username="bob").user is None


def test_channel_filters(agreement: Agreement) -> None:
    other = Agreement.objects.create(name="other-sla", type="SLA", provider=agreement.provider)
    everything = create_channel(name="all", kind="slack", address="http://127.0.0.1:9/s")
    critical = create_channel(
        name="pager", kind="webhook", address="http://127.0.0.1:9/p", min_severity="critical"
    )
    warnings_only = create_channel(
        name="warn", kind="email", address="a@x.test", kinds=["ticket-warning"]
    )
    elsewhere = create_channel(
        name="elsewhere", kind="email", address="b@x.test", agreements=[other]
    )
    off = create_channel(name="off", kind="email", address="c@x.test")
    off.enabled = False
    off.save()
    now = timezone.now()
    raise_alerts(clocks=[open_clock(now)], periods=[running_period()], as_of=now)
    make_alert()
    by_channel = {
        c.name: sorted(Delivery.objects.filter(channel=c).values_list("alert__kind", flat=True))
        for c in (everything, critical, warnings_only, elsewhere, off)
    }
    assert by_channel["all"] == ["period-at-risk", "ticket-breach", *["ticket-warning"] * 3]
    assert by_channel["pager"] == ["ticket-breach"]
    assert by_channel["warn"] == ["ticket-warning"] * 3
    assert by_channel["elsewhere"] == by_channel["off"] == []


def test_channels_are_validated() -> None:
    with pytest.raises(ValidationError, match="not an e-mail address"):
        create_channel(name="bad", kind="email", address="ops@x.test, nobody")
    with pytest.raises(ValidationError, match="http"):
        create_channel(name="bad", kind="webhook", address="file:///etc/passwd")
    with pytest.raises(ValidationError, match="alert kinds"):
        create_channel(name="bad", kind="slack", address="https://x.test/h", kinds=["nope"])
    hook = create_channel(name="hook", kind="webhook", address="https://x.test/h")
    assert len(hook.secret) >= 40  # a signing secret is generated
