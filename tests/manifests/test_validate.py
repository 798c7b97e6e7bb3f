"""Validation and normalisation of manifests: every error class with its exact message."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.manifests.errors import ManifestInvalid
from accord.manifests.loader import load_paths
from accord.manifests.validate import Desired, Existing, find_cycles, validate_documents
from tests.conftest import DEMO_MANIFESTS

NORTHWIND = DEMO_MANIFESTS  # the vendored copy of shared/examples/northwind
CATALOGUE = NORTHWIND / "30-catalogue.yaml"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # so files are named `m.yaml`, as a user would type them
    return tmp_path


def validate(
    text: str, *, northwind: bool = True, existing: Existing | None = None
) -> list[Desired]:
    """Validate `m.yaml` (with the northwind example beside it, for names to refer to)."""
    Path("m.yaml").write_text(textwrap.dedent(text))
    paths = [NORTHWIND, "m.yaml"] if northwind else ["m.yaml"]
    return validate_documents(load_paths(paths), existing=existing or Existing())


def errors(text: str, **options: Any) -> list[str]:
    with pytest.raises(ManifestInvalid) as info:
        validate(text, **options)
    return [str(error) for error in info.value.errors]


def spec_of(text: str, name: str, **options: Any) -> dict[str, Any]:
    return next(d.spec for d in validate(text, **options) if d.name == name)


def agreement(targets: str, *, name: str = "x", extra: str = "") -> str:
    """An agreement whose first target starts on line 9 of m.yaml."""
    body = textwrap.indent(textwrap.dedent(targets).rstrip("\n") + "\n", "    ")
    head = f"apiVersion: accord/v1\nkind: Agreement\nmetadata: {{name: {name}}}\nspec:\n"
    head += "  type: SLA\n  provider: ostara-it\n  consumer: retail-division\n"
    return head + "  targets:\n" + body + textwrap.indent(textwrap.dedent(extra), "  ")


def by_name(docs: list[Desired]) -> dict[str, Desired]:
    return {d.name: d for d in docs}


def test_northwind_validates_and_normalises() -> None:
    docs = by_name(validate_documents(load_paths([NORTHWIND])))
    assert len(docs) == 28
    assert docs["online-store"].spec["depends_on"] == [
        ["web-a", "web-b"],
        ["orders-db"],
        ["payment-gateway"],
    ]
    assert "dependsOn" not in docs["online-store"].spec
    assert docs["analytics-platform"].spec["status"] == "pipeline"
    office = docs["uk-office-hours"].spec
    assert office["weekly"] == [[[480, 1080]]] * 5 + [[], []]
    assert office["holidays"] == {
        "country": "GB",
        "subdivision": "ENG",
        "dates": [dt.date(2026, 12, 24)],
    }
    sla = docs["retail-online-store-sla"].spec
    assert sla["consumers"] == ["retail-division"] and "consumer" not in sla
    assert sla["charges"] == {"perPeriod": Decimal("12000"), "currency": "GBP"}
    assert sla["review"] == {"every": "P3M", "next": dt.date(2026, 4, 15)}
    availability, resolution, ratio, threshold = sla["targets"]
    assert availability["warnAt"] == [75.0] and availability["within"] is None
    assert resolution["where"] == {"priority": ["1"]}
    assert (resolution["within"], resolution["warnBefore"]) == (14400, 1800)
    assert resolution["warnAt"] == [50.0, 75.0, 100.0]
    assert (ratio["budgeting"], ratio["timeslice"]) == ("occurrences", None)
    assert (threshold["budgeting"], threshold["timeslice"]) == ("timeslices", 3600)
    change = docs["black-friday-2026"].spec
    assert change["status"] == "approved"
    assert change["targets"] == {"p1-resolution": {"within": 7200, "objective": None}}
    assert docs["orders-db-patching-2026-03"].spec["start"] == dt.datetime(
        2026, 3, 8, 1, tzinfo=dt.UTC
    )
    assert set(docs["ostara-it"].spec) == {"role", "timezone", "contacts"}


def test_missing_unknown_and_wrongly_typed_fields() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Party
    metadata: {name: p}
    spec:
      timezon: UTC
      contacts: [{name: A, email: not-an-address}]
    ---
    apiVersion: accord/v1
    kind: Agreement
    metadata: {name: x}
    spec:
      type: SLA
      provider: ostara-it
      consumers: retail-division
      creditCap: 25%
    """
    assert errors(text) == [
        'm.yaml:4: Party p: spec: missing required field "role"',
        'm.yaml:5: Party p: spec.timezon: unknown field (did you mean "timezone"? '
        "allowed: role, timezone, contacts)",
        'm.yaml:6: Party p: spec.contacts[0].email: "not-an-address" is not an e-mail address '
        "(e.g. name@example.com)",
        'm.yaml:14: Agreement x: spec.consumers: expected a list of names, got "retail-division"',
        'm.yaml:15: Agreement x: spec.creditCap: expected a number, got "25%"',
    ]


def test_bad_duration() -> None:
    text = agreement("- {name: p1, metric: resolution, objective: 90, within: 4 hours}")
    assert errors(text) == [
        'm.yaml:9: Agreement x: spec.targets[0].within: "4 hours" is not a duration '
        "(examples: 4h, 30m, 1h30m, PT4H)"
    ]


def test_bad_time_zone() -> None:
    text = "apiVersion: accord/v1\nkind: Calendar\nmetadata: {name: c}\n"
    text += "spec: {timezone: Europe/Londn}\n"
    assert errors(text) == [
        'm.yaml:4: Calendar c: spec.timezone: "Europe/Londn" is not an IANA time zone '
        "(e.g. Europe/London, UTC)"
    ]


def test_bad_hours() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Calendar
    metadata: {name: c}
    spec:
      timezone: Europe/London
      hours:
        mon-fri: ["18:00-08:00"]
        sat: ["08:00-12:00", "11:00-13:00"]
        fri: ["09:00-10:00"]
        someday: []
    """
    assert errors(text) == [
        'm.yaml:7: Calendar c: spec.hours.mon-fri[0]: "18:00-08:00" ends before it starts (an '
        "interval ends later the same day; use 24:00 for midnight and split overnight hours "
        "over two days)",
        "m.yaml:8: Calendar c: spec.hours.sat[1]: 11:00-13:00 overlaps 08:00-12:00",
        'm.yaml:9: Calendar c: spec.hours.fri: fri is given twice (in "mon-fri" and "fri")',
        'm.yaml:10: Calendar c: spec.hours.someday: "someday" is not a day or range of days '
        "(mon … sun, a range like mon-fri, a list like mon,wed, or daily)",
    ]


def test_calendar_normalisation() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Calendar
    metadata: {name: gulf}
    spec:
      timezone: Asia/Dubai
      hours:
        sun-thu: ["13:00-18:00", "08:00-12:00"]
        fri,sat: ["10:00-24:00"]
      holidays: {dates: [2026-12-31, "2026-12-02"]}
      exceptions:
        - {date: 2026-12-24, closed: true, reason: Eve}
        - {date: 2026-12-27, closed: ["08:00-10:00"]}
        - {date: 2026-12-28, open: ["08:00-12:00"]}
    """
    calendar = spec_of(text, "gulf", northwind=False)
    day = [[480, 720], [780, 1080]]
    assert calendar["weekly"] == [day, day, day, day, [[600, 1440]], [[600, 1440]], day]
    assert calendar["holidays"] == {
        "country": None,
        "subdivision": None,
        "dates": [dt.date(2026, 12, 2), dt.date(2026, 12, 31)],
    }
    assert calendar["exceptions"] == [
        {
            "date": dt.date(2026, 12, 24),
            "kind": "closed",
            "intervals": [[0, 1440]],
            "reason": "Eve",
        },
        {
            "date": dt.date(2026, 12, 27),
            "kind": "closed",
            "intervals": [[480, 600]],
            "reason": None,
        },
        {"date": dt.date(2026, 12, 28), "kind": "open", "intervals": [[480, 720]], "reason": None},
    ]
    daily = text.replace("sun-thu", "daily").replace("fri,sat", "# none")
    assert spec_of(daily, "gulf", northwind=False)["weekly"] == [day] * 7


def test_holiday_country_and_subdivision() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Calendar
    metadata: {name: c}
    spec:
      timezone: UTC
      holidays: {country: GB, subdivision: XX}
    ---
    apiVersion: accord/v1
    kind: Calendar
    metadata: {name: d}
    spec:
      timezone: UTC
      holidays: {country: ZZ}
    """
    assert errors(text, northwind=False) == [
        'm.yaml:6: Calendar c: spec.holidays.subdivision: "XX" is not a subdivision of GB '
        "(known: ENG, NIR, SCT, WLS)",
        'm.yaml:13: Calendar d: spec.holidays.country: "ZZ" is not a country code known to the '
        "holidays package (e.g. GB, DE, US)",
    ]


def test_unknown_reference() -> None:
    text = "apiVersion: accord/v1\nkind: Component\nmetadata: {name: c}\nspec: {provider: acme}\n"
    assert errors(text) == [
        'm.yaml:4: Component c: spec.provider: unknown Party "acme" (known: cumulus-cloud, '
        "logistics-division, ostara-it, paybridge, platform-team, retail-division, service-desk)"
    ]
    assert errors(text, northwind=False) == [
        'm.yaml:4: Component c: spec.provider: unknown Party "acme" (known: none)'
    ]
    in_database = Existing(names={"Party": frozenset({"acme"})})
    assert validate(text, northwind=False, existing=in_database)[0].spec["provider"] == "acme"


def test_duplicate_names() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Component
    metadata: {name: web-a}
    spec: {}
    ---
    apiVersion: accord/v1
    kind: Service
    metadata: {name: orders-db}
    spec: {}
    """
    assert errors(text) == [
        'm.yaml:3: Component web-a: metadata.name: duplicate Component "web-a" '
        f"(first defined at {CATALOGUE}:10)",
        'm.yaml:8: Service orders-db: metadata.name: a Component is also named "orders-db" '
        f"({CATALOGUE}:26); services and components share one name space",
    ]


def test_dependency_cycle() -> None:
    text = """\
    apiVersion: accord/v1
    kind: Component
    metadata: {name: a}
    spec: {dependsOn: [b]}
    ---
    apiVersion: accord/v1
    kind: Component
    metadata: {name: b}
    spec: {dependsOn: [{anyOf: [c, a]}]}
    ---
    apiVersion: accord/v1
    kind: Service
    metadata: {name: c}
    spec: {}
    """
    assert errors(text, northwind=False) == [
        "m.yaml:4: Component a: spec.dependsOn[0]: dependency cycle: a → b → a"
    ]
    # A cycle closed by what the database already holds is found too.
    text = text.replace("{dependsOn: [{anyOf: [c, a]}]}", "{dependsOn: [c]}")
    existing = Existing(names={"Component": frozenset({"d"})}, depends_on={"d": (("a",),)})
    closing = text.replace("spec: {}", "spec: {dependsOn: [d]}")
    assert errors(closing, northwind=False, existing=existing) == [
        "m.yaml:4: Component a: spec.dependsOn[0]: dependency cycle: a → b → c → d → a"
    ]
    assert validate(text, northwind=False, existing=existing)


def test_find_cycles_reports_each_cycle_once() -> None:
    edges = {"a": ["b"], "b": ["c", "a"], "c": ["b"], "d": ["d"]}
    assert find_cycles(edges, ["c", "a", "d"]) == [["c", "b", "c"], ["a", "b", "a"], ["d", "d"]]
    assert find_cycles({"a": ["b"]}, ["a"]) == []


def test_parent_cycle() -> None:
    text = agreement("[]", name="a", extra="parent: b\n")
    text += "---\n" + agreement("[]", name="b", extra="parent: a\n")
    assert errors(text) == ["m.yaml:10: Agreement a: spec.parent: parent cycle: a → b → a"]
    text = agreement("[]", name="a", extra="parent: a\n")
    assert errors(text) == ["m.yaml:10: Agreement a: spec.parent: parent cycle: a → a"]


def test_objective_outside_range() -> None:
    text = agreement(
        """\
        - {name: a, metric: availability, objective: 0}
        - {name: b, metric: availability, objective: 101}
        """
    )
    assert errors(text) == [
        "m.yaml:9: Agreement x: spec.targets[0].objective: 0 is outside (0, 100]",
        "m.yaml:10: Agreement x: spec.targets[1].objective: 101 is outside (0, 100]",
    ]


def test_credit_bands_out_of_order() -> None:
    text = agreement(
        """\
        - name: a
          metric: availability
          objective: 99.9
          credits:
            - {below: 99.9, percent: 5}
            - {below: 99.95, percent: 10}
            - {below: 99.0, percent: 2}
        """
    )
    assert errors(text) == [
        "m.yaml:14: Agreement x: spec.targets[0].credits[1]: credit bands out of order: "
        "{below: 99.95, percent: 10} comes after {below: 99.9, percent: 5} "
        '(list bands with "below" decreasing and "percent" not decreasing)',
        "m.yaml:15: Agreement x: spec.targets[0].credits[2]: credit bands out of order: "
        "{below: 99, percent: 2} comes after {below: 99.95, percent: 10} "
        '(list bands with "below" decreasing and "percent" not decreasing)',
    ]


def test_consumer_and_consumers() -> None:
    both = agreement("[]", extra="consumers: [logistics-division]\n")
    assert errors(both) == [
        'm.yaml:10: Agreement x: spec.consumers: give either "consumer" or "consumers", not both'
    ]
    neither = agreement("[]").replace("  consumer: retail-division\n", "")
    assert errors(neither) == [
        'm.yaml:4: Agreement x: spec: missing required field "consumer" (or "consumers")'
    ]


def test_target_fields_depend_on_metric() -> None:
    text = agreement(
        """\
        - {name: a, metric: response, objective: 95}
        - {name: b, metric: availability, objective: 99, within: 1h, warnAt: [50, 150]}
        - {name: c, metric: ratio, objective: 99, source: prometheus, timeslice: 1m}
        - {name: d, metric: threshold, objective: 99, series: s}
        - {name: a, metric: ratio, objective: 99}
        """
    )
    assert errors(text) == [
        'm.yaml:9: Agreement x: spec.targets[0]: missing required field "within" '
        "(a response target needs it)",
        "m.yaml:10: Agreement x: spec.targets[1].warnAt: 150 is outside (0, 100] "
        "(percent of the error budget used)",
        "m.yaml:10: Agreement x: spec.targets[1].within: only allowed for response and "
        "resolution targets (this one is availability)",
        "m.yaml:11: Agreement x: spec.targets[2]: source, good and total go together; "
        'missing "good", "total"',
        "m.yaml:11: Agreement x: spec.targets[2].timeslice: only allowed where budgeting is "
        "timeslices or ratio-timeslices",
        'm.yaml:12: Agreement x: spec.targets[3]: missing required field "op" '
        "(a threshold target needs it)",
        'm.yaml:12: Agreement x: spec.targets[3]: missing required field "value" '
        "(a threshold target needs it)",
        "m.yaml:13: Agreement x: spec.targets[4]: a ratio target needs source + good + total "
        "(a query) or series (pushed counts)",
        'm.yaml:13: Agreement x: spec.targets[4].name: duplicate target "a" (first at line 9)',
    ]


def test_target_normalisation() -> None:
    text = agreement(
        """\
        - name: t
          metric: resolution
          objective: 90
          within: PT1H30M
          where: {priority: [1, "2"], vip: true}
          pauseWhen: [Awaiting Customer, awaiting-customer, On  Hold]
          warnAt: 150
        - {name: r, metric: ratio, objective: 99, series: s, budgeting: ratio-timeslices}
        """,
        extra="period: {rolling: 28d}\nreview: {every: P12M}\n",
    )
    sla = spec_of(text, "x")
    ticket, ratio = sla["targets"]
    assert ticket["within"] == 5400
    assert ticket["where"] == {"priority": ["1", "2"], "vip": ["true"]}
    assert ticket["pauseWhen"] == ["awaiting-customer", "on-hold"]
    assert ticket["warnAt"] == [150.0]  # a ticket may be warned about past its deadline
    assert (ratio["budgeting"], ratio["timeslice"]) == ("ratio-timeslices", 60)
    assert sla["period"] == {"rolling": 28 * 86400}
    assert sla["review"] == {"every": "P1Y", "next": None}
    assert sla["status"] == "draft" and sla["structure"] == "service"


TEMPORARY = """\
apiVersion: accord/v1
kind: TemporaryChange
metadata: {name: tc}
spec:
  agreement: retail-online-store-sla
  from: 2026-11-27T00:00:00+01:00
  until: 2026-12-01T00:00:00Z
  reason: Trading weekend
  targets:
    p2-response: {objective: 99}
    nope: {objective: 99}
    availability: {within: 1h}
  approvedBy: [priya.raman@ostara.example]
"""


def test_temporary_change_targets_must_exist() -> None:
    assert errors(TEMPORARY) == [
        'm.yaml:11: TemporaryChange tc: spec.targets.nope: agreement "retail-online-store-sla" '
        'has no target "nope" (its targets: availability, checkout-success, energy-per-order, '
        "p1-resolution, p1-response, p2-response, p3-resolution)",
        "m.yaml:12: TemporaryChange tc: spec.targets.availability.within: only allowed for "
        "response and resolution targets (this one is availability)",
    ]
    valid = TEMPORARY.replace("    nope: {objective: 99}\n    availability: {within: 1h}\n", "")
    change = spec_of(valid, "tc")
    assert change["status"] == "requested"  # one approver is not an agreement
    assert change["from"] == dt.datetime(2026, 11, 26, 23, tzinfo=dt.UTC)


def test_temporary_change_targets_from_the_database() -> None:
    text = TEMPORARY.replace("retail-online-store-sla", "old").replace("availability", "p1")
    existing = Existing(
        names={"Agreement": frozenset({"old", "base"})},
        parents={"old": "base"},
        targets={"old": frozenset({"nope"}), "base": frozenset({"p1", "p2-response"})},
    )
    assert validate(text, existing=existing)
    assert errors(text, existing=Existing(names={"Agreement": frozenset({"old"})})) == [
        'm.yaml:10: TemporaryChange tc: spec.targets.p2-response: agreement "old" has no '
        'target "p2-response" (its targets: none)',
        'm.yaml:11: TemporaryChange tc: spec.targets.nope: agreement "old" has no target "nope" '
        "(its targets: none)",
        'm.yaml:12: TemporaryChange tc: spec.targets.p1: agreement "old" has no target "p1" '
        "(its targets: none)",
    ]


def test_naive_and_misordered_datetimes() -> None:
    text = """\
    apiVersion: accord/v1
    kind: MaintenanceWindow
    metadata: {name: mw}
    spec:
      services: [online-store]
      start: 2026-03-08T01:00:00
      end: 2026-03-08
    ---
    apiVersion: accord/v1
    kind: MaintenanceWindow
    metadata: {name: backwards}
    spec:
      components: [web-a]
      start: "2026-03-08T03:00:00+01:00"
      end: 2026-03-08T02:00:00Z
    """
    assert errors(text) == [
        "m.yaml:6: MaintenanceWindow mw: spec.start: 2026-03-08T01:00:00 needs a UTC offset, "
        "e.g. 2026-03-08T01:00:00Z",
        "m.yaml:7: MaintenanceWindow mw: spec.end: 2026-03-08 is not a date and time with a "
        "UTC offset (e.g. 2026-03-08T01:00:00Z)",
        "m.yaml:15: MaintenanceWindow backwards: spec.end: must be after start "
        "(2026-03-08T02:00:00+00:00)",
    ]


def test_reserved_calendar_name() -> None:
    text = "apiVersion: accord/v1\nkind: Calendar\nmetadata: {name: 24x7}\nspec: {timezone: UTC}\n"
    assert errors(text) == [
        'm.yaml:3: Calendar 24x7: metadata.name: "24x7" is built in and cannot be redefined'
    ]


def test_all_errors_of_a_run_are_reported_in_file_order() -> None:
    Path("a.yaml").write_text(
        agreement("- {name: a, metric: response, objective: 0, within: 1 day}")
    )
    text = "apiVersion: accord/v1\nkind: Service\nmetadata: {name: s}\n"
    text += "spec: {status: dead, owner: nobody}\n"
    found = errors(text, northwind=False)
    Path("m.yaml").write_text(text)
    with pytest.raises(ManifestInvalid) as info:
        validate_documents(load_paths(["m.yaml", "a.yaml"]))
    assert [(e.file, e.line, e.path) for e in info.value.errors] == [
        ("a.yaml", 6, "spec.provider"),
        ("a.yaml", 7, "spec.consumer"),
        ("a.yaml", 9, "spec.targets[0].objective"),
        ("a.yaml", 9, "spec.targets[0].within"),
        ("m.yaml", 4, "spec.owner"),
        ("m.yaml", 4, "spec.status"),
    ]
    assert found == [
        'm.yaml:4: Service s: spec.owner: unknown Party "nobody" (known: none)',
        'm.yaml:4: Service s: spec.status: expected one of pipeline, live, retired; got "dead"',
    ]
