"""Effective-dated versions and multi-level inheritance."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.agreements.models import Agreement
from accord.agreements.services import (
    VersionError,
    create_version,
    current_version,
    effective_targets,
    version_at,
)
from accord.manifests.apply import apply_paths

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 15, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)
JULY = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def loaded(northwind: Path) -> None:
    apply_paths([northwind], effective_from=T0)


def _retarget(agreement: Agreement, within: int, start: datetime) -> None:
    base = current_version(agreement)
    assert base is not None
    targets = [
        {f: getattr(t, f) for f in ("name", "metric", "objective", "where", "pause_when")}
        | {"within_seconds": within if t.name == "p1-resolution" else t.within_seconds}
        for t in base.targets.all()
    ]
    create_version(
        agreement,
        terms={"service_hours": base.service_hours, "period": base.period},
        targets=targets,
        effective_from=start,
    )


@pytest.mark.usefixtures("loaded")
def test_version_in_force_at_any_instant() -> None:
    retail = Agreement.objects.get(name="retail-online-store-sla")
    _retarget(retail, 3 * 3600, MAY)
    _retarget(retail, 2 * 3600, JULY)
    cases = [
        (datetime(2020, 1, 1, tzinfo=UTC), 1),  # the first version holds from the beginning
        (datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC), 1),
        (MAY, 2),  # a version is in force from its first instant
        (datetime(2026, 6, 30, tzinfo=UTC), 2),
        (JULY, 3),
        (datetime(2030, 1, 1, tzinfo=UTC), 3),
    ]
    for instant, number in cases:
        version = version_at(retail, instant)
        assert version is not None and version.number == number, instant
    within = {
        v.number: v.targets.get(name="p1-resolution").within_seconds for v in retail.versions.all()
    }
    assert within == {1: 14400, 2: 10800, 3: 7200}


@pytest.mark.usefixtures("loaded")
def test_a_new_version_must_start_after_the_latest() -> None:
    retail = Agreement.objects.get(name="retail-online-store-sla")
    _retarget(retail, 3 * 3600, JULY)
    with pytest.raises(VersionError, match="must start after version 2"):
        _retarget(retail, 2 * 3600, MAY)
    assert retail.versions.count() == 2


@pytest.mark.usefixtures("loaded")
def test_inheritance_merges_parent_and_own_targets() -> None:
    retail = Agreement.objects.get(name="retail-online-store-sla")
    targets = effective_targets(retail, T0)
    assert [t.name for t in targets] == [
        "p1-response",
        "p2-response",
        "p3-resolution",  # from ostara-corporate
        "availability",
        "p1-resolution",
        "checkout-success",
        "energy-per-order",
    ]
    inherited = {t.name: t.inherited for t in targets}
    assert inherited["p1-response"] and not inherited["availability"]
    assert all(t.overrides is None for t in targets)


@pytest.mark.usefixtures("loaded")
def test_own_target_overrides_parent_by_name(northwind: Path, tmp_path: Path) -> None:
    override = tmp_path / "override.yaml"
    text = (
        (northwind / "50-agreements.yaml")
        .read_text()
        .replace(
            "    - name: availability\n      metric: availability\n      objective: 99.5\n",
            '    - name: p2-response\n      metric: response\n      where: {priority: "2"}\n'
            "      within: 30m\n      objective: 97\n"
            "    - name: availability\n      metric: availability\n      objective: 99.5\n",
            1,
        )
    )
    override.write_text(text)
    apply_paths([override], effective_from=MAY)
    logistics = Agreement.objects.get(name="logistics-warehouse-sla")
    after = {t.name: t for t in effective_targets(logistics, MAY)}
    assert after["p2-response"].target.within_seconds == 1800
    assert not after["p2-response"].inherited
    assert after["p2-response"].overrides is not None
    assert after["p2-response"].overrides.name == "ostara-corporate"
    assert list(after).index("p2-response") == 1  # takes the place of the parent's target
    before = {t.name: t for t in effective_targets(logistics, T0)}
    assert before["p2-response"].target.within_seconds == 3600  # the old version is unchanged
    assert before["p2-response"].inherited


@pytest.mark.usefixtures("loaded")
def test_three_levels(northwind: Path, tmp_path: Path) -> None:
    grandchild = tmp_path / "grandchild.yaml"
    grandchild.write_text(
        "apiVersion: accord/v1\nkind: Agreement\nmetadata: {name: retail-express}\n"
        "spec:\n  type: SLA\n  structure: service\n  parent: retail-online-store-sla\n"
        "  provider: ostara-it\n  consumer: retail-division\n  targets:\n"
        "    - {name: p1-response, metric: response, where: {priority: '1'}, within: 5m,"
        " objective: 99}\n"
    )
    apply_paths([grandchild], effective_from=T0)
    express = Agreement.objects.get(name="retail-express")
    targets = {t.name: t for t in effective_targets(express, T0)}
    assert len(targets) == 7
    assert targets["p1-response"].target.within_seconds == 300
    assert targets["p1-resolution"].defined_in.name == "retail-online-store-sla"
    assert targets["p3-resolution"].defined_in.name == "ostara-corporate"
