import json
from argparse import ArgumentParser, ArgumentTypeError
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accord.manifests.apply import apply_paths
from accord.manifests.errors import ManifestInvalid


class Command(BaseCommand):
    help = "Validate accord/v1 manifests, print the plan and apply it atomically."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-f",
            "--filename",
            dest="paths",
            action="append",
            required=True,
            metavar="PATH",
            help="a manifest file or a directory (repeatable)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and print the plan, write nothing"
        )
        parser.add_argument(
            "--prune", action="store_true", help="delete objects that are no longer in the files"
        )
        parser.add_argument(
            "--effective-from",
            type=_instant,
            default=None,
            metavar="ISO-8601",
            help="when changed agreement terms take effect (default: now)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = apply_paths(
                options["paths"],
                effective_from=options["effective_from"] or timezone.now(),
                dry_run=options["dry_run"],
                prune=options["prune"],
            )
        except ManifestInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s); nothing was written") from None
        if options["format"] == "json":
            self.stdout.write(json.dumps([c.as_dict() for c in plan.changes], indent=2))
            return
        for change in plan.changes:
            self.stdout.write(str(change))
        verb = "would apply" if options["dry_run"] else "applied"
        self.stdout.write(f"{verb}: {plan.summary()}")


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not an ISO 8601 date or date-time") from None
    if timezone.is_naive(value):
        raise ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. 2026-05-01T00:00:00Z")
    return value
