"""The catalogue pages: what each role sees, and the dependency graph as a picture."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.catalogue.models import Party, Subject
from accord.manifests.apply import apply_paths
from accord.web.svg_dependencies import dependency_graph
from tests.agreements.test_versions import T0

pytestmark = pytest.mark.django_db


def login(client: Client, role: Role, party: str | None = None) -> User:
    user = User.objects.create_user(f"{role}-{party or 'all'}")
    Membership.objects.create(
        user=user, role=role, party=Party.objects.get(name=party) if party else None
    )
    client.force_login(user)
    return user


@pytest.fixture
def estate(northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)


def test_catalogue_lists_everything_for_a_manager(client: Client, estate: None) -> None:
    login(client, Role.MANAGER)
    html = client.get("/catalogue/").content.decode()
    for name in Subject.objects.values_list("name", flat=True):
        assert f'href="/catalogue/{name}/"' in html
    for party in Party.objects.all():
        assert f"<code>{party.name}</code>" in html
    assert "Services <small>3</small>" in html and "Components <small>5</small>" in html


def test_catalogue_of_a_customer_is_their_slice(client: Client, estate: None) -> None:
    login(client, Role.CUSTOMER, "retail-division")
    html = client.get("/catalogue/").content.decode()
    assert 'href="/catalogue/online-store/"' in html
    assert 'href="/catalogue/analytics-platform/"' in html  # their requirement (SLR)
    assert "warehouse-system" not in html and "web-a" not in html
    assert client.get("/catalogue/warehouse-system/").status_code == 404
    assert client.get("/catalogue/web-a/").status_code == 404
    assert client.get("/catalogue/no-such-thing/").status_code == 404


def test_catalogue_needs_login(client: Client) -> None:
    assert client.get("/catalogue/").status_code == 302


def test_service_page_draws_its_dependency_graph(client: Client, estate: None) -> None:
    login(client, Role.MANAGER)
    response = client.get("/catalogue/online-store/")
    html = response.content.decode()
    assert response.status_code == 200
    svg = html[html.index("<svg") : html.index("</svg>")]
    # One anyOf box (web-a, web-b) and every dependency linked, cloud-hosting once.
    assert svg.count('class="anyof"') == 1 and "any of 2" in svg
    for name in ("web-a", "web-b", "orders-db", "payment-gateway", "cloud-hosting"):
        assert svg.count(f'href="/catalogue/{name}/"') == 1
    # online-store → box, → orders-db, → payment-gateway; web-a, web-b, orders-db → cloud.
    assert svg.count('class="edge') == 6 and svg.count('class="edge any-of"') == 1
    assert "any one of" in html and 'href="/catalogue/web-a/">web-a</a>' in html
    agreements = html[html.index("Agreements on online-store") :]
    assert "retail-online-store-sla" in agreements and "service-desk-ola" in agreements
    assert "platform-ola" not in agreements


def test_graph_layers_put_shared_components_below_all_users(estate: None) -> None:
    store = Subject.objects.get(name="online-store")
    graph = dependency_graph(store, visible=set(Subject.objects.values_list("pk", flat=True)))
    y = {node.name: node.y for node in graph.nodes}
    assert y["online-store"] < y["web-a"] == y["web-b"] == y["orders-db"] < y["cloud-hosting"]
    box = next(unit for unit in graph.units if unit.group)
    assert [n.name for n in box.nodes] == ["web-a", "web-b"]
    for node in box.nodes:  # members sit inside their box
        assert box.x <= node.x and node.x + 168 <= box.x + box.w
    xs = sorted((n.x, n.x + 168) for n in graph.nodes if n.y == y["web-a"])
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(xs))  # no overlap
    assert graph.width >= max(n.x + 168 for n in graph.nodes)


def test_customer_sees_the_structure_but_not_hidden_names(client: Client, estate: None) -> None:
    login(client, Role.CUSTOMER, "retail-division")
    html = client.get("/catalogue/online-store/").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="anyof"') == 1  # the redundancy they buy is shown
    assert "not visible to you" in svg
    for hidden in ("web-a", "web-b", "orders-db", "cloud-hosting", "payment-gateway"):
        assert hidden not in html
    assert re.findall(r'href="/catalogue/([^/]+)/"', svg) == ["online-store"]
    agreements = html[html.index("Agreements on online-store") :]
    assert "retail-online-store-sla" in agreements and "service-desk-ola" not in agreements


def test_user_without_membership_sees_nothing(client: Client, estate: None) -> None:
    client.force_login(User.objects.create_user("nobody"))
    html = client.get("/catalogue/").content.decode()
    assert "Services <small>0</small>" in html and "catalogue/online-store" not in html
    assert client.get("/catalogue/online-store/").status_code == 404
