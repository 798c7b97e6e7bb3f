"""`accord check` on the Northwind manifests, its JSON and exit status, `--django`, and
who sees which findings on the page and through the API."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.services import create_api_token, create_user
from accord.catalogue.models import Party, Subject
from accord.manifests.apply import apply_paths

pytestmark = pytest.mark.django_db
AT = "2026-11-30T12:00:00+00:00"
AVAILABILITY = (
    "retail-online-store-sla promises 99.9 % availability of online-store; its "
    "dependencies' agreements make at most 99.80 % possible: orders-db 99.95 % "
    "(platform-ola) × payment-gateway 99.9 % (paybridge-uc) × cloud-hosting 99.95 % "
    "(cumulus-hosting-uc) × anyOf(web-a 99.95 % (platform-ola) | web-b 99.95 % "
    "(platform-ola)) 99.999975 %"
)
ENDS_BEFORE = (
    "cumulus-hosting-uc (UC) ends on 2026-09-30, 92 days before retail-online-store-sla, "
    "which it underpins, ends on 2026-12-31"
)


@pytest.fixture
def loaded(northwind: Path) -> None:
    apply_paths([northwind], effective_from=timezone.now())


def test_accord_check_on_northwind(loaded: None) -> None:
    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("check", "--as-of", AT, "--format", "json", stdout=out)
    assert exit_status.value.code == 1  # errors found
    findings = json.loads(out.getvalue())
    assert all(set(f) == {"rule", "severity", "objects", "message"} for f in findings)
    by_message = {f["message"]: f for f in findings}
    assert by_message[ENDS_BEFORE]["rule"] == "underpinning.ends-before"
    assert by_message[ENDS_BEFORE]["severity"] == "error"
    assert by_message[ENDS_BEFORE]["objects"] == [
        {"kind": "agreement", "name": "cumulus-hosting-uc"},
        {"kind": "agreement", "name": "retail-online-store-sla"},
    ]
    assert by_message[AVAILABILITY]["rule"] == "underpinning.availability"
    assert {"kind": "service", "name": "online-store"} in by_message[AVAILABILITY]["objects"]
    rules = {f["rule"] for f in findings}
    assert {"lifecycle.ended-still-in-force", "underpinning.none"} <= rules
    # Errors come first; the table says how many of each.
    severities = [f["severity"] for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    table = StringIO()
    with pytest.raises(SystemExit):
        call_command("check", "--as-of", AT, stdout=table)
    assert f"{severities.count('error')} errors, " in table.getvalue()
    assert ENDS_BEFORE in table.getvalue()


def test_only_warnings_exit_zero_and_django_checks_remain(loaded: None) -> None:
    out = StringIO()
    call_command("check", "--as-of", AT, "--rule", "lifecycle.review-overdue", stdout=out)
    assert "retail-online-store-sla was due for review on 2026-04-15" in out.getvalue()
    django = StringIO()
    call_command("check", "--django", "--tag", "models", stdout=django)
    assert "System check identified no issues" in django.getvalue()


def _user(name: str, role: Role, **scope: object) -> Client:
    user = create_user(name, role=role, password="a-long-passphrase-1", **scope)  # type: ignore[arg-type]
    client = Client()
    client.force_login(user)
    return client


def test_who_sees_which_findings(loaded: None) -> None:
    manager = _user("mia", Role.MANAGER)
    page = manager.get("/governance/checks/")
    assert page.status_code == 200
    assert ENDS_BEFORE in page.content.decode()
    customer = _user("cole", Role.CUSTOMER, party=Party.objects.get(name="retail-division"))
    assert customer.get("/governance/checks/").status_code == 403
    owner = _user("olga", Role.OWNER, services=[Subject.objects.get(name="warehouse-system")])
    text = owner.get("/governance/checks/").content.decode()
    assert "logistics-warehouse-sla is underpinned by no OLA or UC" in text
    assert "retail-online-store-sla promises" not in text
    assert "cumulus-hosting-uc (UC) ends on" not in text
    store_owner = _user("otto", Role.OWNER, services=[Subject.objects.get(name="online-store")])
    text = store_owner.get("/governance/checks/").content.decode()
    assert ENDS_BEFORE in text and "retail-online-store-sla promises" in text
    assert "logistics-warehouse-sla is underpinned" not in text


def test_checks_through_the_api(loaded: None) -> None:
    user = create_user("api-mia", role=Role.MANAGER)
    _, token = create_api_token(user, name="test")
    response = Client().get(
        "/api/v1/governance/checks",
        {"as_of": datetime.fromisoformat(AT).isoformat()},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert ENDS_BEFORE in [f["message"] for f in response.json()]
    supplier = create_user("sam", role=Role.SUPPLIER, party=Party.objects.get(name="paybridge"))
    _, other = create_api_token(supplier, name="test")
    denied = Client().get("/api/v1/governance/checks", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert denied.status_code == 403
