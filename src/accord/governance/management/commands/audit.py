"""`accord audit export [--since D] [--object TYPE:NAME] -o FILE`: the audit trail as CSV."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.governance.audit_queries import filter_entries, parse_since, write_csv
from accord.governance.models import AuditEntry


def _instant(text: str) -> datetime:
    try:
        instant = parse_since(text)
    except ValueError:
        instant = None
    if instant is None:
        raise CommandError(f"--since {text!r}: expected a date (2026-11-01) or an ISO 8601 instant")
    return instant


class Command(BaseCommand):
    help = "The audit trail of catalogue and agreement changes."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the audit trail as CSV, oldest first")
        export.add_argument("--since", help="only changes at or after (date or instant, UTC)")
        export.add_argument("--object", help="only this object: TYPE or TYPE:NAME")
        export.add_argument("-o", "--output", default="-", help="the CSV file (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = filter_entries(
            AuditEntry.objects.all(),
            object=options["object"],
            since=_instant(options["since"]) if options["since"] else None,
        ).order_by("at", "id")
        if options["output"] == "-":
            count = write_csv(entries, self.stdout)
            return
        with open(options["output"], "w", newline="", encoding="utf-8") as out:
            count = write_csv(entries, out)
        sys.stderr.write(f"{count} audit entries written to {options['output']}\n")
