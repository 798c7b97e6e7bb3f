"""`accord sync-prometheus [--agreement NAME] [--since ISO]` (docs/prometheus.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.agreements.models import Agreement
from accord.measurements.management.arguments import instant
from accord.measurements.prometheus import sync_prometheus


class Command(BaseCommand):
    help = (
        "Read the good/total queries of ratio targets with a Prometheus source and store "
        "them as bucketed counts. Exit status 1 when a target could not be synced."
    )
    requires_system_checks = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--agreement", metavar="NAME", help="only this agreement's targets")
        parser.add_argument(
            "--since",
            type=instant,
            metavar="ISO",
            help="read again from this instant (default: after the last stored bucket)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["agreement"]
        if name is not None and not Agreement.objects.filter(name=name).exists():
            raise CommandError(f"no agreement named {name!r}")
        reports = sync_prometheus(agreement=name, since=options["since"])
        if not reports:
            self.stdout.write("no ratio target reads Prometheus (source + good + total)")
        for report in reports:
            (self.stderr if report.error else self.stdout).write(report.summary())
        failed = sum(1 for r in reports if r.error)
        if failed:
            raise CommandError(f"{failed} of {len(reports)} target(s) could not be synced")
