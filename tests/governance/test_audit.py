"""The audit trail: create, update and delete through service functions and the ORM,
through manifest apply (bulk writes included), through the lifecycle API; the page, the
API and the CSV export, each limited to what the user may see."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from accord.accounts.models import Role
from accord.accounts.services import create_api_token
from accord.agreements.models import Agreement, Calendar
from accord.agreements.services import create_version
from accord.catalogue.models import Contact, Party
from accord.catalogue.services import create_party, create_subject, delete_party, update_party
from accord.governance.audit import acting_as
from accord.governance.models import AuditEntry
from accord.manifests.apply import apply_paths
from tests.agreements.workflow_support import T0, estate, user, write_estate

pytestmark = pytest.mark.django_db


def _entries(kind: str, name: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=kind, object_name=name).order_by("id"))


def test_create_update_delete_through_services_and_the_orm() -> None:
    mia = user("mia", Role.MANAGER)
    party = create_party(name="globex", role="customer", title="Globex")
    with acting_as(mia):
        update_party(party, changes={"title": "Globex Corp"})
        Contact.objects.create(party=party, name="Gil", email="gil@globex.example")
    delete_party(party)
    created, renamed, contact, deleted = _entries("party", "globex")
    assert (created.action, created.actor_name, created.actor, created.before) == (
        "create",
        "system",
        None,
        None,
    )
    assert created.after["title"] == "Globex" and created.after["role"] == "customer"
    assert (renamed.action, renamed.actor, renamed.changed) == ("update", mia, ["title"])
    assert (renamed.before["title"], renamed.after["title"]) == ("Globex", "Globex Corp")
    assert contact.changed == ["contacts"] and contact.before["contacts"] == []
    assert contact.after["contacts"] == [
        {"name": "Gil", "email": "gil@globex.example", "role": None}
    ]
    assert (deleted.action, deleted.after) == ("delete", None)
    assert (
        deleted.before["contacts"][0]["email"] == "gil@globex.example"
    )  # as it was, contacts and all
    # saving without a change records nothing
    again = create_party(name="initech", role="customer")
    again.save()
    assert len(_entries("party", "initech")) == 1


def test_a_new_version_with_bulk_created_targets_is_one_entry(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="draft")
    before = AuditEntry.objects.count()
    create_version(
        agreement,
        terms={"service_hours": Calendar.objects.get(name="24x7"), "period": "month"},
        targets=[{"name": "availability", "metric": "availability", "objective": 99.5}],
        effective_from=T0,
    )
    assert AuditEntry.objects.count() == before + 1
    entry = _entries("agreement", "store-sla")[-1]
    assert entry.changed == ["targets", "version"]
    assert [t["name"] for t in entry.before["targets"]] == ["p1-resolution"]
    assert [t["name"] for t in entry.after["targets"]] == ["availability"]


def test_manifest_apply_records_every_object_with_bulk_rows(
    tmp_path: Path, northwind: Path
) -> None:
    apply_paths([northwind], effective_from=T0)
    created = AuditEntry.objects.filter(action="create")
    assert created.count() == 28 and set(created.values_list("actor_name", flat=True)) == {
        "manifest"
    }
    retail = _entries("agreement", "retail-online-store-sla")[0]
    assert retail.after["status"] == "active" and retail.after["consumers"] == ["retail-division"]
    assert [t["name"] for t in retail.after["targets"]][:2] == ["availability", "p1-resolution"]
    assert (
        _entries("party", "ostara-it")[0].after["contacts"][0]["email"]
        == "priya.raman@ostara.example"
    )
    apply_paths([northwind], effective_from=T0)
    assert AuditEntry.objects.count() == 28  # nothing changed, nothing recorded
    # change a party's contacts (rewritten in bulk) and a target objective
    edited = tmp_path / "northwind"
    edited.mkdir()
    for source in northwind.glob("*.yaml"):
        text = source.read_text()
        text = text.replace("Priya Raman, email: priya.raman", "Priya R., email: priya.r")
        text = text.replace(
            "objective: 99.95\n      excludePlanned: true",
            "objective: 99.9\n      excludePlanned: true",
        )
        (edited / source.name).write_text(text)
    apply_paths([edited], effective_from=T0)
    (party,) = AuditEntry.objects.filter(object_name="ostara-it", action="update")
    assert party.changed == ["contacts"] and party.actor_name == "manifest"
    assert (
        party.before["contacts"][0]["name"] == "Priya Raman"
        and party.after["contacts"][0]["name"] == "Priya R."
    )
    (ola,) = AuditEntry.objects.filter(object_name="platform-ola", action="update")
    assert ola.changed == ["targets", "version"]
    assert (ola.before["targets"][0]["objective"], ola.after["targets"][0]["objective"]) == (
        99.95,
        99.9,
    )
    # --prune deletes are recorded with what was deleted
    (edited / "60-operations.yaml").unlink()
    apply_paths([edited], effective_from=T0, prune=True)
    deleted = AuditEntry.objects.filter(action="delete").order_by("object_name")
    assert [(e.object_type, e.object_name) for e in deleted] == [
        ("temporary-change", "black-friday-2026"),
        ("maintenance-window", "orders-db-patching-2026-03"),
    ]
    assert deleted[0].before["agreement"] == "retail-online-store-sla"


def test_api_page_and_export_show_who_changed_what(tmp_path: Path) -> None:
    estate(tmp_path, status="requirement", consumers="shop")
    olga = user("olga", Role.OWNER, party="acme-it", services=("store",))
    _, token = create_api_token(olga, name="t")
    client = Client()
    moved = client.post(
        "/api/v1/agreements/store-sla/transitions",
        {"to": "draft", "reason": "start"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert moved.status_code == 201, moved.content
    entry = _entries("agreement", "store-sla")[-1]
    assert (entry.actor, entry.actor_name, entry.changed) == (olga, "olga", ["status"])
    assert (entry.before["status"], entry.after["status"]) == ("requirement", "draft")

    found = client.get(
        "/api/v1/governance/audit?object=agreement:store-sla",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert found["count"] == 2 and found["items"][0]["actor"] == "olga"
    # a customer of another party sees none of it; a viewer sees it all
    write_estate(tmp_path)
    outsider = user("dee", Role.CUSTOMER, party="depot")
    _, other = create_api_token(outsider, name="t")
    hidden = client.get(
        "/api/v1/governance/audit?object=agreement:store-sla",
        headers={"Authorization": f"Bearer {other}"},
    ).json()
    assert hidden["count"] == 0

    client.force_login(user("vic", Role.VIEWER))
    page = client.get("/governance/audit/?object=agreement:store-sla")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "olga" in html
        and "requirement" in html
        and "draft" in html
        and '<th scope="col">Who</th>' in html
    )
    exported = client.get("/governance/audit/?object=agreement:store-sla&format=csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [r["actor"] for r in rows] == ["manifest", "olga"]

    out = tmp_path / "audit.csv"
    call_command("audit", "export", "--since", "2000-01-01", "-o", str(out))
    rows = list(csv.DictReader(out.open()))
    assert {r["object_type"] for r in rows} >= {"party", "service", "agreement"}
    assert rows[-1]["object_name"] == "store-sla" and rows[-1]["changed"] == "status"
    call_command("audit", "export", "--since", "2999-01-01", "-o", str(out))
    assert out.read_text().strip().count("\n") == 0  # the header only
    assert Agreement.objects.get(name="store-sla").status == "draft"
    assert Party.objects.count() == 4


def test_a_subject_made_with_its_dependencies_is_one_entry_that_names_them() -> None:
    create_subject(kind="component", name="db", changes={})
    create_subject(kind="component", name="cache", changes={})
    create_subject(kind="service", name="shop", changes={}, depends_on=[["db"], ["cache"]])
    (created,) = _entries("service", "shop")
    assert created.action == "create" and created.after["dependsOn"] == [["db"], ["cache"]]
