import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from accord.alerts.models import AlertEvent, Kind, Severity
from accord.alerts.queries import alert_queryset, alert_with_acknowledgements, filter_alerts


class Command(BaseCommand):
    help = "List alert events, newest first."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--unacknowledged", action="store_true", help="only alerts nobody acknowledged"
        )
        parser.add_argument("--kind", choices=Kind.values)
        parser.add_argument("--agreement", metavar="NAME")
        parser.add_argument("--severity", choices=Severity.values, help="this or higher")
        parser.add_argument("--limit", type=int, default=50, help="at most N (default 50)")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        alerts = filter_alerts(
            alert_queryset(),
            kind=options["kind"],
            agreement=options["agreement"],
            severity=options["severity"],
            acknowledged=False if options["unacknowledged"] else None,
        )[: max(options["limit"], 0)]
        if options["format"] == "json":
            documents = [alert_with_acknowledgements(alert) for alert in alerts]
            self.stdout.write(json.dumps(documents, indent=2, ensure_ascii=False))
            return
        self._table(list(alerts))

    def _table(self, alerts: list[AlertEvent]) -> None:
        if not alerts:
            self.stdout.write("no alerts")
            return
        rows = [("ID", "OCCURRED (UTC)", "SEVERITY", "KIND", "WHAT", "ACK")]
        for alert in alerts:
            about = alert.ticket or " ".join(
                part for part in (alert.subject_name, alert.period_label) if part
            )
            acks = [a.username for a in alert.acknowledgements.all()]
            rows.append(
                (
                    str(alert.pk),
                    alert.occurred_at.strftime("%Y-%m-%d %H:%M"),
                    alert.severity,
                    alert.kind,
                    f"{alert.agreement_name}/{alert.target_name} {about}".strip(),
                    ", ".join(acks) or "-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]))
