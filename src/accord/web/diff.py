"""A readable, field-level difference between two versions of an agreement's terms.

`snapshot` turns a stored version into plain text values (what a person would read in
the manifest); `diff_versions` compares two snapshots and is a pure function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from accord.agreements.models import AgreementVersion, Target
from accord.engine.parsing import format_duration

TERM_LABELS = {
    "service_hours": "service hours",
    "timezone": "time zone",
    "period": "period",
    "charges": "charges per period",
    "credit_cap": "credit cap",
}
TARGET_LABELS = {
    "metric": "metric",
    "objective": "objective",
    "within": "within",
    "where": "where",
    "service_hours": "service hours",
    "pause_when": "paused when",
    "exclude_planned": "excludes planned work",
    "warn_at": "warn at",
    "warn_before": "warn before breach",
    "credits": "credit bands",
    "source": "data source",
    "good_query": "good query",
    "total_query": "total query",
    "series": "series",
    "threshold": "threshold",
    "budgeting": "budgeting",
    "timeslice": "timeslice",
    "description": "description",
}


@dataclass(frozen=True)
class Snapshot:
    number: int
    terms: dict[str, str]
    targets: dict[str, dict[str, str]]  # target name -> field -> value (manifest order)


@dataclass(frozen=True)
class Change:
    kind: Literal["added", "removed", "changed"]
    scope: Literal["term", "target"]
    name: str  # the term's label, or the target's name
    field: str = ""  # for a changed target: which field ("" for a term or a whole target)
    old: str = ""
    new: str = ""

    def __str__(self) -> str:
        what = f"{self.scope} {self.name}" + (f" {self.field}" if self.field else "")
        if self.kind == "changed":
            return f"{what}: {self.old or '(none)'} → {self.new or '(none)'}"
        return f"{what} {self.kind}"


def diff_versions(old: Snapshot, new: Snapshot) -> list[Change]:
    """Terms changed, then targets added, removed and changed (field by field), each
    in the order the newer version lists them (removed ones in the older's order)."""
    changes: list[Change] = []
    for key in dict.fromkeys([*old.terms, *new.terms]):
        before, after = old.terms.get(key, ""), new.terms.get(key, "")
        if before != after:
            label = TERM_LABELS.get(key, key)
            changes.append(Change("changed", "term", label, "", before, after))
    for name, fields in new.targets.items():
        previous = old.targets.get(name)
        if previous is None:
            summary = describe_target(fields)
            changes.append(Change("added", "target", name, "", "", summary))
            continue
        for key in dict.fromkeys([*previous, *fields]):
            before, after = previous.get(key, ""), fields.get(key, "")
            if before != after:
                label = TARGET_LABELS.get(key, key)
                changes.append(Change("changed", "target", name, label, before, after))
    for name, fields in old.targets.items():
        if name not in new.targets:
            changes.append(Change("removed", "target", name, "", describe_target(fields), ""))
    return changes


def describe_target(fields: dict[str, str]) -> str:
    """A one-line summary of a target: `resolution within 4h, objective 90 %`."""
    parts = [fields.get("metric", "")]
    if fields.get("within"):
        parts.append(f"within {fields['within']}")
    if fields.get("threshold"):
        parts.append(fields["threshold"])
    if fields.get("where"):
        parts.append(f"where {fields['where']}")
    text = " ".join(p for p in parts if p)
    return f"{text}, objective {fields.get('objective', '?')}"


def snapshot(version: AgreementVersion, targets: list[Target] | None = None) -> Snapshot:
    """The version's terms and targets as text. Pass `targets` when already fetched
    (with service_hours and source), to save queries."""
    chosen = list(version.targets.all()) if targets is None else targets
    return Snapshot(
        number=version.number,
        terms=version_terms(version),
        targets={t.name: target_fields(t) for t in sorted(chosen, key=lambda t: t.position)},
    )


def version_terms(version: AgreementVersion) -> dict[str, str]:
    period = version.period
    if period == AgreementVersion.Period.ROLLING and version.rolling_seconds:
        period = f"rolling {format_duration(version.rolling_seconds)}"
    charges = ""
    if version.charges_per_period is not None:
        amount = format(Decimal(str(version.charges_per_period)).normalize(), ",f")
        charges = f"{amount} {version.currency}".strip()
    return {
        "service_hours": version.service_hours.name,
        "timezone": version.timezone,
        "period": period,
        "charges": charges,
        "credit_cap": _percent(version.credit_cap),
    }


def target_fields(target: Target) -> dict[str, str]:
    threshold = ""
    if target.op and target.value is not None:
        threshold = f"{target.op} {_number(target.value)} {target.unit}".strip()
    values: dict[str, Any] = {
        "metric": target.metric,
        "objective": _percent(target.objective),
        "within": format_duration(target.within_seconds) if target.within_seconds else "",
        "where": _where(target.where),
        "service_hours": target.service_hours.name if target.service_hours_id else "",
        "pause_when": ", ".join(target.pause_when or []),
        "exclude_planned": "yes" if target.exclude_planned else "",
        "warn_at": _json(target.warn_at),
        "warn_before": (
            format_duration(target.warn_before_seconds) if target.warn_before_seconds else ""
        ),
        "credits": credit_bands(target.credits),
        "source": target.source.name if target.source_id else "",
        "good_query": target.good_query,
        "total_query": target.total_query,
        "series": target.series,
        "threshold": threshold,
        "budgeting": target.budgeting,
        "timeslice": format_duration(target.timeslice_seconds) if target.timeslice_seconds else "",
        "description": target.description,
    }
    return {key: str(value) for key, value in values.items()}


def credit_bands(bands: list[dict[str, Any]] | None) -> str:
    """`below 99.9 %: 5 %; below 99.5 %: 10 %`"""
    return "; ".join(
        f"below {_number(b.get('below'))} %: {_number(b.get('percent'))} %" for b in bands or []
    )


def _where(where: dict[str, Any] | None) -> str:
    items = []
    for key, accepted in (where or {}).items():
        values = accepted if isinstance(accepted, list) else [accepted]
        items.append(f"{key} in {', '.join(str(v) for v in values)}")
    return "; ".join(items)


def _json(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(f"{_number(v)} %" for v in value)
    if isinstance(value, int | float):
        return f"{_number(value)} %"
    return json.dumps(value, sort_keys=True)


def _number(value: Any) -> str:
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def _percent(value: Any) -> str:
    return "" if value is None else f"{_number(value)} %"
