"""`accord impact --change FILE`: what a proposed change would do to service levels."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.governance.change_file import ChangeInvalid, load_change
from accord.governance.impact import ImpactReport, assess_change, format_duration

EXIT_CODES = {"proceed": 0, "at risk": 2, "will breach": 3}


class Command(BaseCommand):
    help = (
        "Assess a proposed change (YAML: components/services, start, end, outage, planned): "
        "services affected, agreements and targets, budget consumed, projected attainment, "
        "credits at stake and a recommendation. Exit status 0 proceed, 2 at risk, 3 will breach."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--change", required=True, metavar="FILE", help="the change (YAML)")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["change"])
        try:
            change = load_change(path.read_text(encoding="utf-8"), where=str(path))
            report = assess_change(change)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except ChangeInvalid as error:
            raise CommandError(str(error)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(render(report), ending="")
        code = EXIT_CODES[report.recommendation]
        if code:
            sys.exit(code)


def render(report: ImpactReport) -> str:
    change = report.change
    lines = [
        f"Change: {', '.join(change.subjects)} down "
        f"({'full outage' if change.impact == 1 else f'impact {change.impact:g}'}, "
        f"{'planned' if change.planned else 'unplanned'}) from {change.start.isoformat()} "
        f"to {change.end.isoformat()} ({format_duration(change.seconds)})",
        "",
        "Affected:",
    ]
    for s in report.subjects:
        state = "down" if s.impact == 1 else f"impact {s.impact:g}" if s.down else "up"
        lost = (
            f"; loses redundancy ({', '.join(s.redundancy_lost)} down)" if s.redundancy_lost else ""
        )
        lines.append(f"  {s.kind:9} {s.name}: {state}{lost}")
    lines += ["", f"Recommendation: {report.recommendation.upper()}"]
    lines += [f"  - {reason}" for reason in report.reasons] or [
        "  - no availability target is affected"
    ]
    stake = report.credits_at_stake
    if stake:
        lines.append("Credits at stake: " + ", ".join(f"{v:.2f} {k}" for k, v in stake.items()))
    if report.unquantified:
        names = ", ".join(f"{u['agreement']}/{u['target']}" for u in report.unquantified)
        lines += [
            "",
            f"Also touched, not quantified (tickets and requests the change may cause): {names}",
        ]
    return "\n".join(lines) + "\n"
