"""The lifecycle page and its forms, as the people of each party use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.agreements.models import Agreement
from tests.agreements.workflow_support import estate, user

pytestmark = pytest.mark.django_db


def test_propose_approve_and_comment_through_the_page(tmp_path: Path) -> None:
    estate(tmp_path, status="draft", consumers="shop")
    url = "/agreements/store-sla/workflow/"
    manager, customer = Client(), Client()
    manager.force_login(user("mia", Role.MANAGER, party="acme-it"))
    customer.force_login(user("sam", Role.CUSTOMER, party="shop"))
    outsider = Client()
    outsider.force_login(user("dee", Role.CUSTOMER, party="depot"))
    assert outsider.get(url).status_code == 404

    page = customer.get(url).content.decode()
    assert "you speak for <strong>shop</strong>" in page and "Only managers" in page
    refused = customer.post(f"{url}transition/", {"to": "proposed"})
    assert refused.status_code == 403

    moved = manager.post(f"{url}transition/", {"to": "proposed"}, follow=True)
    assert "Status changed." in moved.content.decode()
    assert Agreement.objects.get(name="store-sla").status == "proposed"

    said = customer.post(
        f"{url}comments/",
        {"body": "Looser P1?", "changes": "removeTargets: [p1-resolution]"},
        follow=True,
    ).content.decode()
    assert "Comment added." in said and "counter-proposal" in said
    bad = customer.post(f"{url}comments/", {"body": "x", "changes": "[1, 2"}, follow=True)
    assert "not valid YAML" in bad.content.decode()

    customer.post(f"{url}approvals/", {})
    early = manager.post(f"{url}transition/", {"to": "agreed"}, follow=True).content.decode()
    assert Agreement.objects.get(name="store-sla").status == "proposed"
    assert "still waiting for the approval of acme-it" in early
    manager.post(f"{url}approvals/", {})
    history = manager.get(url).content.decode()
    assert Agreement.objects.get(name="store-sla").status == "agreed"
    assert "proposed → agreed" in history and "approved by sam (shop), mia (acme-it)" in history
