"""Underpinning availability bounds (SEMANTICS §9, second bullet)."""

from __future__ import annotations

import pytest

from accord.engine.bounds import Agreed, availability_bound, format_percent
from accord.engine.dependencies import AnyOf, Dependency, build_dependency_graph

NORTHWIND: dict[str, list[Dependency]] = {
    "online-store": [AnyOf(("web-a", "web-b")), "orders-db", "payment-gateway"],
    "web-a": ["cloud-hosting"],
    "web-b": ["cloud-hosting"],
    "orders-db": ["cloud-hosting"],
    "warehouse-system": ["orders-db"],
}
AGREED = {
    "web-a": Agreed(99.95, "platform-ola"),
    "web-b": Agreed(99.95, "platform-ola"),
    "orders-db": Agreed(99.95, "platform-ola"),
    "cloud-hosting": Agreed(99.95, "cumulus-hosting-uc"),
    "payment-gateway": Agreed(99.9, "paybridge-uc"),
}


def test_northwind_online_store() -> None:
    """cloud-hosting is counted once: in series (via orders-db), so up inside the group."""
    bound = availability_bound(build_dependency_graph(NORTHWIND), "online-store", AGREED)
    group = 1 - 0.0005**2
    assert bound.percent == pytest.approx(0.9995 * 0.999 * 0.9995 * group * 100)
    assert bound.describe() == (
        "at most 99.80 % possible: orders-db 99.95 % (platform-ola) × payment-gateway 99.9 % "
        "(paybridge-uc) × cloud-hosting 99.95 % (cumulus-hosting-uc) × anyOf(web-a 99.95 % "
        "(platform-ola) | web-b 99.95 % (platform-ola)) 99.999975 %"
    )
    assert bound.complete and not bound.allows(99.9) and bound.allows(99.8)
    assert [t.name for t in bound.terms] == [
        "orders-db",
        "payment-gateway",
        "cloud-hosting",
        "anyOf(web-a, web-b)",
    ]


def test_components_without_agreement_are_unbounded_not_perfect() -> None:
    agreed = {k: v for k, v in AGREED.items() if k != "payment-gateway"}
    bound = availability_bound(build_dependency_graph(NORTHWIND), "online-store", agreed)
    assert bound.unbounded == ("payment-gateway",) and not bound.complete
    assert "payment-gateway (no agreement)" in bound.describe()
    assert bound.describe().endswith("(not counting payment-gateway: no agreement)")


def test_what_every_member_needs_is_pulled_out_of_the_group() -> None:
    graph = build_dependency_graph({"app": [AnyOf(("a", "b"))], "a": ["lb"], "b": ["lb"]})
    agreed = {"a": Agreed(99, "x"), "b": Agreed(99, "x"), "lb": Agreed(99.9, "y")}
    bound = availability_bound(graph, "app", agreed)
    assert bound.percent == pytest.approx(0.999 * (1 - 0.01**2) * 100)
    assert bound.terms[0].name == "lb"


def test_series_members_and_nested_groups() -> None:
    graph = build_dependency_graph(
        {
            "app": [AnyOf(("a", "b")), "db"],
            "a": ["cache"],
            "db": [AnyOf(("disk-1", "disk-2"))],
        }
    )
    agreed = {n: Agreed(99.0, "ola") for n in ("a", "b", "cache", "db", "disk-1", "disk-2")}
    bound = availability_bound(graph, "app", agreed)
    member_a = 0.99 * 0.99  # a needs cache
    expected = 0.99 * (1 - 0.01**2) * (1 - (1 - member_a) * 0.01)
    assert bound.percent == pytest.approx(expected * 100)
    assert "anyOf((a 99 % (ola) × cache 99 % (ola)) | b 99 % (ola))" in bound.describe()


def test_a_subject_without_dependencies_has_nothing_to_bound_it() -> None:
    bound = availability_bound(build_dependency_graph({"solo": []}), "solo", {})
    assert (
        bound.percent == 100.0
        and bound.terms == ()
        and bound.describe() == ("at most 100.00 % possible")
    )


def test_format_percent() -> None:
    assert [format_percent(v) for v in (99.95, 99.9, 99.999975, 100.0)] == [
        "99.95",
        "99.9",
        "99.999975",
        "100",
    ]
