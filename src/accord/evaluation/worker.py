"""The worker loop: claim due jobs one at a time until told to stop."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import DatabaseError, close_old_connections

from accord.evaluation.jobs import claim_next, ensure_schedules, run_job

log = logging.getLogger(__name__)


class Worker:
    """Runs in its own process (`accord worker`) or as a thread of `accord run`.

    `stop()` lets the job in hand finish, then the loop exits.
    """

    def __init__(self, *, poll_seconds: float = 1.0, name: str | None = None) -> None:
        self.poll_seconds = poll_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self, *, burst: bool = False) -> int:
        """Work until stopped (or, with `burst`, until nothing is due). Returns jobs done."""
        done = 0
        log.info("worker %s started", self.name)
        if not burst:  # a burst only drains what is due; periodic work needs a runner
            try:
                ensure_schedules()
            except DatabaseError:  # the loop below waits for the database as usual
                log.exception("worker %s could not check the schedules", self.name)
        while not self._stopping.is_set():
            close_old_connections()
            try:
                job = claim_next(self.name)
            except DatabaseError:  # e.g. the database restarting: wait, then try again
                log.exception("worker %s could not claim a job", self.name)
                self._stopping.wait(max(self.poll_seconds, 5.0))
                continue
            if job is None:
                if burst:
                    break
                self._stopping.wait(self.poll_seconds)
                continue
            run_job(job)
            done += 1
        log.info("worker %s stopped after %d job(s)", self.name, done)
        return done
