"""Scheduling reviews from each agreement's cadence, moving the next date on when a
review is held or cancelled, and the overdue notices."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from accord.agreements.models import Agreement
from accord.alerts.models import AlertEvent, Kind
from accord.evaluation.jobs import HANDLERS, REPEAT
from accord.manifests.apply import apply_paths
from accord.reviews import services
from accord.reviews.models import Action, Review, StatusEvent
from accord.reviews.schedule import (
    Cadence,
    notify_overdue,
    parse_cadence,
    schedule_reviews,
)
from tests.reviews import review_support as world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("P3M", date(2026, 4, 15), date(2026, 7, 15)),
        ("P1M", date(2026, 1, 31), date(2026, 2, 28)),  # clamped to the month's end
        ("P1M", date(2028, 1, 31), date(2028, 2, 29)),
        ("P6M", date(2026, 8, 31), date(2027, 2, 28)),
        ("P1Y", date(2026, 12, 1), date(2027, 12, 1)),
        ("P2W", date(2026, 12, 28), date(2027, 1, 11)),
        ("P1M10D", date(2026, 1, 31), date(2026, 3, 10)),
    ],
)
def test_cadence_adds_calendar_months_then_days(text: str, start: date, expected: date) -> None:
    cadence = parse_cadence(text)
    assert cadence is not None and cadence.after(start) == expected


def test_cadence_parsing() -> None:
    assert parse_cadence("P1Y6M") == Cadence(months=18, days=0)
    assert parse_cadence("p2w") == Cadence(months=0, days=14)
    assert parse_cadence("") is None and parse_cadence("P0M") is None
    assert parse_cadence("3 months") is None


def test_reviews_are_scheduled_within_the_lead_and_once() -> None:
    shop = world.agreement("shop-sla", every="P3M", next=date(2026, 4, 15))
    world.agreement("draft-sla", status=Agreement.Status.DRAFT, next=date(2026, 4, 1))
    world.agreement("no-date-sla", next=None)

    assert schedule_reviews(today=date(2026, 3, 15)) == []  # 31 days ahead: not yet
    (review,) = schedule_reviews(today=date(2026, 3, 16))
    assert (review.agreement, review.scheduled_for, review.status) == (
        shop, date(2026, 4, 15), Review.Status.SCHEDULED,
    )  # fmt: skip
    assert schedule_reviews(today=date(2026, 4, 20)) == []  # pending already
    assert Review.objects.count() == 1


def test_holding_a_review_moves_the_next_date_on_by_the_cadence() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla", every="P3M", next=date(2026, 4, 15))
    (review,) = schedule_reviews(today=date(2026, 4, 1))

    services.hold_review(
        review, user=boss, held_at=datetime(2026, 4, 16, 10, tzinfo=UTC),
        attendees="Ann\nBob", minutes="Talked.", decisions="Raise P1.",
    )  # fmt: skip
    shop.refresh_from_db()
    review.refresh_from_db()
    # Counted from the scheduled date, so a day late does not shift every later review.
    assert shop.review_next == date(2026, 7, 15)
    assert review.status == Review.Status.HELD and review.attendee_names() == ["Ann", "Bob"]
    (event,) = StatusEvent.objects.filter(review=review)
    assert (event.old, event.new, event.username) == ("scheduled", "held", boss.username)
    with pytest.raises(services.ReviewError):
        services.hold_review(review, user=boss)

    assert schedule_reviews(today=date(2026, 6, 14)) == []
    (following,) = schedule_reviews(today=date(2026, 6, 15))
    assert following.scheduled_for == date(2026, 7, 15)


def test_a_very_late_review_skips_the_dates_already_past() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla", every="P3M", next=date(2026, 4, 15))
    (review,) = schedule_reviews(today=date(2026, 4, 1))
    services.hold_review(review, user=boss, held_at=datetime(2026, 8, 2, tzinfo=UTC))
    shop.refresh_from_db()
    assert shop.review_next == date(2026, 10, 15)  # 07-15 had passed when it was held


def test_a_one_off_review_leaves_no_next_date() -> None:
    shop = world.agreement("shop-sla", every="", next=date(2026, 4, 15))
    (review,) = schedule_reviews(today=date(2026, 4, 1))
    services.hold_review(review, user=world.admin(), held_at=datetime(2026, 4, 15, tzinfo=UTC))
    shop.refresh_from_db()
    assert shop.review_next is None


def test_cancelling_needs_a_reason_and_moves_the_date_on() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla", every="P6M", next=date(2026, 4, 15))
    (review,) = schedule_reviews(today=date(2026, 4, 1))
    with pytest.raises(services.ReviewError):
        services.cancel_review(review, user=boss, reason="  ")
    services.cancel_review(review, user=boss, reason="merged with the annual review",
                           at=datetime(2026, 4, 10, tzinfo=UTC))  # fmt: skip
    shop.refresh_from_db()
    review.refresh_from_db()
    assert review.status == Review.Status.CANCELLED and shop.review_next == date(2026, 10, 15)
    assert StatusEvent.objects.get(review=review).note == "merged with the annual review"
    with pytest.raises(services.ReviewError):
        services.record_minutes(review, attendees="", minutes="m", decisions="")
    with pytest.raises(services.ReviewError):
        services.hold_review(review, user=boss)


def test_overdue_reviews_and_actions_alert_once_each() -> None:
    boss = world.admin()
    shop = world.agreement("shop-sla", every="P3M", next=date(2026, 4, 15))
    (review,) = schedule_reviews(today=date(2026, 4, 1))
    late = services.create_action(title="Fix the runbook", due=date(2026, 4, 10), user=boss,
                                  review=review, owner_name="Ann")  # fmt: skip
    services.create_action(title="Not yet", due=date(2026, 6, 30), user=boss, review=review,
                           owner_name="Bob")  # fmt: skip
    done = services.create_action(title="Done", due=date(2026, 4, 1), user=boss, review=review,
                                  owner_name="Cy")  # fmt: skip
    services.set_action_status(done, status=Action.Status.DONE, user=boss)

    assert notify_overdue(today=date(2026, 4, 15)) == 1  # the action; the review is due today
    assert notify_overdue(today=date(2026, 4, 16)) == 1  # now the review too
    assert notify_overdue(today=date(2026, 4, 20)) == 0  # never twice

    by_kind = {a.kind: a for a in AlertEvent.objects.all()}
    assert set(by_kind) == {Kind.REVIEW_OVERDUE, Kind.ACTION_OVERDUE}
    assert by_kind[Kind.REVIEW_OVERDUE].agreement == shop
    assert "2026-04-15" in by_kind[Kind.REVIEW_OVERDUE].message
    action_alert = by_kind[Kind.ACTION_OVERDUE]
    assert "Fix the runbook" in action_alert.message and action_alert.figures["action"] == late.pk
    assert action_alert.occurred_at == datetime(2026, 4, 11, tzinfo=UTC)

    # A new due date is a new condition: it alerts again once that date has passed.
    Action.objects.filter(pk=late.pk).update(due=date(2026, 5, 1))
    assert notify_overdue(today=date(2026, 5, 1)) == 0
    assert notify_overdue(today=date(2026, 5, 2)) == 1


def test_the_command_and_the_periodic_job(capsys: pytest.CaptureFixture[str]) -> None:
    world.agreement("shop-sla", every="P3M", next=date(2026, 4, 15))
    call_command("reviews", "schedule", "--today", "2026-04-20")
    out = capsys.readouterr().out
    assert "scheduled shop-sla on 2026-04-15" in out
    assert "1 review(s) scheduled, 1 overdue notice(s)" in out
    call_command("reviews", "list", "--today", "2026-04-20")
    assert "OVERDUE shop-sla" in capsys.readouterr().out
    assert "reviews-schedule" in HANDLERS and REPEAT["reviews-schedule"].total_seconds() == 3600


def test_reapplying_the_manifest_keeps_the_date_a_held_review_moved_on(
    northwind: Path,
) -> None:
    apply_paths([northwind], effective_from=datetime(2026, 1, 1, tzinfo=UTC))
    sla = Agreement.objects.get(name="retail-online-store-sla")
    assert (sla.review_every, sla.review_next) == ("P3M", date(2026, 4, 15))
    review = next(r for r in schedule_reviews(today=date(2026, 4, 1)) if r.agreement == sla)
    services.hold_review(review, user=world.admin(), held_at=datetime(2026, 4, 15, tzinfo=UTC))

    plan = apply_paths([northwind], effective_from=datetime(2026, 5, 1, tzinfo=UTC))
    sla.refresh_from_db()
    assert sla.review_next == date(2026, 7, 15) and plan.summary() == "28 unchanged"
