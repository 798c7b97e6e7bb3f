"""Run inside worker subprocesses: registers a job kind that records who did it.

`python -m tests.evaluation.worker_support enqueue N` / `report` / `worker` — each with
ACCORD_DATABASE_URL naming the scratch database the test made.
"""

from __future__ import annotations

import json
import os
import sys
import time

import django


def main(command: str, *args: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    django.setup()
    from accord.evaluation.jobs import enqueue, handler
    from accord.evaluation.models import Job
    from accord.evaluation.worker import Worker

    @handler("test.record")
    def record(job: Job) -> dict[str, object]:
        time.sleep(0.005)  # long enough for the two workers to interleave
        return {"worker": os.getpid()}

    if command == "enqueue":
        for i in range(int(args[0])):
            enqueue("test.record", key=str(i))
    elif command == "worker":
        Worker(poll_seconds=0.05).run(burst=True)
    elif command == "report":
        rows = Job.objects.values("key", "attempts", "done_at", "result")
        print(json.dumps([{**r, "done_at": str(r["done_at"])} for r in rows]))


if __name__ == "__main__":
    main(*sys.argv[1:])
