import getpass
from argparse import ArgumentParser
from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.engine.periods import local_to_utc
from accord.evaluation import services
from accord.evaluation.fields import from_epoch
from accord.evaluation.management.commands.evaluate import _agreements, _instant
from accord.evaluation.scope import read_scope


class Command(BaseCommand):
    help = (
        "Re-evaluate history explicitly: recompute every clock and rewrite the period "
        "results from --since (all history by default), closed periods included. Each "
        "re-evaluation is logged (who, when, which agreement, which periods)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--agreement", action="append", metavar="NAME")
        parser.add_argument(
            "--since",
            help="a date (midnight in the agreement's time zone) or an ISO 8601 instant",
        )
        parser.add_argument("--reason", default="", help="why, for the log")
        parser.add_argument("--by", default="", help="who asks (default: the OS user)")

    def handle(self, *args: Any, **options: Any) -> None:
        by = options["by"] or _user()
        for agreement in _agreements(options["agreement"]):
            since = _since(options["since"], agreement) if options["since"] else None
            try:
                (entry,) = services.reevaluate(
                    [agreement], since=since, requested_by=by, reason=options["reason"]
                )
            except ValueError as exc:
                raise CommandError(f"{agreement.name}: {exc}") from None
            periods = entry.periods
            span = f"{periods[0]} to {periods[-1]}" if periods else "no period"
            self.stdout.write(
                f"{agreement.name}: re-evaluated {entry.clocks} clocks, rewrote {span}"
                f" (logged as re-evaluation #{entry.pk} by {by})"
            )


def _since(text: str, agreement: Any) -> datetime:
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--since {text!r}: expected a date such as 2026-03-01") from None
        return from_epoch(local_to_utc(day, read_scope(agreement).timezone))
    return _instant(text)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
