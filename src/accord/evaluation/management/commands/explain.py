from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.evaluation.explaining import ExplainError, explain_ticket, render
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.management.commands.evaluate import _instant
from accord.measurements.models import DEFAULT_SOURCE, Ticket


class Command(BaseCommand):
    help = (
        "Explain one ticket's clock under one target: its segments (running, paused and "
        "why, outside service hours), totals, threshold and breach instant."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("ticket", metavar="TICKET", help="the ticket's id in its source")
        parser.add_argument("--source", default=DEFAULT_SOURCE, help="the import source")
        parser.add_argument("--agreement", required=True, metavar="NAME")
        parser.add_argument("--target", required=True, metavar="NAME")
        parser.add_argument("--as-of", help="an ISO 8601 instant (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        ticket = Ticket.objects.filter(
            source=options["source"], external_id=options["ticket"]
        ).first()
        if ticket is None:
            raise CommandError(f"no ticket {options['ticket']!r} in source {options['source']!r}")
        agreement = Agreement.objects.filter(name=options["agreement"]).first()
        if agreement is None:
            raise CommandError(f"no agreement named {options['agreement']!r}")
        as_of = _instant(options["as_of"]) if options["as_of"] else timezone.now()
        try:
            found = explain_ticket(ticket, agreement, options["target"], as_of=epoch_seconds(as_of))
        except ExplainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(render(found), ending="")
