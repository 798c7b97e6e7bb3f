import json
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.evaluation import services
from accord.evaluation.fields import epoch_seconds, from_epoch
from accord.evaluation.models import PeriodResult
from accord.evaluation.report import Row, as_csv, as_json, rows_from_figures, rows_from_results
from accord.evaluation.scope import read_scope
from accord.evaluation.table import render


class Command(BaseCommand):
    help = (
        "Evaluate agreements and print their period results. Without --as-of the routine "
        "evaluation runs first and its stored results are shown; with --as-of the period "
        "is computed at that instant from the measurements and nothing is written."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--agreement",
            action="append",
            metavar="NAME",
            help="an agreement (repeatable); default: every agreement in force",
        )
        parser.add_argument(
            "--period",
            default="current",
            help="2026-03 (month), 2026-Q1 (quarter), 2026 (year) or current (default)",
        )
        parser.add_argument(
            "--as-of", help="an ISO 8601 instant with its offset, e.g. 2026-03-31T23:59Z"
        )
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        agreements = _agreements(options["agreement"])
        as_of = _instant(options["as_of"]) if options["as_of"] else None
        subjects = dict(Subject.objects.values_list("id", "name"))
        rows: list[Row] = []
        for agreement in agreements:
            found = _rows(agreement, options["period"], as_of, subjects)
            if not found:
                self.stderr.write(_why_none(agreement, options["period"], as_of))
            rows += found
        if options["format"] == "json":
            self.stdout.write(json.dumps([as_json(r) for r in rows], indent=2))
        elif options["format"] == "csv":
            self.stdout.write(as_csv(rows), ending="")
        else:
            self.stdout.write(render(rows), ending="")


def _agreements(names: list[str] | None) -> list[Agreement]:
    if not names:
        return services.agreements_in_force()
    found = {a.name: a for a in Agreement.objects.filter(name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise CommandError(f"no agreement named {', '.join(map(repr, missing))}")
    return [found[n] for n in dict.fromkeys(names)]


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--as-of {text!r}: expected ISO 8601, e.g. 2026-03-31T23:59Z") from None
    if moment.tzinfo is None:
        raise CommandError(f"--as-of {text!r}: give the offset (Z or +01:00)")
    return moment


def _why_none(agreement: Agreement, label: str, as_of: datetime | None) -> str:
    begins, ends = agreement.effective_from, agreement.effective_until
    if begins or ends:
        span = f"{begins or 'the beginning'} to {ends or 'today'}"
        return f"{agreement.name}: no results for {label} (in force {span})"
    return f"{agreement.name}: no results for {label} (not begun at {as_of or 'now'})"


def _rows(
    agreement: Agreement, label: str, as_of: datetime | None, subjects: dict[int, str]
) -> list[Row]:
    try:
        if as_of is None:
            summary = services.evaluate_agreement(agreement)
            scope = read_scope(agreement)
            period = scope.period(label, epoch_seconds(summary.as_of))
            # The period, and the windows of temporary changes within it.
            windows = Q(period__in=list(scope.windows)) & Q(
                period_start__lt=from_epoch(period.end), period_end__gt=from_epoch(period.start)
            )
            stored = PeriodResult.objects.filter(agreement=agreement).filter(
                Q(period=period.label) | windows
            )
            if stored.exists():
                return rows_from_results(
                    stored.select_related("agreement").order_by("pk"), subjects
                )
        outcome = services.compute_periods(agreement, [label], as_of=as_of)
    except ValueError as exc:
        raise CommandError(f"{agreement.name}: {exc}") from None
    return rows_from_figures(agreement.name, outcome.figures, subjects)
