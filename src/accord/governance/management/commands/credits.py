"""`accord credits --period P`: credits owed and receivable, and the cost of each service."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.governance.credits import (
    CreditsReport,
    PeriodInvalid,
    costs_csv,
    credits_csv,
    credits_report,
)


class Command(BaseCommand):
    help = (
        "Credits owed per customer and receivable per supplier in a period (from the stored "
        "period results), and each service's cost from its underpinning charges."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument(
            "--costs", action="store_true", help="with --format csv: the cost rows instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = credits_report(options["period"])
        except PeriodInvalid as error:
            raise CommandError(str(error)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        elif options["format"] == "csv":
            text = costs_csv(report) if options["costs"] else credits_csv(report)
            self.stdout.write(text, ending="")
        else:
            self.stdout.write(render(report), ending="")


def render(report: CreditsReport) -> str:
    lines = [f"Credits in {report.period}", ""]
    if not report.credits:
        lines.append("  no credits evaluated for this period")
    for c in report.credits:
        note = "" if c.final else " (period running: provisional)"
        detail = f"  [{c.targets}]" if c.targets else ""
        lines.append(
            f"  {c.direction:10} {c.party:24} {c.agreement:28} {c.amount:>12,.2f} {c.currency}"
            f"{note}{detail}"
        )
    lines += ["", "Totals"]
    for t in report.totals():
        lines.append(f"  {t['direction']:10} {t['party']:24} {t['amount']:>12,.2f} {t['currency']}")
    lines += ["", "Service costs (underpinning charges, shared equally)"]
    for cost in report.costs or []:
        shared = f" (shared with {', '.join(cost.shared_with)})" if cost.shared_with else ""
        lines.append(
            f"  {cost.service:20} {cost.agreement:24} {cost.amount:>12,.2f} {cost.currency}"
            f" of {cost.charge:,.2f}{shared}"
        )
    for t in report.service_totals():
        lines.append(f"  {t['service']:20} {'TOTAL':24} {t['cost']:>12,.2f} {t['currency']}")
    return "\n".join(lines) + "\n"
