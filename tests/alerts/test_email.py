"""E-mail over a real SMTP conversation with an aiosmtpd server started by the test."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.alerts.models import Delivery
from accord.alerts.services import create_channel, raise_alerts
from accord.evaluation.models import Job
from tests.alerts.conftest import Mailbox, make_alert, open_clock, run_due_jobs

pytestmark = pytest.mark.django_db


def _parse(raw: bytes | str) -> EmailMessage:
    data = raw if isinstance(raw, bytes) else raw.encode()
    message = email.message_from_bytes(data, policy=policy.default)  # unfolds long headers
    assert isinstance(message, EmailMessage)
    return message


def test_a_ticket_warning_arrives_by_smtp_with_its_figures(
    agreement: Agreement, smtp_server: Mailbox
) -> None:
    create_channel(name="service-desk", kind="email", address="desk@northwind.test")
    now = timezone.now()
    created = raise_alerts(clocks=[open_clock(now)], as_of=now)
    seventy_five = next(a for a in created if a.figures["warning"] == "75%")
    run_due_jobs("deliver")
    assert len(smtp_server.messages) == 3
    by_alert = {_parse(m.content)["X-Accord-Alert"]: m for m in smtp_server.messages}
    envelope = by_alert[str(seventy_five.pk)]
    assert envelope.mail_from == "accord@northwind.test"
    assert envelope.rcpt_tos == ["desk@northwind.test"]
    message = _parse(envelope.content)
    assert message["From"] == "accord@northwind.test" and message["To"] == "desk@northwind.test"
    assert message["Subject"] == (
        "[Accord] WARNING ticket-warning: retail-sla/p1-resolution servicenow:INC0001"
    )
    assert message["X-Accord-Kind"] == "ticket-warning"
    assert message["X-Accord-Severity"] == "warning"
    assert message["Message-ID"]
    body = message.get_content()
    assert "has used 75 % of its 4h" in body
    assert "% elapsed: 87.5" in body and "threshold (seconds): 14400" in body
    assert "Ticket: servicenow:INC0001" in body and f"/alerts/?alert={seventy_five.pk}" in body
    delivery = Delivery.objects.get(alert=seventy_five)
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at
    assert delivery.log[-1]["outcome"] == "sent"


def test_party_contacts_are_added_when_the_channel_says_so(
    agreement: Agreement, smtp_server: Mailbox
) -> None:
    create_channel(name="parties", kind="email", address="desk@northwind.test", notify_parties=True)
    make_alert()
    run_due_jobs("deliver")
    (envelope,) = smtp_server.messages
    assert envelope.rcpt_tos == ["desk@northwind.test", "ops@northwind.test", "buyer@retail.test"]


def test_a_refused_recipient_fails_permanently(agreement: Agreement, smtp_server: Mailbox) -> None:
    smtp_server.refuse.add("gone@northwind.test")
    create_channel(name="gone", kind="email", address="gone@northwind.test")
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "550" in delivery.last_error and "no such mailbox" in delivery.last_error
    assert smtp_server.messages == []
    job = Job.objects.get(kind="deliver")
    assert job.done_at is not None and not job.failed  # settled: nothing to retry


def test_an_unreachable_server_is_retried(
    agreement: Agreement, smtp_server: Mailbox, settings: Any
) -> None:
    settings.EMAIL_PORT = 1  # nothing listens there
    create_channel(name="desk", kind="email", address="desk@northwind.test")
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "ConnectionRefused" in delivery.last_error and delivery.next_attempt_at
    assert Job.objects.get(kind="deliver").done_at is None  # back in the queue


def test_unconfigured_email_says_so(agreement: Agreement, settings: Any) -> None:
    settings.EMAIL_HOST = ""
    create_channel(name="desk", kind="email", address="desk@northwind.test")
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "ACCORD_SMTP_URL" in delivery.last_error
