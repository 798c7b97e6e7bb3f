from datetime import timedelta

import pytest
from django.utils import timezone

from accord.evaluation.jobs import HANDLERS, LEASE, MAX_ATTEMPTS, claim_next, enqueue, run_job
from accord.evaluation.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"ok": [], "boom": []}

    def ok(job: Job) -> dict[str, str]:
        seen["ok"].append(job.key)
        return {"key": job.key}

    def boom(job: Job) -> None:
        seen["boom"].append(job.key)
        raise RuntimeError("broken on purpose")

    HANDLERS.update({"t.ok": ok, "t.boom": boom})
    yield seen
    HANDLERS.pop("t.ok")
    HANDLERS.pop("t.boom")


def test_one_pending_job_per_key_keeping_the_earliest_due_time() -> None:
    now = timezone.now()
    first = enqueue("t.ok", key="a", due_at=now + timedelta(minutes=5))
    again = enqueue("t.ok", key="a", due_at=now + timedelta(minutes=1))
    later = enqueue("t.ok", key="a", due_at=now + timedelta(minutes=9))
    assert first.pk == again.pk == later.pk
    assert Job.objects.get().due_at == now + timedelta(minutes=1)


def test_claims_the_most_overdue_job_and_holds_it(kinds: dict[str, list[str]]) -> None:
    now = timezone.now()
    enqueue("t.ok", key="late", due_at=now - timedelta(minutes=1))
    enqueue("t.ok", key="later", due_at=now - timedelta(minutes=5))
    enqueue("t.ok", key="future", due_at=now + timedelta(hours=1))
    first = claim_next("w1", now=now)
    second = claim_next("w2", now=now)
    assert first is not None and first.key == "later" and first.claimed_by == "w1"
    assert second is not None and second.key == "late"
    assert claim_next("w3", now=now) is None  # the rest is held or not yet due
    # A worker that died loses its job when the lease runs out.
    taken_over = claim_next("w3", now=now + LEASE + timedelta(seconds=1))
    assert taken_over is not None and taken_over.key == "later" and taken_over.attempts == 2
    run_job(taken_over)
    done = Job.objects.get(key="later")
    assert done.done_at is not None and done.result == {"key": "later"}
    assert kinds["ok"] == ["later"]


def test_a_done_job_can_be_asked_for_again(kinds: dict[str, list[str]]) -> None:
    job = enqueue("t.ok", key="a")
    run_job(claim_next("w"))
    assert enqueue("t.ok", key="a").pk != job.pk


def test_failures_back_off_then_give_up(kinds: dict[str, list[str]]) -> None:
    now = timezone.now()
    enqueue("t.boom", key="x", due_at=now)
    delays = []
    for _ in range(MAX_ATTEMPTS):
        job = claim_next("w", now=now)
        assert job is not None
        run_job(job, now=now)
        job.refresh_from_db()
        delays.append((job.due_at - now).total_seconds())
        now = job.due_at
    assert delays[:3] == [30, 60, 120]
    assert job.failed and job.done_at is not None
    assert job.last_error == "RuntimeError: broken on purpose"
    assert claim_next("w", now=now + timedelta(days=1)) is None


def test_unknown_kind_is_a_failure_not_a_crash() -> None:
    enqueue("t.nobody", key="k")
    job = claim_next("w")
    run_job(job)
    job.refresh_from_db()
    assert "no handler for job kind 't.nobody'" in job.last_error and job.done_at is None
