"""`accord import tickets|events|outages|metrics FILE...` (docs/importing.md)."""

from __future__ import annotations

import sys
from argparse import SUPPRESS, ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.measurements.importers import (
    BATCH_SIZE,
    FORMATS,
    KINDS,
    ImportAborted,
    ImportOptions,
    run_import,
)
from accord.measurements.models import DEFAULT_SOURCE


class Command(BaseCommand):
    help = (
        "Import tickets, ticket events, outages or metric counts from CSV, JSON Lines or a "
        "ServiceNow incident event log. Exit status: 0 every row imported, 2 some rows "
        "rejected (the others imported), 1 nothing read."
    )
    requires_system_checks = []  # a data command: checking URLs and admin costs 0.25 s a run

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="what the files hold")
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--format", choices=FORMATS, help="default: from the file name (.csv, .jsonl)"
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            metavar="TZ",
            help="IANA zone of timestamps without an offset (default UTC)",
        )
        parser.add_argument(
            "--service", metavar="NAME", help="the service or component of every row"
        )
        parser.add_argument(
            "--source",
            default=DEFAULT_SOURCE,
            metavar="NAME",
            help=f"the system the ticket ids belong to (default {DEFAULT_SOURCE!r})",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--errors",
            type=Path,
            metavar="FILE",
            help="write every rejected row to FILE (CSV: file,row,column,value,reason)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=SUPPRESS
        )  # a knob for tests and benchmarks

    def handle(self, *args: Any, **options: Any) -> None:
        settings = ImportOptions(
            kind=options["kind"],
            format=options["format"],
            timezone=options["timezone"],
            service=options["service"],
            source=options["source"],
            dry_run=options["dry_run"],
            errors=options["errors"],
            batch_size=max(1, options["batch_size"]),
        )
        progress = sys.stderr if self.stderr.isatty() else None
        try:
            report = run_import(options["files"], settings, progress=progress)
        except ImportAborted as exc:
            raise CommandError(f"{exc}; nothing was imported", returncode=1) from None
        for line in report.rejections:
            self.stderr.write(line)
        self.stdout.write(report.summary())
        if report.exit_status:
            where = f"; all of them in {settings.errors}" if settings.errors else ""
            raise CommandError(
                f"{report.rejected} row(s) rejected{where}", returncode=report.exit_status
            )
