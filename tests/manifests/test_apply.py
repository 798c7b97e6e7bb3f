"""`accord apply` and `accord export` against the real database."""

from __future__ import annotations

import filecmp
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target
from accord.catalogue.models import Dependency, Party, Service, Subject
from accord.manifests.apply import apply_paths
from accord.manifests.errors import ManifestInvalid
from tests.conftest import SHARED_EXAMPLES

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def apply_json(*paths: Path | str, **options: object) -> list[dict[str, str]]:
    out = _call("apply", *[f"-f{p}" for p in paths], "--format=json", **options)
    return json.loads(out)


def _call(*args: str, **options: object) -> str:
    from io import StringIO

    buffer = StringIO()
    call_command(*args, stdout=buffer, **options)
    return buffer.getvalue()


def test_demo_copy_is_the_shared_example(northwind: Path) -> None:
    if not SHARED_EXAMPLES.exists():
        pytest.skip("../shared/examples is not beside this checkout")
    files = sorted(p.name for p in SHARED_EXAMPLES.glob("*.yaml"))
    match, mismatch, errors = filecmp.cmpfiles(SHARED_EXAMPLES, northwind, files, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert len(match) == 6


def test_northwind_applies_then_is_unchanged(northwind: Path) -> None:
    first = apply_json(northwind)
    assert {c["action"] for c in first} == {"create"}
    assert len(first) == 28
    second = apply_json(northwind)
    assert [c["action"] for c in second] == ["unchanged"] * 28
    assert [(c["kind"], c["name"]) for c in second] == [(c["kind"], c["name"]) for c in first]


def test_northwind_content(northwind: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    store = Service.objects.get(name="online-store")
    assert store.requirements() == [["web-a", "web-b"], ["orders-db"], ["payment-gateway"]]
    assert Dependency.objects.filter(subject=store).count() == 4
    retail = Agreement.objects.get(name="retail-online-store-sla")
    assert retail.parent is not None and retail.parent.name == "ostara-corporate"
    assert sorted(a.name for a in retail.underpinned_by.all()) == [
        "cumulus-hosting-uc",
        "paybridge-uc",
        "platform-ola",
        "service-desk-ola",
    ]
    version = retail.versions.get()
    assert (version.number, version.effective_from) == (1, None)
    assert version.service_hours.name == "uk-office-hours"
    p1 = version.targets.get(name="p1-resolution")
    assert (p1.within_seconds, p1.warn_before_seconds, p1.warn_at) == (14400, 1800, [50, 75, 100])
    assert p1.service_hours is not None and p1.service_hours.name == "24x7"
    assert p1.where == {"priority": ["1"]}
    uk = Calendar.objects.get(name="uk-office-hours")
    assert uk.weekly[0] == [[480, 1080]] and uk.weekly[5] == []
    assert (uk.holiday_country, uk.holiday_subdivision) == ("GB", "ENG")
    assert Party.objects.get(name="ostara-it").contacts.get().email == "priya.raman@ostara.example"


def test_changed_target_makes_a_new_version(northwind: Path, tmp_path: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    changed = _copy_with(northwind, tmp_path, "within: 4h", "within: 3h")
    plan = apply_json(changed, effective_from=datetime(2026, 12, 1, tzinfo=UTC))
    updates = [c for c in plan if c["action"] == "update"]
    assert updates == [
        {
            "kind": "Agreement",
            "name": "retail-online-store-sla",
            "action": "update",
            "fields": ["targets"],
            "new_version": True,
        }
    ]
    retail = Agreement.objects.get(name="retail-online-store-sla")
    v1, v2 = retail.versions.order_by("number")
    assert v1.targets.get(name="p1-resolution").within_seconds == 4 * 3600  # kept readable
    assert v2.targets.get(name="p1-resolution").within_seconds == 3 * 3600
    assert v2.effective_from == datetime(2026, 12, 1, tzinfo=UTC)
    assert apply_json(changed)[0]["action"] == "unchanged"


def test_description_change_updates_in_place(northwind: Path, tmp_path: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    changed = _copy_with(northwind, tmp_path, "next: 2026-04-15", "next: 2026-07-15")
    plan = apply_json(changed)
    assert [c for c in plan if c["action"] != "unchanged"] == [
        {
            "kind": "Agreement",
            "name": "retail-online-store-sla",
            "action": "update",
            "fields": ["review"],
        }
    ]
    assert AgreementVersion.objects.filter(agreement__name="retail-online-store-sla").count() == 1


def test_dry_run_writes_nothing(northwind: Path) -> None:
    plan = apply_json(northwind, dry_run=True)
    assert {c["action"] for c in plan} == {"create"}
    assert Agreement.objects.count() == 0


def test_prune_deletes_what_the_files_no_longer_hold(northwind: Path, tmp_path: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in ("10-parties.yaml", "20-calendars.yaml", "30-catalogue.yaml", "40-sources.yaml"):
        (subset / name).write_text((northwind / name).read_text())
    plan = apply_json(subset, prune=True)
    deleted = {(c["kind"], c["name"]) for c in plan if c["action"] == "delete"}
    assert ("Agreement", "retail-online-store-sla") in deleted
    assert ("TemporaryChange", "black-friday-2026") in deleted
    assert Agreement.objects.count() == 0 and Target.objects.count() == 0
    assert Calendar.objects.filter(name="24x7").exists()  # built in, never pruned


def test_export_round_trip(northwind: Path, tmp_path: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    out = tmp_path / "export"
    _call("export", output=str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "10-parties.yaml",
        "20-calendars.yaml",
        "30-catalogue.yaml",
        "40-sources.yaml",
        "50-agreements.yaml",
        "60-operations.yaml",
    ]
    assert {c["action"] for c in apply_json(out)} == {"unchanged"}
    # And the export alone rebuilds the same state in an empty database.
    Agreement.objects.update(parent=None)
    Agreement.objects.all().delete()
    Dependency.objects.all().delete()
    Subject.objects.all().delete()
    Party.objects.all().delete()
    apply_paths([out], effective_from=NOW)
    assert {c["action"] for c in apply_json(northwind)} == {"unchanged"}


def test_errors_leave_the_database_unchanged(northwind: Path, tmp_path: Path) -> None:
    broken = _copy_with(northwind, tmp_path, "within: 4h", "within: 4 hours")
    with pytest.raises(ManifestInvalid) as caught:
        apply_paths([broken], effective_from=NOW)
    assert [str(e) for e in caught.value.errors] == [
        f"{broken / '50-agreements.yaml'}:71: Agreement retail-online-store-sla: "
        'spec.targets[1].within: "4 hours" is not a duration (examples: 4h, 30m, 1h30m, PT4H)'
    ]
    assert Party.objects.count() == 0


def test_command_exit_status_and_message(northwind: Path, tmp_path: Path) -> None:
    broken = _copy_with(
        northwind,
        tmp_path,
        "objective: 99.9\n      serviceHours",
        "objective: 0\n      serviceHours",
    )
    with pytest.raises(CommandError, match=r"1 error\(s\); nothing was written"):
        _call("apply", f"-f{broken}")


def test_service_and_component_cannot_share_a_name(northwind: Path, tmp_path: Path) -> None:
    apply_paths([northwind], effective_from=NOW)
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "apiVersion: accord/v1\nkind: Service\nmetadata: {name: orders-db}\n"
        "spec: {owner: ostara-it}\n"
    )
    with pytest.raises(ManifestInvalid, match="share one name space"):
        apply_paths([clash], effective_from=NOW)


def _copy_with(source: Path, tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "manifests"
    target.mkdir(exist_ok=True)
    replaced = False
    for path in source.glob("*.yaml"):
        text = path.read_text()
        if old in text:
            text = text.replace(old, new, 1)
            replaced = True
        (target / path.name).write_text(text)
    assert replaced, f"{old!r} not found"
    return target
