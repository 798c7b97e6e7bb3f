"""`accord reviews schedule|list|pack`: service reviews from the command line.

The CLI acts as the operator (it has the database), like `accord apply`: no role check.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accord.reviews.documents import render_pack
from accord.reviews.models import Review
from accord.reviews.packs import build_pack
from accord.reviews.schedule import LEAD_DAYS, notify_overdue, overdue_reviews, schedule_reviews


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--today {text!r}: expected a date such as 2026-11-30") from exc


class Command(BaseCommand):
    help = (
        "Service reviews: `schedule` creates the reviews falling due from each agreement's "
        "cadence and raises overdue notices; `list` shows scheduled reviews; `pack` writes "
        "a review's pack (html, pdf or json)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        schedule = sub.add_parser("schedule", help="create due reviews; notify overdue ones")
        schedule.add_argument("--today", type=day, help="the date to schedule as of")
        schedule.add_argument("--lead-days", type=int, default=LEAD_DAYS)
        listing = sub.add_parser("list", help="scheduled reviews (overdue first)")
        listing.add_argument("--today", type=day)
        pack = sub.add_parser("pack", help="write the pack of one review")
        pack.add_argument("--review", type=int, required=True, help="the review's id")
        pack.add_argument("--format", choices=["html", "pdf", "json"], default="html")
        pack.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options.get("today") or timezone.localdate()
        if options["action"] == "schedule":
            created = schedule_reviews(today=today, lead_days=options["lead_days"])
            for review in created:
                self.stdout.write(f"scheduled {review.agreement.name} on {review.scheduled_for}")
            alerts = notify_overdue(today=today)
            self.stdout.write(f"{len(created)} review(s) scheduled, {alerts} overdue notice(s)")
        elif options["action"] == "list":
            self._list(today)
        else:
            self._pack(options)

    def _list(self, today: date) -> None:
        late = {r.pk for r in overdue_reviews(today=today)}
        rows = Review.objects.filter(status=Review.Status.SCHEDULED).select_related("agreement")
        for review in sorted(rows, key=lambda r: (r.pk not in late, r.scheduled_for)):
            flag = "OVERDUE " if review.pk in late else ""
            self.stdout.write(
                f"{review.pk:>5}  {review.scheduled_for}  {flag}{review.agreement.name}"
            )

    def _pack(self, options: dict[str, Any]) -> None:
        review = Review.objects.select_related("agreement").filter(pk=options["review"]).first()
        if review is None:
            raise CommandError(f"--review {options['review']}: no such review")
        content = render_pack(build_pack(review), options["format"])
        if options.get("output"):
            Path(options["output"]).write_bytes(content)
        else:
            sys.stdout.buffer.write(content)
