"""accord report: a period report of one agreement or of every agreement of a party.

Exit codes: 0 written; 1 a report that cannot be made (unknown or invisible agreement,
party or user, bad period or --as-of, unwritable file); 2 wrong arguments (argparse).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accord.reviews.reports import formats, requests
from accord.reviews.reports.gather import ReportError


class Command(BaseCommand):
    help = (
        "Write a period report (html, pdf, csv or json) of an agreement or of a party's "
        "agreements. Figures are the stored evaluation's; a period it did not store, or "
        "another --as-of, is computed for the report (nothing is written). Without --user "
        "the report covers everything (the operator's full access)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--agreement", metavar="NAME", help="one agreement")
        which.add_argument(
            "--customer", metavar="NAME", help="a party: every agreement it consumes or provides"
        )
        parser.add_argument(
            "--period",
            required=True,
            help="2026-03 (month), 2026-Q1 (quarter), 2026 (year) or current",
        )
        parser.add_argument("--format", choices=formats.FORMATS, default="pdf")
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="the file to write; - for stdout"
        )
        parser.add_argument(
            "--as-of", help="figures at this ISO 8601 instant (e.g. 2026-03-31T23:59Z)"
        )
        parser.add_argument(
            "--user", metavar="NAME", help="apply this user's access (default: full access)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = _user(options["user"]) if options["user"] else None
        as_of = _instant(options["as_of"]) if options["as_of"] else None
        try:
            if options["agreement"]:
                report = requests.agreement_report(
                    user, options["agreement"], options["period"], as_of
                )
            else:
                report = requests.party_report(user, options["customer"], options["period"], as_of)
        except (requests.NotFound, ReportError) as exc:
            raise CommandError(str(exc)) from None
        data = formats.render(report, options["format"])
        _write(options["output"], data)
        if options["output"] != "-":
            self.stderr.write(
                f"wrote {options['output']} ({len(data):,} bytes): {report.kind} {report.name}, "
                f"{report.period_label}, {report.counts.met} met, {report.counts.at_risk} at risk, "
                f"{report.counts.breached} breached, {report.counts.no_data} no data"
            )


def _user(name: str) -> Any:
    found = get_user_model().objects.filter(username=name).first()
    if found is None:
        raise CommandError(f"--user {name!r}: no such user")
    return found


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--as-of {text!r}: expected ISO 8601, e.g. 2026-03-31T23:59Z") from None
    if moment.tzinfo is None:
        raise CommandError(f"--as-of {text!r}: give the offset (Z or +01:00)")
    return moment


def _write(output: str, data: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output)
    try:
        # Written beside the target, then renamed: a failed report leaves no half file.
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        raise CommandError(f"-o {output}: {exc.strerror or exc}") from None
