"""The Alertmanager webhook: payloads posted directly, then a real Alertmanager
(Debian `prometheus-alertmanager`) notifying the running app."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from accord.accounts.services import create_api_token
from accord.catalogue.models import Subject
from accord.measurements.models import Outage
from tests.accounts.helpers import manager

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
STARTED = "2026-03-02T09:00:00.123456789Z"
HOOK = "/api/v1/hooks/alertmanager"


@pytest.fixture
def token(db: None) -> str:
    Subject.objects.create(kind="service", name="online-store")
    Subject.objects.create(kind="component", name="web-a")
    return create_api_token(manager("alertmanager"), name="am")[1]


@pytest.fixture
def notify(client: Client, token: str) -> Callable[..., dict[str, Any]]:
    """notify(alert, …) posts a notification as Alertmanager does; returns the answer."""

    def post(*alerts: dict[str, Any]) -> dict[str, Any]:
        payload = {
            "version": "4",
            "status": alerts[0]["status"],
            "receiver": "accord",
            "groupLabels": {},
            "commonLabels": {},
            "alerts": list(alerts),
        }
        response = client.post(
            HOOK,
            json.dumps(payload),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.content
        return dict(response.json())

    return post


def alert(status: str = "firing", fingerprint: str = "a1b2", **labels: str) -> dict[str, Any]:
    resolved = status == "resolved"
    return {
        "status": status,
        "labels": {"alertname": "CheckoutDown", **labels},
        "annotations": {"summary": "checkout is failing"},
        "startsAt": STARTED,
        "endsAt": "2026-03-02T09:40:00Z" if resolved else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


def test_firing_opens_resolved_closes_repeats_are_harmless(notify: Callable[..., Any]) -> None:
    assert notify(alert(service="online-store"))["created"] == 1
    outage = Outage.objects.get()
    assert (outage.origin, outage.key) == ("alertmanager", "a1b2@2026-03-02T09:00:00.123456Z")
    assert (outage.subject.name, outage.end, outage.reference) == (
        "online-store",
        None,
        "CheckoutDown",
    )
    assert notify(alert(service="online-store"))["unchanged"] == 1
    closed = notify(alert("resolved", service="online-store"))
    assert closed["updated"] == 1
    assert Outage.objects.get().end == datetime(2026, 3, 2, 9, 40, tzinfo=UTC)
    assert notify(alert("resolved", service="online-store"))["unchanged"] == 1
    # A firing notification delivered late must not reopen it.
    assert notify(alert(service="online-store"))["unchanged"] == 1
    assert Outage.objects.get().end is not None


def test_labels_choose_subject_impact_and_planned(notify: Callable[..., Any]) -> None:
    result = notify(
        alert(fingerprint="f1", component="web-a", impact="0.5", planned="true"),
        alert(fingerprint="f2", severity="page"),  # names nothing: not an outage
    )
    assert (result["created"], result["ignored"], result["rejected"]) == (1, 1, 0)
    outage = Outage.objects.get()
    assert (outage.subject.name, outage.impact, outage.planned) == ("web-a", 0.5, True)
    with override_settings(ACCORD_ALERTMANAGER_SUBJECT_LABEL="app"):
        assert notify(alert(fingerprint="f3", app="online-store"))["created"] == 1


def test_problems_are_reported_and_logged_not_500(
    notify: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="accord.measurements.alertmanager"):
        result = notify(
            alert(fingerprint="f1", service="billing"),
            alert(fingerprint="f2", service="online-store", impact="most"),
            alert(fingerprint="f3", service="online-store"),
        )
    assert (result["created"], result["rejected"]) == (1, 2)
    assert [(r["path"], r["value"]) for r in result["rejections"]] == [
        ("body.alerts.0.labels.service", "billing"),
        ("body.alerts.1.labels.impact", "most"),
    ]
    assert "no service or component named 'billing'" in caplog.text
    assert "labels.impact" in caplog.text


def test_notifications_with_nothing_to_keep(notify: Callable[..., Any]) -> None:
    assert notify(alert(severity="page"))["ignored"] == 1
    assert not Outage.objects.exists()


def test_the_hook_needs_a_token(client: Client) -> None:
    response = client.post(HOOK, json.dumps({"alerts": []}), content_type="application/json")
    assert response.status_code == 401


# --- end to end --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@pytest.fixture
def alertmanager(live_server: Any, token: str, tmp_path: Path) -> Iterator[str]:
    """A real Alertmanager whose only receiver is Accord's webhook; yields its URL."""
    if not shutil.which(ALERTMANAGER):
        pytest.skip(f"{ALERTMANAGER} missing: apt-get install prometheus-alertmanager")
    hook = live_server.url.replace("localhost", "127.0.0.1") + HOOK
    config = {
        "global": {"resolve_timeout": "5s"},
        "route": {
            "receiver": "accord",
            "group_by": ["..."],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1h",
        },
        "receivers": [
            {
                "name": "accord",
                "webhook_configs": [
                    {
                        "url": hook,
                        "send_resolved": True,
                        "http_config": {"authorization": {"credentials": token}},
                    }
                ],
            }
        ],
    }
    (tmp_path / "alertmanager.yml").write_text(json.dumps(config))  # JSON is YAML
    port = _free_port()
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _ready(url), "Alertmanager to start", 20)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _post_alert(url: str, starts: datetime, ends: datetime | None) -> None:
    alert = {
        "labels": {"alertname": "CheckoutDown", "service": "online-store", "impact": "0.25"},
        "startsAt": starts.isoformat(),
        "generatorURL": "http://prometheus/graph",
    }
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        json.dumps([alert]).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_alertmanager_opens_and_closes_an_outage(alertmanager: str) -> None:
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    _post_alert(alertmanager, starts, None)
    outage = _wait_for(
        lambda: Outage.objects.filter(origin="alertmanager").first(), "the outage to open"
    )
    assert (outage.subject.name, outage.start, outage.end, outage.impact) == (
        "online-store",
        starts,
        None,
        0.25,
    )
    ends = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    _post_alert(alertmanager, starts, ends)
    closed = _wait_for(
        lambda: Outage.objects.filter(origin="alertmanager", end__isnull=False).first(),
        "the outage to close",
    )
    assert (closed.pk, closed.start, closed.end) == (outage.pk, starts, ends)
    assert Outage.objects.count() == 1
