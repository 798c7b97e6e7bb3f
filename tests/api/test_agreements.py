"""/api/v1 agreements (versions, effective targets, underpinning) and calendars."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.agreements.services import create_version
from accord.manifests.state import target_spec, version_terms
from tests.api.conftest import SEES, Call

pytestmark = pytest.mark.django_db


def names(response: object) -> set[str]:
    return {item["name"] for item in response.json()["items"]}  # type: ignore[attr-defined]


def test_each_role_lists_exactly_its_agreements(call: Call) -> None:
    for who, expected in SEES.items():
        listed = call(who, "get", "/agreements?limit=1000")
        assert listed.status_code == 200
        assert names(listed) == expected, who
        assert listed.json()["count"] == len(expected)
        for name in ("retail-online-store-sla", "paybridge-uc", "logistics-warehouse-sla"):
            status = call(who, "get", f"/agreements/{name}").status_code
            assert status == (200 if name in expected else 404), (who, name)


def test_filters_and_pages(call: Call) -> None:
    assert names(call("manager", "get", "/agreements?type=UC")) == {
        "cumulus-hosting-uc",
        "paybridge-uc",
    }
    assert names(call("manager", "get", "/agreements?status=requirement")) == {"analytics-slr"}
    assert names(call("manager", "get", "/agreements?party=logistics-division")) == {
        "logistics-warehouse-sla",
        "ostara-corporate",
    }
    assert names(call("manager", "get", "/agreements?consumer=retail-division&type=SLA")) == {
        "analytics-slr",
        "ostara-corporate",
        "retail-online-store-sla",
    }
    assert names(call("manager", "get", "/agreements?service=online-store")) == {
        "retail-online-store-sla",
        "service-desk-ola",
    }
    assert names(call("manager", "get", "/agreements?parent=ostara-corporate")) == {
        "logistics-warehouse-sla",
        "retail-online-store-sla",
    }
    # Filters never widen what a role sees.
    assert names(call("logistics", "get", "/agreements?party=retail-division")) == {
        "ostara-corporate"
    }
    first = call("manager", "get", "/agreements?limit=3").json()
    second = call("manager", "get", "/agreements?limit=3&offset=3").json()
    assert first["count"] == second["count"] == 8
    assert len({i["name"] for i in first["items"] + second["items"]}) == 6
    too_many = call("manager", "get", "/agreements?limit=5000")
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["path"] == "query.limit"


def test_agreement_detail_hides_what_the_role_may_not_see(call: Call) -> None:
    full = call("manager", "get", "/agreements/retail-online-store-sla").json()
    assert full["parent"] == "ostara-corporate" and full["consumers"] == ["retail-division"]
    assert full["underpinned_by"] == [
        "cumulus-hosting-uc",
        "paybridge-uc",
        "platform-ola",
        "service-desk-ola",
    ]
    assert full["version"] == 1 and full["services"] == ["online-store"]
    # The customer sees its SLA, but not the contracts behind it.
    retail = call("retail", "get", "/agreements/retail-online-store-sla").json()
    assert retail["parent"] == "ostara-corporate" and retail["underpinned_by"] == []
    underpinning = call("retail", "get", "/agreements/retail-online-store-sla/underpinning")
    assert underpinning.json()["underpinned_by"] == []
    supplier = call("supplier", "get", "/agreements/paybridge-uc/underpinning").json()
    assert supplier["underpins"] == []  # the supplier does not see the SLA it underpins
    manager = call("manager", "get", "/agreements/paybridge-uc/underpinning").json()
    assert {a["name"] for a in manager["underpins"]} == {"retail-online-store-sla"}


def test_versions_and_effective_targets(call: Call) -> None:
    sla = Agreement.objects.get(name="retail-online-store-sla")
    first = sla.versions.get(number=1)
    later = timezone.now() + timedelta(days=30)
    targets = [
        {k: getattr(t, k) for k in ("name", "metric", "objective", "within_seconds", "where")}
        for t in first.targets.all()
    ]
    targets[0]["objective"] = 99.5
    terms = {"service_hours": first.service_hours, "period": first.period}
    create_version(sla, terms=terms, targets=targets, effective_from=later, note="tighter")

    versions = call("retail", "get", "/agreements/retail-online-store-sla/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["terms"] == version_terms(first)
    assert versions[0]["targets"] == [target_spec(t) for t in first.targets.all()]
    assert versions[1]["note"] == "tighter" and versions[1]["targets"][0]["objective"] == 99.5
    one = call("retail", "get", "/agreements/retail-online-store-sla/versions/2").json()
    assert one == versions[1]
    assert (
        call("retail", "get", "/agreements/retail-online-store-sla/versions/3").status_code == 404
    )
    assert (
        call("logistics", "get", "/agreements/retail-online-store-sla/versions").status_code == 404
    )

    now = call("manager", "get", "/agreements/retail-online-store-sla/targets").json()
    inherited = [t for t in now["targets"] if t["inherited"]]
    own = [t for t in now["targets"] if not t["inherited"]]
    assert inherited and own
    assert all(t["defined_in"] == "ostara-corporate" for t in inherited)
    assert all(t["defined_in"] == "retail-online-store-sla" for t in own)
    overriding = [t for t in own if t["overrides"]]
    for t in overriding:
        assert t["overrides"] == "ostara-corporate"
    at = (later + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    future = call("manager", "get", f"/agreements/retail-online-store-sla/targets?at={at}")
    changed = {t["name"]: t for t in future.json()["targets"]}[targets[0]["name"]]
    assert changed["objective"] == 99.5 and changed["version"] == 2
    naive = call(
        "manager", "get", "/agreements/retail-online-store-sla/targets?at=2026-01-01T00:00"
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["path"] == "query.at"


def test_descriptive_fields_change_by_who_may(call: Call) -> None:
    path = "/agreements/retail-online-store-sla"
    change = {"title": "Online store (retail)", "review_every": "P6M", "review_next": "2027-01-15"}
    done = call("owner", "patch", path, change)  # the service owner of online-store
    assert done.status_code == 200, done.content
    assert done.json()["title"] == "Online store (retail)" and done.json()["review_every"] == "P6M"
    assert Agreement.objects.get(name="retail-online-store-sla").review_next.isoformat() == (
        "2027-01-15"
    )
    for who in ("retail", "viewer"):
        assert call(who, "patch", path, {"title": "mine"}).status_code == 403
    for who in ("logistics", "supplier", "nobody"):
        assert call(who, "patch", path, {"title": "mine"}).status_code == 404
    assert call("owner", "patch", "/agreements/paybridge-uc", {"title": "x"}).status_code == 404
    refused = call("manager", "patch", path, {"status": "expired", "review_every": "sometimes"})
    assert refused.status_code == 422
    assert {e["path"] for e in refused.json()["errors"]} == {"body.status", "body.review_every"}
    assert Agreement.objects.get(name="retail-online-store-sla").status == "active"


def test_calendars(call: Call) -> None:
    every = names(call("manager", "get", "/calendars"))
    assert "24x7" in every and len(every) >= 2
    uk = call("retail", "get", "/calendars/uk-office-hours").json()
    assert uk["timezone"] == "Europe/London" and len(uk["weekly"]) == 7
    # The supplier's contract runs on its own hours; the retail calendar is not its business.
    supplier = names(call("supplier", "get", "/calendars"))
    assert "24x7" in supplier and supplier < every
    hidden = every - supplier
    assert call("supplier", "get", f"/calendars/{sorted(hidden)[0]}").status_code == 404
    assert names(call("nobody", "get", "/calendars")) == set()


def test_openapi_schema_renders_and_documents_every_list(call: Call, client: object) -> None:
    schema = client.get("/api/v1/openapi.json")  # type: ignore[attr-defined]
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/agreements",
        "/api/v1/agreements/{name}/targets",
        "/api/v1/results/periods",
        "/api/v1/results/clocks",
        "/api/v1/parties",
        "/api/v1/calendars",
    ):
        assert "get" in paths[path], path
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    docs = client.get("/api/v1/docs")  # type: ignore[attr-defined]
    assert docs.status_code == 200 and b"cdn." not in docs.content  # served from the package


def test_lists_cost_the_same_queries_whatever_their_length(call: Call) -> None:
    """No query per row (N+1): a page of 2 and a page of everything cost the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for who in ("manager", "retail"):
        call(who, "get", "/me")  # the token's first use records last_used_at
        for path in ("/agreements", "/services", "/components", "/parties", "/calendars"):
            counts = []
            for limit in (2, 1000):
                with CaptureQueriesContext(connection) as queries:
                    response = call(who, "get", f"{path}?limit={limit}")
                assert response.status_code == 200
                counts.append(len(queries))
            assert counts[0] == counts[1], (who, path, counts)
