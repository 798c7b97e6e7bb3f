"""One comparable form for a spec, whether it came from the files or from the database.

Absent, null and empty are the same thing; lists that are sets (names of parties,
services, states) compare without order; numbers compare by value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Lists whose order carries no meaning anywhere they occur.
UNORDERED = frozenset(
    {"consumers", "services", "components", "underpinnedBy", "pauseWhen", "approvedBy"}
)
# Agreement fields that are terms: a change to any of them makes a new version.
TERMS = ("serviceHours", "timezone", "period", "charges", "creditCap", "targets")


def canonical(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        items = ((k, canonical(v, k)) for k, v in value.items())
        return {k: v for k, v in items if not _empty(v)}
    if isinstance(value, list | tuple):
        items_list = [canonical(v) for v in value]
        if key in UNORDERED or key == "depends_on":
            return sorted(items_list, key=repr)
        return items_list
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def comparable(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The canonical spec with kind-specific defaults, so equal meaning compares equal."""
    spec = dict(spec)
    if kind == "Agreement":
        spec.setdefault("serviceHours", None)
        spec["serviceHours"] = spec["serviceHours"] or "24x7"
        if "consumer" in spec:  # tolerate the un-normalised form
            spec["consumers"] = [spec.pop("consumer")]
    if kind == "MaintenanceWindow":
        # A name may sit under either key; what counts is which subjects are covered.
        spec["subjects"] = sorted(
            [*(spec.pop("components", None) or []), *(spec.pop("services", None) or [])]
        )
    if kind in {"Component", "Service"}:
        spec["depends_on"] = [sorted(group) for group in spec.get("depends_on") or []]
    result: dict[str, Any] = canonical(spec)
    return result


def terms(spec: dict[str, Any]) -> dict[str, Any]:
    return {key: spec[key] for key in TERMS if key in spec}


def changed_fields(kind: str, current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    a, b = comparable(kind, current), comparable(kind, desired)
    return sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
