"""Findings and the rule registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.governance.checks.context import CheckContext

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    objects: tuple[dict[str, str], ...]  # ({"kind": "agreement", "name": …}, …), main one first
    message: str
    figures: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "objects": [dict(o) for o in self.objects],
            "message": self.message,
        }

    def names(self) -> str:
        return ", ".join(o["name"] for o in self.objects)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    check: Callable[[CheckContext], Iterable[tuple[tuple[tuple[str, str], ...], str]]]

    def run(self, context: CheckContext) -> list[Finding]:
        return [
            Finding(
                rule=self.id,
                severity=self.severity,
                objects=tuple({"kind": kind, "name": name} for kind, name in objects),
                message=message,
            )
            for objects, message in self.check(context)
        ]


RULES: dict[str, Rule] = {}

Objects = tuple[tuple[str, str], ...]
Produced = Iterable[tuple[Objects, str]]


def rule(id: str, severity: str, title: str) -> Callable[[Callable[[Any], Produced]], Rule]:
    """Register a rule: the function yields (objects, message) pairs."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: severity must be one of {SEVERITIES}")

    def register(check: Callable[[Any], Produced]) -> Rule:
        registered = Rule(id, severity, title, check)
        RULES[id] = registered
        return registered

    return register


def agreement(name: str) -> tuple[str, str]:
    return ("agreement", name)
