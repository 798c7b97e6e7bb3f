"""Fixtures for the alerts tests: an agreement, real SMTP and HTTP receivers on localhost."""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.alerts.inputs import ClockInput, PeriodInput, WarningInstant
from accord.alerts.models import AlertEvent
from accord.alerts.services import raise_alerts
from accord.catalogue.models import Contact, Party
from accord.evaluation.jobs import claim_next, run_job
from accord.evaluation.models import Job

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def agreement(db: None) -> Agreement:
    provider = Party.objects.create(name="northwind-it", role=Party.Role.PROVIDER)
    customer = Party.objects.create(name="retail", role=Party.Role.CUSTOMER)
    Contact.objects.create(party=provider, name="Ops Lead", email="ops@northwind.test")
    Contact.objects.create(party=customer, name="Buyer", email="buyer@retail.test", position=1)
    sla = Agreement.objects.create(name="retail-sla", type=Agreement.Type.SLA, provider=provider)
    sla.consumers.add(customer)
    return sla


def open_clock(now: datetime, **changes: Any) -> ClockInput:
    """A 4-hour resolution clock opened 3.5 h ago: 50 % and 75 % warnings are past, the
    100 % warning and the breach lie 30 minutes ahead, `30m before` is due right now."""
    start = now - timedelta(hours=3, minutes=30)
    fields: dict[str, Any] = {
        "agreement": "retail-sla",
        "target": "p1-resolution",
        "ticket": "servicenow:INC0001",
        "status": "open",
        "running": True,
        "threshold_s": 4 * 3600,
        "elapsed_s": int(3.5 * 3600),
        "percent_elapsed": 87.5,
        "breach_at": start + timedelta(hours=4),
        "warnings": (
            WarningInstant(start + timedelta(hours=2), percent=50),
            WarningInstant(start + timedelta(hours=3), percent=75),
            WarningInstant(start + timedelta(hours=4), percent=100),
            WarningInstant(start + timedelta(hours=3, minutes=30), lead_s=1800),
        ),
    }
    return ClockInput(**(fields | changes))


def running_period(**changes: Any) -> PeriodInput:
    fields: dict[str, Any] = {
        "agreement": "retail-sla",
        "target": "availability",
        "subject": "online-store",
        "period_label": "2026-03",
        "period_start": datetime(2026, 3, 1, tzinfo=UTC),
        "period_end": datetime(2026, 4, 1, tzinfo=UTC),
        "finished": False,
        "objective": 99.9,
        "attainment": 99.95,
        "status": "at_risk",
        "consumed": 0.8,
    }
    return PeriodInput(**(fields | changes))


def make_alert(**changes: Any) -> AlertEvent:
    """One ticket-breach alert through the service (so deliveries are planned)."""
    now = timezone.now()
    clock = open_clock(now, status="breached", breach_at=now - timedelta(minutes=1), **changes)
    created = raise_alerts(clocks=[clock], as_of=now)
    assert len(created) == 1
    return created[0]


def run_due_jobs(kind: str, *, now: datetime | None = None) -> list[Job]:
    """Run every job of `kind` due at `now`, as a worker would."""
    now = now or timezone.now()
    ran = []
    while (job := claim_next("test", now=now)) is not None:
        assert job.kind == kind, f"unexpected {job.kind} job"
        run_job(job, now=now)
        ran.append(job)
    return ran


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Envelope] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free localhost port, and Accord pointed at it."""
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = mailbox.host, mailbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "accord@northwind.test"
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)  # answers in turn; then 200


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A real HTTP server in a thread that records each POST and answers as told."""
    receiver = HttpReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.statuses.popleft() if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else f"status {status}".encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/accord"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
