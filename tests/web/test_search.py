"""Search across agreements, services and components, parties, tickets and targets."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.catalogue.models import Party
from accord.manifests.apply import apply_paths
from accord.measurements.models import Ticket
from tests.agreements.test_versions import T0

pytestmark = pytest.mark.django_db


def person(role: Role, party: str | None = None) -> User:
    user = User.objects.create_user(f"{role}-{party or 'all'}")
    Membership.objects.create(
        user=user, role=role, party=Party.objects.get(name=party) if party else None
    )
    return user


def groups(html: str) -> dict[str, list[str]]:
    """Each result group's heading → the links in it."""
    found: dict[str, list[str]] = {}
    for section in html.split("<section")[1:]:
        kind = re.search(r"<h2[^>]*>([^<]+?)\s*<small>", section)
        assert kind is not None
        found[kind.group(1)] = re.findall(r'<li><a href="([^"]+)"', section)
    return found


def test_search_finds_each_kind(client: Client, northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)
    client.force_login(person(Role.MANAGER))
    found = groups(client.get("/search/?q=online").content.decode())
    assert found["Agreements"] == ["/agreements/retail-online-store-sla/"]
    assert found["Services and components"] == ["/catalogue/online-store/"]
    assert "Tickets" not in found  # no tickets yet: empty groups are left out

    found = groups(client.get("/search/?q=resolution").content.decode())
    targets = client.get("/search/?q=resolution").content.decode()
    assert "retail-online-store-sla / p1-resolution" in targets
    assert "ostara-corporate / p3-resolution" in targets
    assert "/agreements/retail-online-store-sla/" in found["Targets"]

    html = client.get("/search/?q=Division").content.decode()  # titles count too
    assert "Retail Division" in html and "Logistics Division" in html

    assert "at least 2 characters" in client.get("/search/?q=x").content.decode()
    empty = client.get("/search/").content.decode()
    assert "<section" not in empty and " results for" not in empty


def test_search_is_filtered_by_access(client: Client, northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)
    client.force_login(person(Role.CUSTOMER, "logistics-division"))
    html = client.get("/search/?q=online").content.decode()
    assert "retail-online-store-sla" not in html and "online-store" not in html
    assert "0 results" in html
    found = groups(client.get("/search/?q=warehouse").content.decode())
    assert found["Agreements"] == ["/agreements/logistics-warehouse-sla/"]
    assert found["Services and components"] == ["/catalogue/warehouse-system/"]

    client.force_login(User.objects.create_user("nobody"))
    assert "0 results" in client.get("/search/?q=sla").content.decode()


def test_search_finds_tickets_by_id(client: Client, demo_estate: datetime) -> None:
    client.force_login(person(Role.MANAGER))
    tickets = Ticket.objects.filter(external_id__icontains="whs-2026112")
    assert tickets.exists()
    found = groups(client.get("/search/?q=whs-2026112").content.decode())
    assert sorted(found["Tickets"]) == sorted(f"/tickets/{t.pk}/" for t in tickets)
    assert client.get(found["Tickets"][0]).status_code == 200

    client.force_login(person(Role.SUPPLIER, "paybridge"))  # judges no tickets
    assert "Tickets" not in groups(client.get("/search/?q=whs-2026112").content.decode())
