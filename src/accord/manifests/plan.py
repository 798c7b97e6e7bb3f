"""What `accord apply` would do: create, update, leave unchanged or delete each object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.manifests.canonical import TERMS, changed_fields
from accord.manifests.state import KINDS, Current
from accord.manifests.validate import Desired


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: str  # create | update | unchanged | delete
    fields: tuple[str, ...] = ()
    new_version: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "action": self.action}
        if self.fields:
            out["fields"] = list(self.fields)
        if self.new_version:
            out["new_version"] = True
        return out

    def __str__(self) -> str:
        detail = ""
        if self.fields:
            detail = f" ({', '.join(self.fields)}{'; new version' if self.new_version else ''})"
        return f"{self.action:<9} {self.kind} {self.name}{detail}"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)

    def by_action(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    def summary(self) -> str:
        counts = {a: len(self.by_action(a)) for a in ("create", "update", "unchanged", "delete")}
        return ", ".join(f"{n} {a}" for a, n in counts.items() if n) or "nothing to do"


def make_plan(desired: list[Desired], current: dict[str, Current], *, prune: bool) -> Plan:
    plan = Plan()
    wanted = {(d.kind, d.name) for d in desired}
    for doc in sorted(desired, key=lambda d: (KINDS.index(d.kind), d.name)):
        plan.changes.append(_change_for(doc, current[doc.kind].get(doc.name)))
    if prune:
        for kind in reversed(KINDS):
            for name in sorted(current[kind]):
                if (kind, name) not in wanted:
                    plan.changes.append(Change(kind, name, "delete"))
    return plan


def _change_for(doc: Desired, existing: tuple[str, dict[str, Any]] | None) -> Change:
    if existing is None:
        return Change(doc.kind, doc.name, "create", new_version=doc.kind == "Agreement")
    title, spec = existing
    fields = changed_fields(doc.kind, spec, doc.spec)
    if (title or "") != (doc.title or ""):
        fields.insert(0, "title")
    if not fields:
        return Change(doc.kind, doc.name, "unchanged")
    new_version = doc.kind == "Agreement" and any(f in TERMS for f in fields)
    return Change(doc.kind, doc.name, "update", tuple(fields), new_version)
