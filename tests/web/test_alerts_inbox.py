"""The alerts inbox: who sees which alerts, the filters, and acknowledging."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.alerts.models import Acknowledgement, AlertEvent
from accord.alerts.payloads import alert_url
from accord.catalogue.models import Party

pytestmark = pytest.mark.django_db


def person(role: Role, party: str | None = None) -> User:
    user = User.objects.create_user(f"{role}-{party or 'all'}")
    Membership.objects.create(
        user=user, role=role, party=Party.objects.get(name=party) if party else None
    )
    return user


def row_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr id="alert-(\d+)"', html)}


def test_manager_filters_and_acknowledges(
    client: Client, demo_estate: datetime, django_assert_max_num_queries: Any
) -> None:
    manager = person(Role.MANAGER)
    client.force_login(manager)
    everything = set(AlertEvent.objects.values_list("pk", flat=True))
    assert len(everything) > 10
    with django_assert_max_num_queries(10):  # whatever the number of alerts: no N+1
        html = client.get("/alerts/").content.decode()
    assert row_ids(html) == everything and html.count(">Acknowledge</button>") == len(everything)

    breaches = set(AlertEvent.objects.filter(kind="period-breach").values_list("pk", flat=True))
    assert row_ids(client.get("/alerts/?kind=period-breach").content.decode()) == breaches

    # A plain form POST: redirect back to where the user was, the alert leaves "open".
    first, second = sorted(everything)[:2]
    response = client.post(f"/alerts/{first}/acknowledge/", {"next": "/alerts/?kind="})
    assert response.status_code == 302 and response["Location"] == "/alerts/?kind="
    ack = Acknowledgement.objects.get(alert_id=first)
    assert ack.user == manager and ack.username == manager.username
    assert first not in row_ids(client.get("/alerts/").content.decode())
    acked = client.get("/alerts/?state=acknowledged").content.decode()
    assert row_ids(acked) == {first} and f"✓ {manager.username}" in acked
    # The link a notification carries opens that alert, acknowledged or not.
    assert alert_url(AlertEvent.objects.get(pk=first)).endswith(
        f"/alerts/?alert={first}#alert-{first}"
    )
    assert row_ids(client.get(f"/alerts/?alert={first}").content.decode()) == {first}
    # An off-site `next` is ignored.
    response = client.post(f"/alerts/{second}/acknowledge/", {"next": "https://evil.example/"})
    assert response["Location"] == "/alerts/"

    # With htmx: the row comes back, acknowledged, without its button.
    third = sorted(everything)[2]
    response = client.post(f"/alerts/{third}/acknowledge/", HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 200 and row.lstrip().startswith(f'<tr id="alert-{third}"')
    assert 'class="acknowledged"' in row and "<button" not in row and "<html" not in row
    assert client.get(f"/alerts/{third}/acknowledge/").status_code == 405
    # Acknowledging twice keeps the first record.
    client.post(f"/alerts/{third}/acknowledge/")
    assert Acknowledgement.objects.filter(alert_id=third).count() == 1

    # Ticket alerts link to the ticket's clock.
    ticket_alert = AlertEvent.objects.filter(kind="ticket-breach").first()
    assert ticket_alert is not None
    html = client.get("/alerts/?kind=ticket-breach").content.decode()
    assert f"/clocks/{ticket_alert.agreement_name}/{ticket_alert.target_name}/" in html


def test_customers_read_only_their_alerts(client: Client, demo_estate: datetime) -> None:
    client.force_login(person(Role.CUSTOMER, "retail-division"))
    theirs = set(
        AlertEvent.objects.filter(
            agreement__name__in=["retail-online-store-sla", "ostara-corporate", "analytics-slr"]
        ).values_list("pk", flat=True)
    )
    html = client.get("/alerts/").content.decode()
    assert row_ids(html) == theirs and theirs
    assert "platform-ola" not in html and '<button type="submit" aria-label' not in html
    own = min(theirs)
    assert client.post(f"/alerts/{own}/acknowledge/").status_code == 403
    other = AlertEvent.objects.filter(agreement__name="platform-ola").first()
    assert other is not None
    assert client.post(f"/alerts/{other.pk}/acknowledge/").status_code == 404
    assert not Acknowledgement.objects.exists()

    client.force_login(person(Role.VIEWER))  # sees everything, acknowledges nothing
    html = client.get("/alerts/").content.decode()
    assert len(row_ids(html)) == AlertEvent.objects.count() and "Acknowledge</button>" not in html
    assert client.post(f"/alerts/{own}/acknowledge/").status_code == 403


def test_service_owner_acknowledges_alerts_on_their_services(
    client: Client, demo_estate: datetime
) -> None:
    owner = person(Role.OWNER, "platform-team")
    client.force_login(owner)
    html = client.get("/alerts/").content.decode()
    platform = set(
        AlertEvent.objects.filter(agreement__name="platform-ola").values_list("pk", flat=True)
    )
    assert row_ids(html) == platform
    assert client.post(f"/alerts/{min(platform)}/acknowledge/").status_code == 302
    assert Acknowledgement.objects.get().user == owner


def test_acknowledge_needs_the_csrf_token(demo_estate: datetime) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person(Role.MANAGER))
    alert = AlertEvent.objects.first()
    assert alert is not None
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 403
    page = client.get("/alerts/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        f"/alerts/{alert.pk}/acknowledge/", {"csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302 and Acknowledgement.objects.count() == 1
