"""The worker's evaluation jobs: queued after ingestion and on a schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.catalogue.models import Subject
from accord.evaluation.handlers import EVERY, SCHEDULE
from accord.evaluation.jobs import claim_next, ensure_schedules, run_job
from accord.evaluation.models import EvaluationState, Job, PeriodResult
from accord.evaluation.services import EVALUATE, request_evaluation
from tests.evaluation.conftest import Apply, make_ticket
from tests.evaluation.test_ticket_clocks import BOTH, sla

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(apply: Apply) -> None:
    shop = sla(BOTH)
    desk = sla(BOTH, services="[desk]").replace("name: sla}", "name: desk-sla}")
    apply(shop + "\n---\n" + desk)


def test_ingestion_queues_the_agreements_covering_the_subjects(two: None) -> None:
    shop = Subject.objects.get(name="shop")
    jobs = request_evaluation(subject_ids=[shop.pk])
    assert [(j.kind, j.key) for j in jobs] == [(EVALUATE, "sla")]
    again = request_evaluation(subject_ids=[shop.pk])
    assert [j.pk for j in again] == [j.pk for j in jobs]  # one pending job per agreement
    assert {j.key for j in request_evaluation()} == {"sla", "desk-sla"}


def test_a_worker_evaluates_what_was_queued(two: None) -> None:
    make_ticket("T1", "2026-03-02 10:00", responded="2026-03-02 10:10", state="in-progress")
    request_evaluation(subject_ids=[Subject.objects.get(name="shop").pk])
    # What a worker does with it (the loop itself is tested with real processes).
    claimed = claim_next("w")
    assert claimed is not None and claim_next("w") is None
    run_job(claimed)
    job = Job.objects.get(kind=EVALUATE)
    assert job.done_at is not None and job.result["agreement"] == "sla"
    assert job.result["clocks"] == 2 and job.result["full"]
    assert EvaluationState.objects.get().agreement.name == "sla"
    assert PeriodResult.objects.filter(agreement__name="sla").exists()


def test_the_schedule_queues_every_agreement_and_comes_back(two: None) -> None:
    now = timezone.now()
    ensure_schedules(now=now)
    ensure_schedules(now=now)  # a second worker starting: still one pending schedule
    # Other apps may have periodic kinds too; this one is pending once.
    job = Job.objects.get(kind=SCHEDULE, done_at__isnull=True)
    assert job.due_at == now
    run_job(job)
    pending = Job.objects.filter(done_at__isnull=True)
    assert sorted(pending.filter(kind=EVALUATE).values_list("key", flat=True)) == [
        "desk-sla",
        "sla",
    ]
    following = pending.get(kind=SCHEDULE)
    assert following.pk != job.pk
    assert timezone.now() + EVERY - timedelta(seconds=5) < following.due_at
    assert following.due_at <= timezone.now() + EVERY
