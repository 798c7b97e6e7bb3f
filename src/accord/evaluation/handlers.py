"""The worker's evaluation jobs: one `evaluate` job per agreement (queued by ingestion
through `services.request_evaluation`), and `evaluate-schedule`, which comes back by
itself every ACCORD_EVALUATE_EVERY seconds (default 300) and queues every agreement in
force, so running clocks, forecasts and burn rates move on when no data arrives."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accord.agreements.models import Agreement
from accord.config import env_int
from accord.evaluation.jobs import handler
from accord.evaluation.models import Job
from accord.evaluation.services import EVALUATE, evaluate_agreement, request_evaluation

SCHEDULE = "evaluate-schedule"
EVERY = timedelta(seconds=max(env_int("EVALUATE_EVERY", 300), 1))


@handler(EVALUATE)
def evaluate_job(job: Job) -> dict[str, Any]:
    agreement = Agreement.objects.filter(name=job.key).first()
    if agreement is None:  # deleted since it was queued
        return {"agreement": job.key, "missing": True}
    summary = evaluate_agreement(agreement)
    return {
        "agreement": summary.agreement,
        "as_of": summary.as_of.isoformat(),
        "full": summary.full,
        "clocks": summary.clocks,
        "periods": list(summary.periods),
        "changed": len(summary.changed),
    }


@handler(SCHEDULE, every=EVERY)
def schedule_job(job: Job) -> dict[str, Any]:
    queued = request_evaluation()
    return {"queued": [j.key for j in queued]}
