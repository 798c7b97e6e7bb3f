"""Two worker processes on one database never do the same job twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
REPO = Path(__file__).resolve().parents[2]
ACCORD = str(Path(sys.executable).with_name("accord"))


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A database of the same engine as the suite's, that other processes can open."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        return
    name = f"accord_workers_{uuid.uuid4().hex[:8]}"
    params = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}"
    try:
        yield f"postgres://{auth}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(url: str, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {"ACCORD_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.evaluation.worker_support", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_work(scratch_url: str) -> None:
    env = os.environ | {"ACCORD_DATABASE_URL": scratch_url}
    subprocess.run([ACCORD, "migrate", "-v0"], env=env, check=True)
    assert _run(scratch_url, "enqueue", "300").wait() == 0
    workers = [_run(scratch_url, "worker") for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    report = _run(scratch_url, "report")
    jobs = json.loads(report.communicate()[0])
    assert len(jobs) == 300
    assert all(j["done_at"] != "None" for j in jobs)
    assert {j["attempts"] for j in jobs} == {1}  # claimed once: nobody did a job twice
    by_worker = {j["result"]["worker"] for j in jobs}
    assert len(by_worker) == 2  # and both took part
