"""Webhooks against a real HTTP server in a thread: signature, Slack shape, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.alerts.models import Delivery
from accord.alerts.services import create_channel
from accord.evaluation.jobs import claim_next, run_job
from accord.evaluation.models import Job
from tests.alerts.conftest import HttpReceiver, Received, make_alert, run_due_jobs

pytestmark = pytest.mark.django_db
SECRET = "s3cret-shared-with-the-receiver"


def verify(request: Received, secret: str, *, tolerance_s: int = 300) -> bool:
    """The receiver's side, exactly as docs/alerts.md tells people to write it."""
    timestamp = request.headers["X-Accord-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    signed = timestamp.encode() + b"." + request.body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Accord-Signature"])


def test_webhook_is_signed_over_timestamp_and_raw_body(
    agreement: Agreement, http_receiver: HttpReceiver
) -> None:
    create_channel(name="hook", kind="webhook", address=http_receiver.url, secret=SECRET)
    alert = make_alert()
    run_due_jobs("deliver")
    (request,) = http_receiver.requests
    assert request.path == "/hooks/accord"
    assert request.headers["Content-Type"] == "application/json"
    assert verify(request, SECRET)
    assert not verify(request, "another secret")
    tampered = Received(request.path, request.headers, request.body.replace(b"INC0001", b"INC0002"))
    assert not verify(tampered, SECRET)
    document = json.loads(request.body)
    assert document["id"] == alert.pk and document["kind"] == "ticket-breach"
    assert document["agreement"] == "retail-sla" and document["ticket"] == "servicenow:INC0001"
    assert document["figures"]["threshold_s"] == 14400
    assert document["occurred_at"] == alert.occurred_at.isoformat()
    assert Delivery.objects.get().status == "sent"


def test_slack_payload_shape(agreement: Agreement, http_receiver: HttpReceiver) -> None:
    create_channel(name="slack", kind="slack", address=http_receiver.url)
    alert = make_alert()
    run_due_jobs("deliver")
    (request,) = http_receiver.requests
    payload = json.loads(request.body)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith(":red_circle: [Accord] CRITICAL ticket-breach")
    assert alert.message in payload["text"]
    types = [block["type"] for block in payload["blocks"]]
    assert types == ["header", "section", "section", "context"]
    assert payload["blocks"][1]["text"] == {"type": "mrkdwn", "text": alert.message}
    assert "threshold (seconds): 14400" in payload["blocks"][2]["text"]["text"]
    assert "X-Accord-Signature" not in request.headers


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retried_with_backoff_then_sent(
    agreement: Agreement, http_receiver: HttpReceiver, status: int
) -> None:
    http_receiver.statuses.extend([status, status])
    create_channel(name="hook", kind="webhook", address=http_receiver.url, secret=SECRET)
    make_alert()
    now = timezone.now()
    delays = []
    for attempt in (1, 2):
        job = claim_next("w", now=now)
        assert job is not None and job.kind == "deliver"
        run_job(job, now=now)
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == attempt
        assert delivery.last_error == f"HTTP {status} status {status}"
        job.refresh_from_db()
        delays.append(job.due_at - now)
        assert claim_next("w", now=job.due_at - timedelta(seconds=1)) is None  # backing off
        now = job.due_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=60)]
    run_job(claim_next("w", now=now), now=now)  # type: ignore[arg-type]
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.attempts == 3 and delivery.last_error == ""
    assert [entry["outcome"] for entry in delivery.log] == ["retry", "retry", "sent"]
    assert len(http_receiver.requests) == 3
    assert all(verify(request, SECRET) for request in http_receiver.requests)


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_client_error_fails_permanently(
    agreement: Agreement, http_receiver: HttpReceiver, status: int
) -> None:
    http_receiver.statuses.append(status)
    create_channel(name="hook", kind="webhook", address=http_receiver.url)
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert delivery.last_error.startswith(f"HTTP {status}")
    job = Job.objects.get(kind="deliver")
    assert job.done_at is not None and not job.failed
    assert claim_next("w", now=timezone.now() + timedelta(days=1)) is None
    assert len(http_receiver.requests) == 1


def test_the_last_attempt_is_final(
    agreement: Agreement, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.alerts import jobs

    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 1)
    http_receiver.statuses.append(502)
    create_channel(name="hook", kind="webhook", address=http_receiver.url)
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.log[-1]["outcome"] == "failed"


def test_network_errors_are_retried(agreement: Agreement, http_receiver: HttpReceiver) -> None:
    closed = http_receiver.url.rsplit(":", 1)[0] + ":1/hook"  # nothing listens on port 1
    create_channel(name="hook", kind="webhook", address=closed)
    make_alert()
    run_due_jobs("deliver")
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and "refused" in delivery.last_error.lower()
