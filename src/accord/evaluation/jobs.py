"""Enqueue, claim and finish background jobs.

Claiming is safe with any number of workers: on PostgreSQL the candidate row is locked
with `SELECT … FOR UPDATE SKIP LOCKED`, so workers never wait for or take each other's
jobs; on SQLite every write transaction starts IMMEDIATE (settings), so the select and
the claim of one worker cannot interleave with another's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accord.evaluation.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job], Mapping[str, Any] | None]
HANDLERS: dict[str, Handler] = {}
# Kinds that come back by themselves: once a job of the kind is done (or has failed for
# good) the same job is asked for again this much later.
REPEAT: dict[str, timedelta] = {}
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def handler(kind: str, *, every: timedelta | None = None) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of `kind` (apps register theirs on import);
    `every`: a periodic kind, re-enqueued after each run (see `ensure_schedules`)."""

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        if every is not None:
            REPEAT[kind] = every
        return func

    return register


def ensure_schedules(*, now: datetime | None = None) -> None:
    """Make sure every periodic kind has a pending job (a worker calls this on start).
    A pending one keeps its due time; a missing one is due now."""
    for kind in REPEAT:
        if not Job.objects.filter(kind=kind, done_at__isnull=True).exists():
            enqueue(kind, due_at=now or timezone.now())


def enqueue(
    kind: str,
    *,
    key: str = "",
    payload: Mapping[str, Any] | None = None,
    due_at: datetime | None = None,
) -> Job:
    """Ask for a job; if the same (kind, key) is already pending, keep the earlier due time."""
    due_at = due_at or timezone.now()
    pending = Job.objects.filter(kind=kind, key=key, done_at__isnull=True)
    try:
        with transaction.atomic():
            job, created = Job.objects.get_or_create(
                kind=kind,
                key=key,
                done_at=None,
                defaults={"payload": dict(payload or {}), "due_at": due_at},
            )
    except IntegrityError:  # another process created it between our read and write
        job, created = pending.get(), False
    if not created and due_at < job.due_at:
        pending.filter(pk=job.pk).update(due_at=due_at)
        job.due_at = due_at
    return job


def claim_next(worker: str, *, now: datetime | None = None) -> Job | None:
    """Take the most overdue job nobody holds, or None."""
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(free, done_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .first()
        )
        if job is None:
            return None
        Job.objects.filter(pk=job.pk).update(
            claimed_by=worker, claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
    job.refresh_from_db()
    return job


def run_job(job: Job, *, now: datetime | None = None) -> None:
    """Do the job; on failure, retry later with exponential backoff, then give up."""
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = func(job)
    except Exception as exc:
        log.exception("job %s failed (attempt %d)", job, job.attempts)
        _failed(job, f"{type(exc).__name__}: {exc}", now or timezone.now())
        return
    finished = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        done_at=finished, result=dict(result) if result else None, claimed_until=None
    )
    _repeat(job, finished)


def _repeat(job: Job, finished: datetime) -> None:
    every = REPEAT.get(job.kind)
    if every is not None:
        enqueue(job.kind, key=job.key, payload=job.payload, due_at=finished + every)


def _failed(job: Job, error: str, now: datetime) -> None:
    if job.attempts >= MAX_ATTEMPTS:
        Job.objects.filter(pk=job.pk).update(
            last_error=error, done_at=now, failed=True, claimed_until=None
        )
        _repeat(job, now)
        return
    backoff = timedelta(seconds=30 * 2 ** (job.attempts - 1))
    Job.objects.filter(pk=job.pk).update(last_error=error, due_at=now + backoff, claimed_until=None)
