"""Manifests may set only the statuses the lifecycle allows (docs/lifecycle.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.agreements.models import Agreement, AgreementEvent
from accord.manifests.apply import apply_paths
from accord.manifests.errors import ManifestInvalid
from tests.agreements.workflow_support import T0, estate, write_estate

pytestmark = pytest.mark.django_db
S = Agreement.Status


def test_northwind_loads_unchanged_and_its_statuses_are_imported(northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)
    statuses = dict(Agreement.objects.values_list("name", "status"))
    assert (
        statuses["retail-online-store-sla"] == "active"
        and statuses["analytics-slr"] == "requirement"
    )
    created = AgreementEvent.objects.get(agreement__name="retail-online-store-sla")
    assert (created.kind, created.to_status, created.actor_name) == (
        "created",
        "active",
        "manifest",
    )
    assert "created as active by" in created.reason
    again = apply_paths([northwind], effective_from=T0)
    assert {c.action for c in again.changes} == {"unchanged"}
    assert AgreementEvent.objects.count() == len(statuses)


def test_a_manifest_moves_an_agreement_along_allowed_steps(tmp_path: Path) -> None:
    estate(tmp_path, status="requirement")
    apply_paths([write_estate(tmp_path, status="proposed")], effective_from=T0)
    agreement = Agreement.objects.get(name="store-sla")
    assert agreement.status == S.PROPOSED
    steps = list(
        agreement.events.order_by("id").values_list("from_status", "to_status", "actor_name")
    )
    assert steps == [
        ("", "requirement", "manifest"),
        ("requirement", "draft", "manifest"),
        ("draft", "proposed", "manifest"),
    ]


def test_a_refused_status_names_the_file_the_agreement_and_the_allowed_statuses(
    tmp_path: Path,
) -> None:
    estate(tmp_path, status="proposed")
    with pytest.raises(ManifestInvalid) as refused:
        apply_paths([write_estate(tmp_path, status="agreed")], effective_from=T0)
    (error,) = refused.value.errors
    assert error.file.endswith("50-agreement.yaml") and error.name == "store-sla"
    assert error.path == "spec.status"
    assert (
        "cannot move store-sla from proposed to agreed; allowed from proposed: draft"
        in error.message
    )
    assert "agreed only through Accord" in error.message
    assert Agreement.objects.get(name="store-sla").status == S.PROPOSED


def test_a_step_whose_condition_fails_writes_nothing(tmp_path: Path) -> None:
    estate(tmp_path, status="agreed", start="2027-06-01")
    with pytest.raises(ManifestInvalid, match="agreed → active: it takes effect on 2027-06-01"):
        apply_paths(
            [write_estate(tmp_path, status="active", start="2027-06-01")], effective_from=T0
        )
    assert Agreement.objects.get(name="store-sla").status == S.AGREED


def test_a_manifest_behind_the_database_does_not_move_it_back(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="proposed")
    Agreement.objects.filter(pk=agreement.pk).update(status=S.AGREED)  # approved in Accord
    plan = apply_paths([write_estate(tmp_path, status="proposed")], effective_from=T0)
    assert {c.action for c in plan.changes} == {"unchanged"}
    assert Agreement.objects.get(name="store-sla").status == S.AGREED
