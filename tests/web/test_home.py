from pathlib import Path

import pytest
from django.test import Client

from accord.manifests.apply import apply_paths
from tests.accounts.helpers import manager
from tests.agreements.test_versions import T0

pytestmark = pytest.mark.django_db


def test_home_needs_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_home_lists_agreements_in_force_then_the_others(client: Client, northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)
    client.force_login(manager("manager"))
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    # In force but not evaluated yet: a card each, saying so.
    assert "Online Store — Retail Division SLA" in html
    assert "No results yet" in html
    # Not in force (a service level requirement): listed below, with its lifecycle status.
    others = html[html.index("Agreements not in force") :]
    assert "analytics-slr" in others and "Requirement (SLR)" in others
    assert html.index("Online Store — Retail Division SLA") < html.index("Agreements not in force")


def test_login_page_and_security_headers(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_admin_lists_every_model(admin_client: Client, northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)
    for path in ("party", "service", "component", "datasource"):
        assert admin_client.get(f"/admin/catalogue/{path}/").status_code == 200
    for path in (
        "agreement",
        "agreementversion",
        "target",
        "calendar",
        "maintenancewindow",
        "temporarychange",
    ):
        assert admin_client.get(f"/admin/agreements/{path}/").status_code == 200
