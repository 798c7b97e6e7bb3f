"""`accord export`: the database as accord/v1 manifests that re-apply with no changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from accord.engine.parsing import format_clock_range, format_duration
from accord.manifests import state
from accord.manifests.canonical import canonical

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FILES = {
    "Party": "10-parties.yaml",
    "Calendar": "20-calendars.yaml",
    "Component": "30-catalogue.yaml",
    "Service": "30-catalogue.yaml",
    "DataSource": "40-sources.yaml",
    "Agreement": "50-agreements.yaml",
    "MaintenanceWindow": "60-operations.yaml",
    "TemporaryChange": "60-operations.yaml",
}
DURATION_KEYS = frozenset({"within", "warnBefore", "timeslice"})


def export_documents() -> list[dict[str, Any]]:
    docs = []
    for kind, objects in state.read_all().items():
        for name, (title, spec) in sorted(objects.items()):
            metadata = {"name": name} | ({"title": title} if title else {})
            body = RENDERERS.get(kind, _plain)(spec)
            docs.append(
                {"apiVersion": "accord/v1", "kind": kind, "metadata": metadata, "spec": body}
            )
    return docs


def export_to_directory(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for doc in export_documents():
        grouped.setdefault(FILES[doc["kind"]], []).append(doc)
    written = []
    for filename, docs in sorted(grouped.items()):
        path = directory / filename
        path.write_text(dump(docs))
        written.append(path)
    return written


def dump(docs: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=100)


def _plain(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: _scalar(v) for k, v in canonical(spec).items()}


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _scalar(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    return value


def _calendar(spec: dict[str, Any]) -> dict[str, Any]:
    out = _plain(spec)
    out["hours"] = _hours(spec["weekly"])
    del out["weekly"]
    if "exceptions" in out:
        out["exceptions"] = [_exception(e) for e in spec["exceptions"]]
    return out


def _hours(weekly: list[list[list[int]]]) -> dict[str, list[str]]:
    """Seven days of intervals → `mon-fri: [...]`, runs of equal days joined."""
    hours: dict[str, list[str]] = {}
    day = 0
    while day < 7:
        end = day
        while end + 1 < 7 and weekly[end + 1] == weekly[day]:
            end += 1
        if weekly[day]:
            key = DAY_KEYS[day] if end == day else f"{DAY_KEYS[day]}-{DAY_KEYS[end]}"
            hours[key] = [format_clock_range(a, b) for a, b in weekly[day]]
        day = end + 1
    return hours


def _exception(exc: dict[str, Any]) -> dict[str, Any]:
    intervals = exc["intervals"]
    whole_day = [list(i) for i in intervals] == [[0, 1440]] and exc["kind"] == "closed"
    ranges: Any = True if whole_day else [format_clock_range(a, b) for a, b in intervals]
    out: dict[str, Any] = {"date": exc["date"], exc["kind"]: ranges}
    if exc.get("reason"):
        out["reason"] = exc["reason"]
    return out


def _subject(spec: dict[str, Any]) -> dict[str, Any]:
    out = _plain(spec)
    groups = out.pop("depends_on", [])
    if groups:
        out["dependsOn"] = [g[0] if len(g) == 1 else {"anyOf": g} for g in groups]
    return out


def _agreement(spec: dict[str, Any]) -> dict[str, Any]:
    out = _plain({k: v for k, v in spec.items() if k != "targets"})
    consumers = out.pop("consumers", [])
    if len(consumers) == 1:
        out["consumer"] = consumers[0]
    elif consumers:
        out["consumers"] = consumers
    if isinstance(out.get("period"), dict):
        out["period"] = {"rolling": format_duration(out["period"]["rolling"])}
    out["targets"] = [_target(t) for t in spec.get("targets") or []]
    return _reorder(
        out,
        [
            "type",
            "structure",
            "parent",
            "status",
            "provider",
            "consumer",
            "consumers",
            "services",
            "effective",
            "review",
            "serviceHours",
            "timezone",
            "period",
            "underpinnedBy",
            "charges",
            "creditCap",
        ],
    )


def _target(spec: dict[str, Any]) -> dict[str, Any]:
    out = _plain(spec)
    for key in DURATION_KEYS & out.keys():
        out[key] = format_duration(out[key])
    if out.get("excludePlanned") is False:
        del out["excludePlanned"]
    out["where"] = {k: v[0] if len(v) == 1 else v for k, v in out.get("where", {}).items()}
    if not out["where"]:
        del out["where"]
    return out


def _temporary_change(spec: dict[str, Any]) -> dict[str, Any]:
    out = _plain(spec)
    for overrides in out.get("targets", {}).values():
        if "within" in overrides:
            overrides["within"] = format_duration(overrides["within"])
    return out


def _reorder(spec: dict[str, Any], first: list[str]) -> dict[str, Any]:
    head = {k: spec[k] for k in first if k in spec}
    return head | {k: v for k, v in spec.items() if k not in head}


RENDERERS = {
    "Calendar": _calendar,
    "Component": _subject,
    "Service": _subject,
    "Agreement": _agreement,
    "TemporaryChange": _temporary_change,
}

__all__ = ["date", "dump", "export_documents", "export_to_directory"]
