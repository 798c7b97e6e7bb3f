"""The lifecycle job: activation on the effective date, expiry after the last day, and
the expiry and review-due notices, each raised once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.accounts.services import create_api_token
from accord.agreements.jobs import LIFECYCLE, run_lifecycle
from accord.agreements.models import Agreement
from accord.alerts.models import AlertEvent
from accord.evaluation.jobs import HANDLERS, REPEAT
from tests.agreements.workflow_support import estate, user

pytestmark = pytest.mark.django_db
S = Agreement.Status


def test_the_job_is_registered_and_periodic() -> None:
    assert LIFECYCLE in HANDLERS and REPEAT[LIFECYCLE].total_seconds() == 3600


def test_activation_and_expiry_on_the_local_dates(tmp_path: Path) -> None:
    # Europe/London: 2026-04-01 starts at 2026-03-31 23:00 UTC (summer time).
    (tmp_path / "20-calendar.yaml").write_text(
        "apiVersion: accord/v1\nkind: Calendar\nmetadata: {name: london}\n"
        "spec: {timezone: Europe/London, hours: {mon-sun: ['00:00-24:00']}}\n"
    )
    agreement = estate(tmp_path, status="agreed", until="2026-10-31")
    Agreement.objects.filter(pk=agreement.pk).update(status=S.AGREED)
    version = agreement.versions.get()
    from accord.agreements.models import Calendar

    version.service_hours = Calendar.objects.get(name="london")
    version.save()
    assert run_lifecycle(now=datetime(2026, 3, 31, 22, 59, tzinfo=UTC))["activated"] == 0
    counts = run_lifecycle(now=datetime(2026, 3, 31, 23, 0, tzinfo=UTC))
    agreement.refresh_from_db()
    assert counts["activated"] == 1 and agreement.status == S.ACTIVE
    event = agreement.events.order_by("id").last()
    assert (event.actor_name, event.from_status, event.to_status) == ("system", "agreed", "active")
    # The last day (Oct 31, GMT again) ends at 2026-11-01 00:00 UTC.
    assert run_lifecycle(now=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))["expired"] == 0
    assert run_lifecycle(now=datetime(2026, 11, 1, 0, 0, tzinfo=UTC))["expired"] == 1
    agreement.refresh_from_db()
    assert agreement.status == S.EXPIRED
    assert run_lifecycle(now=datetime(2026, 11, 2, tzinfo=UTC)) == {
        "activated": 0,
        "expired": 0,
        "notices": 0,
        "changes_activated": 0,
        "changes_reverted": 0,
    }


def test_expiry_and_review_notices_once_per_date(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="active", until="2026-12-31", review="2026-11-20")
    early = datetime(
        2026, 10, 1, tzinfo=UTC
    )  # 92 days before the end (Jan 1 00:00), 50 before the review
    assert run_lifecycle(now=early)["notices"] == 0
    near = datetime(2026, 11, 10, tzinfo=UTC)  # 52 days before the end, 10 before the review
    assert run_lifecycle(now=near)["notices"] == 2
    assert run_lifecycle(now=near)["notices"] == 0
    expiring = AlertEvent.objects.get(kind="agreement-expiring")
    assert expiring.dedupe_key == "agreement-expiring:store-sla:2026-12-31"
    assert (
        expiring.agreement_id == agreement.pk
        and "ends on 2026-12-31 (in 52 days)" in expiring.message
    )
    review = AlertEvent.objects.get(kind="review-due")
    assert review.message == "The review of store-sla is due on 2026-11-20"
    # a new review date is a new notice
    Agreement.objects.filter(pk=agreement.pk).update(review_next="2026-11-24")
    assert run_lifecycle(now=near)["notices"] == 1
    # once the date has passed it is the reviews app's `review-overdue`, not a notice here
    Agreement.objects.filter(pk=agreement.pk).update(review_next="2026-11-01")
    assert run_lifecycle(now=near)["notices"] == 0
    # the notices are ordinary alerts: listed by the alerts API with the others
    _, token = create_api_token(user("mia", Role.MANAGER), name="t")
    listed = Client().get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert sorted(a["kind"] for a in listed.json()["items"]) == [
        "agreement-expiring",
        "review-due",
        "review-due",
    ]
