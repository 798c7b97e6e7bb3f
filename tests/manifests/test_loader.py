"""Reading manifest files: envelope checks, line numbers, exact error messages."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from accord.manifests.errors import ManifestError, ManifestInvalid
from accord.manifests.loader import Document, load_paths
from tests.conftest import DEMO_MANIFESTS

NORTHWIND = DEMO_MANIFESTS  # the vendored copy of shared/examples/northwind
PARTY = """\
apiVersion: accord/v1
kind: Party
metadata:
  name: {name}
spec:
  role: customer
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files are named relative to the working directory, as a user would type them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: str, text: str) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(textwrap.dedent(text))
    return path


def load_errors(*paths: str) -> list[str]:
    with pytest.raises(ManifestInvalid) as info:
        load_paths(paths)
    return [str(error) for error in info.value.errors]


def test_northwind_loads_with_lines() -> None:
    docs = load_paths([NORTHWIND])
    assert len(docs) == 28
    assert [d.kind for d in docs[:2]] == ["Party", "Party"]
    sla = next(d for d in docs if d.name == "retail-online-store-sla")
    assert sla.file == str(NORTHWIND / "50-agreements.yaml")
    assert sla.line == 37
    assert sla.title == "Online Store — Retail Division SLA"
    assert sla.lines["spec.targets[1].within"] == 71
    assert sla.lines["spec.targets[0].credits[2]"] == 67
    assert sla.spec["effective"] == {"from": dt.date(2026, 1, 1), "until": dt.date(2026, 12, 31)}
    window = next(d for d in docs if d.kind == "MaintenanceWindow")
    assert window.spec["start"] == dt.datetime(2026, 3, 8, 1, tzinfo=dt.UTC)


def test_directories_are_read_recursively_in_order(workdir: Path) -> None:
    write("m/b.yaml", PARTY.format(name="b"))
    write(
        "m/a/c.yml", PARTY.format(name="c") + "---\n---\n# nothing\n---\n" + PARTY.format(name="d")
    )
    write("m/.hidden/e.yaml", PARTY.format(name="e"))
    write("m/notes.txt", "not a manifest")
    docs = load_paths(["m", "m/b.yaml"])  # b.yaml named twice is read once
    assert [(d.name, d.file, d.line) for d in docs] == [
        ("c", "m/a/c.yml", 1),
        ("d", "m/a/c.yml", 11),
        ("b", "m/b.yaml", 1),
    ]
    assert docs[0] == Document(
        kind="Party",
        name="c",
        title="",
        spec={"role": "customer"},
        file="m/a/c.yml",
        line=1,
        lines=docs[0].lines,
    )


def test_yaml_syntax_error(workdir: Path) -> None:
    write("bad.yaml", PARTY.format(name="a") + '  timezone: "Europe/London\n')
    assert load_errors("bad.yaml") == [
        "bad.yaml:8: invalid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar at line 7)"
    ]


def test_missing_path_and_empty_directory(workdir: Path) -> None:
    Path("empty").mkdir()
    assert load_errors("nope.yaml", "empty") == [
        "empty: no .yaml or .yml files in this directory",
        "nope.yaml: no such file or directory",
    ]


def test_unknown_kind_and_bad_api_version(workdir: Path) -> None:
    write("m.yaml", PARTY.format(name="a").replace("v1", "v2").replace("Party", "Partie"))
    assert load_errors("m.yaml") == [
        'm.yaml:1: Partie a: apiVersion: expected "accord/v1", got "accord/v2"',
        'm.yaml:2: Partie a: kind: unknown kind "Partie" (known: Party, Calendar, Component, '
        "Service, DataSource, Agreement, MaintenanceWindow, TemporaryChange)",
    ]


def test_envelope_errors(workdir: Path) -> None:
    write(
        "m.yaml",
        """\
        apiVersion: accord/v1
        kind: Party
        metadata:
          name: Online_Store
          labels: {}
        spec: [1]
        status: {}
        ---
        kind: Party
        metadata: {title: 3}
        ---
        - just a list
        """,
    )
    assert load_errors("m.yaml") == [
        'm.yaml:4: Party Online_Store: metadata.name: "Online_Store" is not a valid name '
        "(lower-case letters, digits and hyphens, e.g. online-store)",
        "m.yaml:5: Party Online_Store: metadata.labels: unknown field (allowed: name, title)",
        "m.yaml:6: Party Online_Store: spec: expected a mapping (write `spec: {}` for none)",
        "m.yaml:7: Party Online_Store: status: unknown field "
        "(allowed: apiVersion, kind, metadata, spec)",
        'm.yaml:9: Party: missing required field "apiVersion"',
        'm.yaml:9: Party: missing required field "spec"',
        'm.yaml:10: Party: metadata: missing required field "name"',
        "m.yaml:10: Party: metadata.title: expected text, got 3",
        "m.yaml:12: expected a mapping with apiVersion, kind, metadata and spec",
    ]


def test_duplicate_key(workdir: Path) -> None:
    write("m.yaml", PARTY.format(name="a") + "  role: provider\n")
    assert load_errors("m.yaml") == ["m.yaml:7: Party a: spec.role: appears twice in one mapping"]


def test_values_keep_yaml_types_and_keys_stay_text(workdir: Path) -> None:
    write(
        "m.yaml",
        """\
        apiVersion: accord/v1
        kind: Calendar
        metadata: {name: c}
        spec:
          on: 1
          day: 2026-01-01
          naive: 2026-03-08T01:00:00
          aware: 2026-03-08T01:00:00+01:00
        """,
    )
    (doc,) = load_paths(["m.yaml"])
    assert doc.spec == {
        "on": 1,
        "day": dt.date(2026, 1, 1),
        # Kept naive here; the validator rejects it wherever an instant is expected.
        "naive": dt.datetime(2026, 3, 8, 1),  # noqa: DTZ001
        "aware": dt.datetime(2026, 3, 8, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    }
    assert doc.lines["spec.aware"] == 8


def test_errors_of_every_file_are_reported_together(workdir: Path) -> None:
    write("a.yaml", "kind: [\n")
    write("b.yaml", PARTY.format(name="B"))
    assert len(load_errors("b.yaml", "a.yaml", "c.yaml")) == 3


def test_error_text_leaves_out_unknown_parts() -> None:
    full = ManifestError("a.yaml", 3, "Party", "x", "spec.role", "bad")
    assert str(full) == "a.yaml:3: Party x: spec.role: bad"
    assert str(ManifestError("a.yaml", None, None, None, None, "gone")) == "a.yaml: gone"
    invalid = ManifestInvalid([full, ManifestError("a.yaml", 1, None, None, None, "first")])
    assert [e.line for e in invalid.errors] == [1, 3]
    assert str(invalid).splitlines()[0] == "2 errors in manifests"


def test_merge_keys_may_be_overridden(workdir: Path) -> None:
    write(
        "m.yaml",
        """\
        apiVersion: accord/v1
        kind: Party
        metadata: {name: a}
        spec:
          contacts:
            - &desk {name: Desk, email: desk@example.com, role: desk}
            - {<<: *desk, name: Night desk}
          role: customer
        """,
    )
    (doc,) = load_paths(["m.yaml"])
    assert doc.spec["contacts"][1] == {
        "name": "Night desk",
        "email": "desk@example.com",
        "role": "desk",
    }
    assert doc.lines["spec.contacts[1].name"] == 7


def test_loader_and_schema_know_the_same_kinds() -> None:
    from accord.manifests import loader, schema

    assert set(loader.KINDS) == set(schema.KINDS)
