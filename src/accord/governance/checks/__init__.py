"""Consistency and completeness checks of the SLA ↔ OLA ↔ UC chains (SEMANTICS §9).

Each family of rules is a module (`underpinning`, `completeness`, `lifecycle`); each rule
has an id, a severity and a function from a `CheckContext` (everything read once) to
findings. `run_checks` runs them all; `visible_findings` filters them for a user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from accord.accounts.access import role_of, sees_everything, visible_agreements, visible_subjects
from accord.accounts.models import Role

# Importing the families registers their rules.
from accord.governance.checks import completeness, lifecycle, underpinning  # noqa: F401
from accord.governance.checks.base import RULES, SEVERITIES, Finding, Rule
from accord.governance.checks.context import CheckContext

__all__ = ["RULES", "SEVERITIES", "Finding", "Rule", "run_checks", "visible_findings"]


def run_checks(*, at: datetime, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of every rule (or of the rules named) at instant `at`, most severe
    first; within a severity in rule order."""
    context = CheckContext.read(at=at)
    wanted = None if rules is None else set(rules)
    findings: list[Finding] = []
    for rule in RULES.values():
        if wanted is None or rule.id in wanted:
            findings.extend(rule.run(context))
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def may_see_checks(user: Any) -> bool:
    """Checks compare internal OLAs and supplier contracts: the provider's own people
    (admin, manager, viewer, owner) see them; customers and suppliers do not."""
    return role_of(user) in (Role.ADMIN, Role.MANAGER, Role.VIEWER, Role.OWNER)


def visible_findings(user: Any, findings: Iterable[Finding]) -> list[Finding]:
    """Everything for those who see everything. An owner sees a finding when they can see
    one of the agreements it names (or, naming none, one of its subjects); others none."""
    if sees_everything(user):
        return list(findings)
    if not may_see_checks(user):
        return []
    agreements = set(visible_agreements(user).values_list("name", flat=True))
    subjects = set(visible_subjects(user).values_list("name", flat=True))
    shown = []
    for finding in findings:
        named = {o["name"] for o in finding.objects if o["kind"] == "agreement"}
        if named:
            if named & agreements:
                shown.append(finding)
        elif {o["name"] for o in finding.objects} & subjects:
            shown.append(finding)
    return shown
