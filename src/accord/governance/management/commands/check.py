"""`accord check`: the service level consistency and completeness rules (SEMANTICS §9).

This command replaces Django's `check` for the `accord` console script (an app's
command wins over Django's own); `accord check --django [app_label …] [--deploy …]`
runs Django's system checks, with every option of Django's command.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.check import Command as DjangoCheck
from django.utils import timezone

from accord.governance.checks import RULES, Finding, run_checks


class Command(DjangoCheck):
    help = (
        "Check agreements and the catalogue for consistency and completeness (SEMANTICS §9). "
        "Exit status 0: no error findings; 1: at least one error. "
        "--django runs Django's system checks instead."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--django", action="store_true", help="run Django's system checks instead"
        )
        parser.add_argument("--format", choices=("table", "json"), default="table")
        parser.add_argument(
            "--as-of",
            help="judge dates (reviews, expiry) at this ISO 8601 instant; default now",
        )
        parser.add_argument(
            "--rule", action="append", metavar="ID", help="only this rule (repeatable)"
        )
        parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")

    def handle(self, *app_labels: str, **options: Any) -> None:
        if options["django"]:
            super().handle(*app_labels, **options)
            return
        if options["list_rules"]:
            for rule in RULES.values():
                self.stdout.write(f"{rule.id:42} {rule.severity:8} {rule.title}")
            return
        unknown = sorted(set(options["rule"] or ()) - set(RULES))
        if unknown:
            raise CommandError(f"unknown rule {', '.join(unknown)} (see --list-rules)")
        at = _instant(options["as_of"]) if options["as_of"] else timezone.now()
        findings = run_checks(at=at, rules=options["rule"])
        if options["format"] == "json":
            self.stdout.write(json.dumps([f.as_dict() for f in findings], indent=2))
        else:
            self.stdout.write(render_table(findings), ending="")
        if any(f.severity == "error" for f in findings):
            sys.exit(1)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise CommandError(f"--as-of: {text!r} needs a UTC offset, e.g. 2026-11-30T12:00Z")
    return value


def render_table(findings: list[Finding]) -> str:
    if not findings:
        return "No findings.\n"
    width = max(len(f.rule) for f in findings)
    lines = [f"{'SEVERITY':8} {'RULE':{width}} MESSAGE"]
    lines += [f"{f.severity:8} {f.rule:{width}} {f.message}" for f in findings]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    lines.append("")
    lines.append(", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"
