"""/api/v1 parties, services, components, dependencies: reads scoped by role, changes
by managers through catalogue.services, errors as JSON with field paths."""

from __future__ import annotations

import pytest

from accord.catalogue.models import Dependency, Party, Subject
from tests.api.conftest import Call

pytestmark = pytest.mark.django_db


def names(response: object) -> set[str]:
    body = response.json()  # type: ignore[attr-defined]
    return {item["name"] for item in body["items"]}


def test_reads_are_scoped_by_role(call: Call) -> None:
    everyone = names(call("manager", "get", "/parties?limit=1000"))
    assert {"retail-division", "logistics-division", "paybridge", "cumulus-cloud"} <= everyone
    # A customer sees its own party and the parties of the agreements it sees, not a
    # supplier of an underpinning contract it is not party to.
    retail = names(call("retail", "get", "/parties"))
    assert "retail-division" in retail and "ostara-it" in retail
    assert "paybridge" not in retail and "cumulus-cloud" not in retail
    assert call("retail", "get", "/parties/paybridge").status_code == 404
    assert call("supplier", "get", "/parties/paybridge").status_code == 200
    assert names(call("nobody", "get", "/parties")) == set()

    services = names(call("viewer", "get", "/services"))
    assert {"online-store", "warehouse-system"} <= services
    assert names(call("logistics", "get", "/services")) == {"warehouse-system"}
    assert call("logistics", "get", "/services/online-store").status_code == 404
    assert call("retail", "get", "/services/online-store").status_code == 200
    assert names(call("supplier", "get", "/components")) == {"payment-gateway"}
    assert call("supplier", "get", "/components/orders-db").status_code == 404


def test_subject_shows_dependencies_and_filters(call: Call) -> None:
    store = call("manager", "get", "/services/online-store").json()
    assert store["kind"] == "service" and store["party"]
    assert any(len(group) > 1 for group in store["depends_on"]), "an anyOf group"
    members = {m for group in store["depends_on"] for m in group}
    rows = call("manager", "get", "/dependencies?subject=online-store").json()
    assert {r["member"] for r in rows["items"]} == members
    assert rows["count"] == len(members)
    live = call("manager", "get", "/services?status=live").json()
    assert all(item["status"] == "live" for item in live["items"]) and live["count"] >= 2
    page = call("manager", "get", "/components?limit=2&offset=1").json()
    every = call("manager", "get", "/components").json()
    assert page["count"] == every["count"] and page["limit"] == 2
    assert [i["name"] for i in page["items"]] == [i["name"] for i in every["items"][1:3]]
    # A customer sees the service, but not the shared components behind it.
    retail = call("retail", "get", "/services/online-store").json()
    assert retail["depends_on"] == []
    assert call("retail", "get", "/dependencies").json()["count"] == 0


def test_managers_create_change_and_delete(call: Call) -> None:
    created = call("manager", "post", "/parties", {"name": "acme", "role": "supplier"})
    assert created.status_code == 201, created.content
    assert created.json() == {
        "name": "acme",
        "title": "",
        "role": "supplier",
        "timezone": "",
        "contacts": [],
    }
    changed = call(
        "admin", "patch", "/parties/acme", {"title": "ACME Ltd", "timezone": "Europe/Paris"}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "ACME Ltd"
    assert Party.objects.get(name="acme").timezone == "Europe/Paris"

    body = {"name": "acme-api", "party": "acme", "depends_on": [["web-a", "web-b"], ["orders-db"]]}
    component = call("manager", "post", "/components", body)
    assert component.status_code == 201, component.content
    assert component.json()["depends_on"] == [["web-a", "web-b"], ["orders-db"]]
    assert Subject.objects.get(name="acme-api").kind == "component"
    assert Dependency.objects.filter(subject__name="acme-api").count() == 3
    patched = call(
        "manager",
        "patch",
        "/components/acme-api",
        {"depends_on": [["orders-db"]], "criticality": "high"},
    )
    assert patched.json()["depends_on"] == [["orders-db"]]
    assert patched.json()["criticality"] == "high"
    # A component is not a service: the other collection does not know it.
    assert call("manager", "get", "/services/acme-api").status_code == 404

    # Deleting what others refer to is refused with 409 and what refers to it.
    refused = call("manager", "delete", "/parties/acme")
    assert refused.status_code == 409 and "acme-api" in refused.json()["detail"]
    assert call("manager", "delete", "/components/acme-api").status_code == 204
    assert call("manager", "delete", "/parties/acme").status_code == 204
    assert not Party.objects.filter(name="acme").exists()


@pytest.mark.parametrize("who", ["viewer", "owner", "retail", "supplier", "nobody"])
def test_only_managers_change_the_catalogue(call: Call, who: str) -> None:
    denied = call(who, "post", "/parties", {"name": "sneaky", "role": "customer"})
    assert denied.status_code == 403
    assert denied.json() == {"detail": "your role does not allow changing the catalogue"}
    assert not Party.objects.filter(name="sneaky").exists()
    # Something they may see: 403; something they may not: 404, as if it did not exist.
    seen = {"viewer": "online-store", "owner": "online-store", "retail": "online-store"}
    if who in seen:
        assert call(who, "patch", f"/services/{seen[who]}", {"title": "x"}).status_code == 403
        assert call(who, "delete", f"/services/{seen[who]}").status_code == 403
    if who != "viewer":
        assert call(who, "delete", "/components/orders-db").status_code == 404
    assert Subject.objects.get(name="online-store").title != "x"
    assert call(None, "get", "/parties").status_code == 401


def test_errors_name_the_field(call: Call) -> None:
    bad = call("manager", "post", "/parties", {"name": "Not A Slug", "role": "boss", "colour": 1})
    assert bad.status_code == 422
    paths = {e["path"] for e in bad.json()["errors"]}
    assert paths == {"body.name", "body.role", "body.colour"}
    taken = call("manager", "post", "/parties", {"name": "paybridge", "role": "supplier"})
    assert taken.status_code == 422
    assert taken.json()["errors"][0]["path"] == "body.name"
    unknown = call("manager", "post", "/services", {"name": "new-svc", "party": "nobody-here"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"path": "body.party", "message": "no party named 'nobody-here'", "type": "value_error"}
    ]
    cycle = call("manager", "patch", "/components/web-a", {"depends_on": [["acme-none"]]})
    assert cycle.json()["errors"][0]["path"] == "body.depends_on"
    store = call("manager", "get", "/services/online-store").json()
    member = store["depends_on"][0][0]
    loop = call("manager", "patch", f"/components/{member}", {"depends_on": [["online-store"]]})
    assert loop.status_code == 422 and "cycle" in loop.json()["errors"][0]["message"]
    zone = call("manager", "patch", "/parties/paybridge", {"timezone": "Mars/Olympus"})
    assert zone.status_code == 422 and "IANA" in zone.json()["errors"][0]["message"]
    assert not Subject.objects.filter(name="new-svc").exists()
