"""`accord process-review --year 2026 --format html|pdf|csv|json -o FILE`: the annual
review of the service level management process (its KPIs over the year)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.reviews.documents import FORMATS, render_process
from accord.reviews.management.commands.reviews import day
from accord.reviews.process import process_review


class Command(BaseCommand):
    help = (
        "The annual review of the SLM process: SLA coverage of live services, reviews held "
        "on time, actions closed on time, breaches per period, agreements past their review "
        "date, SLRs turned into agreements."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=FORMATS, default="html")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--today", type=day, help="the as-at date (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options.get("today") or timezone.localdate()
        report = process_review(year=options["year"], today=today)
        content = render_process(report, options["format"])
        if options.get("output"):
            Path(options["output"]).write_bytes(content)
            self.stderr.write(f"wrote {options['output']} ({len(content)} bytes)")
        else:
            sys.stdout.buffer.write(content)
