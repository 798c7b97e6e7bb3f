"""The lifecycle endpoints under /api/v1/agreements/{name}/…"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.accounts.services import create_api_token
from tests.agreements.workflow_support import estate, user

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, username: str, role: Role, party: str | None = None) -> None:
        _, self.token = create_api_token(user(username, role, party=party), name="t")
        self.client = Client()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/agreements/store-sla{path}", headers=self._auth())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/agreements/store-sla{path}",
            body,
            content_type="application/json",
            headers=self._auth(),
        )

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def test_negotiate_approve_and_change_temporarily_through_the_api(tmp_path: Path) -> None:
    estate(tmp_path, status="draft", consumers="shop")
    mia, sam = Api("mia", Role.MANAGER), Api("sam", Role.CUSTOMER, "shop")
    outsider = Api("dee", Role.CUSTOMER, "depot")
    assert outsider.get("/transitions").status_code == 404
    state = sam.get("/transitions").json()
    assert state["status"] == "draft" and state["steps"][0]["to"] == "proposed"
    assert state["steps"][0]["refused"] == "your role does not allow changing this agreement"
    assert sam.post("/transitions", {"to": "proposed"}).status_code == 403
    refused = mia.post("/transitions", {"to": "active"})
    assert refused.status_code == 409 and "allowed: proposed" in refused.json()["detail"]
    assert mia.post("/transitions", {"to": "proposed"}).status_code == 201

    counter = sam.post("/comments", {"body": "24h", "changes": {"terms": {"creditCap": 10}}})
    assert counter.status_code == 201 and counter.json()["party"] == "shop"
    bad = sam.post("/comments", {"body": "x", "changes": {"terms": {"colour": "red"}}})
    assert bad.status_code == 409 and "terms may set" in bad.json()["detail"]
    adopted = mia.post(f"/comments/{counter.json()['id']}/adopt", {})
    assert adopted.status_code == 200 and adopted.json()["adopted_at"]

    assert sam.post("/approvals", {}).status_code == 201
    assert mia.get("/transitions").json()["awaiting_approval"] == ["acme-it"]
    by_contact = mia.post("/approvals", {"contact_email": "ada@acme.example"})
    assert by_contact.status_code == 201 and by_contact.json()["name"] == "Ada Provider"
    state = sam.get("/transitions").json()
    assert state["status"] == "agreed" and [e["to_status"] for e in state["events"]][-1] == "agreed"

    asked = sam.post(
        "/temporary-changes",
        {
            "name": "stocktake",
            "start": "2027-01-02T00:00:00Z",
            "end": "2027-01-03T00:00:00Z",
            "reason": "stocktake weekend",
            "service_hours": "24x7",
            "targets": {"p1-resolution": {"within": "2h"}},
        },
    )
    assert asked.status_code == 201 and asked.json()["awaiting_approval"] == ["acme-it", "shop"]
    sam.post("/temporary-changes/stocktake/approvals", {})
    done = mia.post("/temporary-changes/stocktake/approvals", {"contact_email": "ada@acme.example"})
    assert done.json()["status"] == "approved"
    assert done.json()["approved_by"] == ["sam@example.org", "ada@acme.example"]
    listed = mia.get("/temporary-changes").json()
    assert [(c["name"], c["status"]) for c in listed] == [("stocktake", "approved")]
