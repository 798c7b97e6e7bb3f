"""The Prometheus connector: against a stand-in HTTP server for every failure, and
against a real Prometheus (Debian `prometheus`) scraping an exporter the test runs."""

from __future__ import annotations

import json
import logging
import math
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accord.catalogue.models import DataSource
from accord.evaluation.jobs import REPEAT, claim_next, enqueue, run_job
from accord.evaluation.models import Job
from accord.manifests.apply import apply_paths
from accord.measurements.models import MetricPoint, MetricSeries
from accord.measurements.prometheus import (
    SYNC_JOB,
    Options,
    RatioTarget,
    ratio_targets,
    sync_target,
    to_points,
    window_text,
)
from accord.measurements.prometheus_api import PrometheusError, query_range

PROMETHEUS = "/usr/bin/prometheus"
SERIES = "retail-online-store-sla/checkout-success"
NOW = datetime(2026, 3, 2, 12, 0, 10, tzinfo=UTC)
OPTIONS = Options(bucket=300, settle=60, backfill=timedelta(hours=1), timeout=2)

Responder = Callable[[dict[str, str]], tuple[int, bytes]]


class StandIn:
    """An HTTP server on localhost answering /api/v1/query_range with `respond`."""

    def __init__(self) -> None:
        self.respond: Responder = lambda params: (200, matrix([]))
        self.queries: list[dict[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                stand_in.queries.append(params)
                status, body = stand_in.respond(params)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:  # the client timed out, as the test wanted
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.server.shutdown()
    server.server.server_close()


def matrix(series: list[list[tuple[float, str]]]) -> bytes:
    result = [{"metric": {}, "values": [[t, v] for t, v in values]} for values in series]
    return json.dumps(
        {"status": "success", "data": {"resultType": "matrix", "result": result}}
    ).encode()


def target(url: str, good: str = "sum(rate(ok[{{window}}]))") -> RatioTarget:
    return RatioTarget("sla/checkout", url, good, "sum(rate(all[{{ window }}]))")


def per_second(rate: float) -> Responder:
    """A query answered with `rate` per second at every step."""

    def respond(params: dict[str, str]) -> tuple[int, bytes]:
        start, end, step = (int(params[k]) for k in ("start", "end", "step"))
        return 200, matrix([[(t, str(rate)) for t in range(start, end + 1, step)]])

    return respond


@pytest.mark.django_db
def test_counts_per_bucket_from_rates(stand_in: StandIn) -> None:
    stand_in.respond = lambda p: per_second(0.5 if "ok" in p["query"] else 2.0)(p)
    report = sync_target(target(stand_in.url), now=NOW, since=None, options=OPTIONS)
    # Buckets of 5 minutes, from an hour back up to the last one ended a minute ago.
    assert (report.start, report.end) == (
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 55, tzinfo=UTC),
    )
    assert (report.buckets, report.counts.created, report.error) == (11, 11, "")
    assert stand_in.queries[0]["query"] == "sum(rate(ok[5m]))"
    assert stand_in.queries[1]["query"] == "sum(rate(all[5m]))"
    assert stand_in.queries[0]["start"] == str(int(report.start.timestamp()) + 300)
    point = MetricPoint.objects.order_by("start").first()
    assert point is not None and (point.good, point.total) == (150, 600)
    assert (point.start, point.end) == (report.start, report.start + timedelta(minutes=5))
    # The next sync goes on from the last stored bucket.
    later = sync_target(
        target(stand_in.url), now=NOW + timedelta(minutes=10), since=None, options=OPTIONS
    )
    assert (later.start, later.buckets, later.counts.created) == (report.end, 2, 2)
    again = sync_target(
        target(stand_in.url), now=NOW + timedelta(minutes=10), since=None, options=OPTIONS
    )
    assert (again.buckets, again.summary()) == (0, "sla/checkout: up to date")
    redo = sync_target(target(stand_in.url), now=NOW, since=report.start, options=OPTIONS)
    assert (redo.counts.unchanged, redo.counts.created) == (11, 0)


def test_points_no_data_clamping_and_windows() -> None:
    ratio = target("http://x", good="sum(increase(ok[{{window}}]))")
    points = to_points(ratio, {600: 700.0, 900: 3.0}, {600: 2.0, 900: 0.0, 1200: 1.0}, 300)
    # good is a count (increase), total a rate (× 300); 300 is absent from both: no point.
    assert [(p.start.timestamp(), p.good, p.total) for p in points] == [
        (300, 600, 600),
        (600, 0, 0),
        (900, 0, 300),
    ]
    assert [window_text(s) for s in (30, 300, 5400, 7200, 86400, 90)] == [
        "30s",
        "5m",
        "90m",
        "2h",
        "1d",
        "90s",
    ]


def test_several_series_are_summed_and_nan_skipped(stand_in: StandIn) -> None:
    stand_in.respond = lambda p: (200, matrix([[(10, "1"), (20, "NaN")], [(10, "2")]]))
    assert query_range(stand_in.url, "q", start=10, end=20, step=10, timeout=1) == {10: 3.0}


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            400,
            b'{"status":"error","errorType":"bad_data","error":"parse error at char 4"}',
            "HTTP 400: bad_data: parse error at char 4",
        ),
        (503, b"Service Unavailable", "HTTP 503: Service Unavailable"),
        (200, b"<html>login</html>", "the answer is not JSON (it begins '<html>login</html>')"),
        (
            200,
            b'{"status":"success","data":{"resultType":"vector","result":[]}}',
            "expected a range result (matrix), got 'vector'",
        ),
        (
            200,
            b'{"status":"success","data":{"resultType":"matrix","result":[{"values":[1]}]}}',
            "malformed values",
        ),
    ],
)
def test_errors_have_clear_messages(
    stand_in: StandIn, status: int, body: bytes, message: str
) -> None:
    stand_in.respond = lambda params: (status, body)
    with pytest.raises(PrometheusError, match=r"Prometheus at http://127\.0\.0\.1") as error:
        query_range(stand_in.url, "up", start=0, end=60, step=60, timeout=2)
    assert message in str(error.value)


def test_timeouts_and_unreachable_servers(stand_in: StandIn) -> None:
    def slow(params: dict[str, str]) -> tuple[int, bytes]:
        time.sleep(1.5)
        return 200, matrix([])

    stand_in.respond = slow
    with pytest.raises(PrometheusError, match=r"no answer within 0.3 s"):
        query_range(stand_in.url, "up", start=0, end=60, step=60, timeout=0.3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(PrometheusError, match="unreachable"):
        query_range(closed, "up", start=0, end=60, step=60, timeout=1)


@pytest.mark.django_db
def test_empty_results_store_nothing(stand_in: StandIn) -> None:
    report = sync_target(target(stand_in.url), now=NOW, since=None, options=OPTIONS)
    assert (report.buckets, report.without_data, report.error) == (11, 11, "")
    assert "no data 11" in report.summary()
    assert not MetricPoint.objects.exists()


@pytest.fixture
def northwind_on(northwind: Path, db: None) -> Callable[[str], None]:
    """northwind_on(url): the Northwind manifests, their Prometheus source pointed at url."""

    def apply(url: str) -> None:
        apply_paths([northwind], effective_from=NOW)
        DataSource.objects.filter(name="prometheus").update(url=url)

    return apply


def test_targets_command_and_job(
    stand_in: StandIn, northwind_on: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    northwind_on(stand_in.url)
    found = ratio_targets(at=NOW)
    assert [t.series for t in found] == [SERIES]
    assert 'job="checkout"' in found[0].total
    stand_in.respond = per_second(1.0)
    out = StringIO()
    call_command("sync-prometheus", "--agreement", "retail-online-store-sla", stdout=out)
    assert out.getvalue().startswith(f"{SERIES}: ") and "created" in out.getvalue()
    assert MetricSeries.objects.get().name == SERIES
    with pytest.raises(CommandError, match="no agreement named 'nope'"):
        call_command("sync-prometheus", "--agreement", "nope")

    stand_in.respond = lambda params: (
        400,
        b'{"status":"error","errorType":"bad_data","error":"x"}',
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 target"):
        call_command("sync-prometheus", "--since", "2026-01-01", stdout=StringIO(), stderr=err)
    assert f"{SERIES}: Prometheus at {stand_in.url}: HTTP 400: bad_data: x" in err.getvalue()

    MetricPoint.objects.all().delete()  # so the job has buckets to read
    assert REPEAT[SYNC_JOB] == timedelta(seconds=300)  # the worker keeps one pending
    job = enqueue(SYNC_JOB, due_at=datetime.now(UTC) - timedelta(minutes=1))
    claimed = claim_next("test")
    assert claimed is not None and claimed.pk == job.pk
    run_job(claimed)
    done = Job.objects.get(pk=job.pk)
    assert done.done_at is not None and not done.failed and done.result["failed"] == 1
    assert "HTTP 400: bad_data" in done.result["series"][0]
    following = Job.objects.get(kind=SYNC_JOB, done_at__isnull=True)
    assert following.due_at - done.done_at == timedelta(seconds=300)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and SERIES in r.message]
    assert len(warned) == 1 and "HTTP 400" in warned[0].message

    # The same failure next time is not said again; the recovery is.
    def run_following() -> list[str]:
        Job.objects.exclude(kind=SYNC_JOB).delete()  # evaluations the syncs asked for
        caplog.clear()
        Job.objects.filter(kind=SYNC_JOB, done_at__isnull=True).update(due_at=done.done_at)
        claimed = claim_next("test")
        assert claimed is not None and claimed.kind == SYNC_JOB
        run_job(claimed)
        return [r.message for r in caplog.records if r.levelno >= logging.WARNING]

    assert run_following() == []
    stand_in.respond = per_second(1.0)
    assert run_following() == [f"prometheus-sync: {SERIES}: synchronised again"]


# --- a real Prometheus -------------------------------------------------------------------


class Exporter:
    """/metrics with two counters growing linearly with time: 90 good and 10 failed
    requests a second. Every scrape served is recorded."""

    RATES = {"200": 90.0, "500": 10.0}

    def __init__(self) -> None:
        self.started = time.time()
        self.served: list[tuple[float, dict[str, int]]] = []
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                now = time.time()
                values = {
                    code: math.floor(r * (now - exporter.started))
                    for code, r in exporter.RATES.items()
                }
                exporter.served.append((now, values))
                lines = ["# TYPE http_requests_total counter"] + [
                    f'http_requests_total{{code="{code}"}} {value}'
                    for code, value in values.items()
                ]
                body = ("\n".join(lines) + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(url: str, query: str) -> list[Any]:
    with urllib.request.urlopen(f"{url}/api/v1/query?query={query}", timeout=2) as response:
        return list(json.load(response)["data"]["result"])


def _wait_for(check: Callable[[], Any], what: str, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, Exporter]]:
    if not shutil.which(PROMETHEUS):
        pytest.skip(f"{PROMETHEUS} missing: apt-get install prometheus")
    exporter = Exporter()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "checkout", "static_configs": [{"targets": [exporter.address]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = _free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: urllib.request.urlopen(f"{url}/-/ready", timeout=1), "Prometheus", 30)
        yield url, exporter
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        exporter.server.shutdown()
        exporter.server.server_close()


@pytest.mark.slow
def test_a_real_prometheus(
    prometheus: tuple[str, Exporter], northwind_on: Callable[[str], None]
) -> None:
    url, exporter = prometheus
    northwind_on(url)
    _wait_for(lambda: _query(url, "http_requests_total"), "the first samples", 20)
    first_scrape = exporter.served[0][0]
    bucket, buckets = 5, 3
    # Buckets wholly after the first scrape (+ 1 s, for a rate needs two samples) are full.
    full_from = math.ceil((first_scrape + 1) / bucket) * bucket
    since = datetime.fromtimestamp(full_from - 3 * bucket, UTC)  # 2–3 buckets before any data
    ready = full_from + buckets * bucket + 2  # + settle
    time.sleep(max(0.0, ready - time.time()))
    with override_settings(ACCORD_PROMETHEUS_BUCKET=bucket, ACCORD_PROMETHEUS_SETTLE=2):
        out = StringIO()
        call_command("sync-prometheus", "--since", since.isoformat(), stdout=out)
    points = list(MetricPoint.objects.filter(series__name=SERIES).order_by("start"))
    full = [p for p in points if p.start.timestamp() >= full_from]
    assert len(full) >= buckets, out.getvalue()
    # No data before the first scrape: no point there, not zeros.
    assert all(p.end.timestamp() > first_scrape for p in points)
    # The rates the exporter really served, from its first and last scrape.
    (t0, v0), (t1, v1) = exporter.served[0], exporter.served[-1]
    served_total = (sum(v1.values()) - sum(v0.values())) / (t1 - t0)
    served_good = (v1["200"] - v0["200"]) / (t1 - t0)
    assert served_total == pytest.approx(100, rel=0.02)
    for point in full:
        # rate(…[5s]) × 5 s is `increase`, extrapolated to the window's edges; for a
        # counter growing linearly that is exact up to the whole-number steps of the
        # counters (±1 each) and the few milliseconds between serving a scrape and
        # Prometheus' timestamp for it, so 2 % is ample and a wrong bucket (×2, ÷5,
        # a shifted window at a changing rate) is far outside it.
        assert point.total == pytest.approx(served_total * bucket, rel=0.02)
        assert point.good == pytest.approx(served_good * bucket, rel=0.02)
        assert point.good / point.total == pytest.approx(0.9, abs=0.005)
        assert point.end - point.start == timedelta(seconds=bucket)
    assert f"{SERIES}: " in out.getvalue() and "no data" in out.getvalue()
