"""The lifecycle's transition table: every allowed and every refused step, for each kind
of actor, then the conditions of the steps that have one, and who may act."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from accord.accounts.models import Role
from accord.agreements import workflow
from accord.agreements.models import Agreement, AgreementEvent, Approval
from accord.agreements.workflow import TransitionRefused
from tests.agreements.workflow_support import estate, user

pytestmark = pytest.mark.django_db
S = Agreement.Status
ALL = {"driver", "system", "manifest"}
PEOPLE_AND_FILES = {"driver", "manifest"}
# The lifecycle as the issue states it, written out independently of workflow.TRANSITIONS.
EXPECTED: dict[tuple[str, str], set[str]] = {
    (S.REQUIREMENT, S.DRAFT): PEOPLE_AND_FILES,
    (S.DRAFT, S.PROPOSED): PEOPLE_AND_FILES,
    (S.PROPOSED, S.DRAFT): PEOPLE_AND_FILES,
    (S.PROPOSED, S.AGREED): {"driver", "system"},
    (S.AGREED, S.ACTIVE): ALL,
    (S.ACTIVE, S.UNDER_REVIEW): PEOPLE_AND_FILES,
    (S.UNDER_REVIEW, S.ACTIVE): PEOPLE_AND_FILES,
    (S.ACTIVE, S.EXPIRED): ALL,
    (S.UNDER_REVIEW, S.EXPIRED): ALL,
    (S.AGREED, S.SUPERSEDED): PEOPLE_AND_FILES,
    (S.ACTIVE, S.SUPERSEDED): PEOPLE_AND_FILES,
    (S.UNDER_REVIEW, S.SUPERSEDED): PEOPLE_AND_FILES,
}
# After the agreement's last day (2027-03-31), so every dated condition holds.
LATER = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.fixture
def ready(tmp_path: Path) -> Agreement:
    """An agreement every step's condition holds for: consumers, a target, dates passed,
    and the approval of every party for its terms."""
    agreement = estate(tmp_path, status="draft", until="2027-03-31")
    digest = workflow.terms_digest(agreement)
    for party in workflow.required_parties(agreement):
        Approval.objects.create(
            agreement=agreement,
            party=party,
            name="x",
            terms_digest=digest,
            recorded_by_name="test",
            at=LATER,
        )
    return agreement


@pytest.mark.parametrize("source", S.values)
def test_every_step_from_a_status_is_allowed_or_refused_as_the_table_says(
    ready: Agreement, source: str
) -> None:
    manager = user("mia", Role.MANAGER)
    for target in S.values:
        for who in sorted(ALL):
            Agreement.objects.filter(pk=ready.pk).update(status=source)
            ready.refresh_from_db()
            allowed = who in EXPECTED.get((source, target), set())
            by = manager if who == "driver" else None
            events = AgreementEvent.objects.filter(agreement=ready).count()
            if allowed:
                event = workflow.transition(
                    ready, target, by=by, who=who, reason="table", now=LATER
                )
                ready.refresh_from_db()
                assert ready.status == target, (source, target, who)
                assert (event.from_status, event.to_status) == (source, target)
                assert event.actor_name == ("mia" if by else who)
                assert event.actor == by and event.reason == "table" and event.at == LATER
            else:
                with pytest.raises(TransitionRefused) as refused:
                    workflow.transition(ready, target, by=by, who=who, reason="t", now=LATER)
                assert ready.name in str(refused.value)
                ready.refresh_from_db()
                assert ready.status == source
                assert AgreementEvent.objects.filter(agreement=ready).count() == events


def test_the_table_has_no_other_steps() -> None:
    table = {(t.source, t.target): set(t.who) for t in workflow.TRANSITIONS}
    assert table == EXPECTED


def test_a_refused_step_names_the_allowed_ones(ready: Agreement) -> None:
    Agreement.objects.filter(pk=ready.pk).update(status=S.DRAFT)
    ready.refresh_from_db()
    with pytest.raises(TransitionRefused, match=r"draft → active is not a step.*allowed: proposed"):
        workflow.transition(ready, S.ACTIVE, by=user("mia", Role.MANAGER))
    Agreement.objects.filter(pk=ready.pk).update(status=S.EXPIRED)
    ready.refresh_from_db()
    with pytest.raises(TransitionRefused, match=r"allowed: none \(it is final\)"):
        workflow.transition(ready, S.ACTIVE, who="system")


def test_events_are_immutable(ready: Agreement) -> None:
    event = workflow.transition(ready, S.PROPOSED, by=user("mia", Role.MANAGER), now=LATER)
    event.reason = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        event.save()
    with pytest.raises(ValueError, match="immutable"):
        event.delete()


def test_conditions_of_the_steps(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="draft", until="2027-03-31")
    manager = user("mia", Role.MANAGER)
    # draft → proposed needs a consumer and a target
    consumers = list(agreement.consumers.all())
    agreement.consumers.clear()
    with pytest.raises(TransitionRefused, match="needs a consumer"):
        workflow.transition(agreement, S.PROPOSED, by=manager, now=LATER)
    agreement.consumers.set(consumers)
    workflow.transition(agreement, S.PROPOSED, by=manager, now=LATER)
    # proposed → agreed needs every party's approval: it says whose is missing
    with pytest.raises(TransitionRefused, match="waiting for the approval of acme-it, depot, shop"):
        workflow.transition(agreement, S.AGREED, by=manager, now=LATER)
    Agreement.objects.filter(pk=agreement.pk).update(status=S.AGREED)
    agreement.refresh_from_db()
    # agreed → active only from its first day (local midnight of effective.from, UTC here)
    before = datetime(2026, 3, 31, 23, 59, tzinfo=UTC)
    with pytest.raises(TransitionRefused, match="takes effect on 2026-04-01"):
        workflow.transition(agreement, S.ACTIVE, by=manager, now=before)
    with pytest.raises(TransitionRefused, match="takes effect"):
        workflow.transition(agreement, S.ACTIVE, who="system", now=before)
    workflow.transition(agreement, S.ACTIVE, who="system", now=datetime(2026, 4, 1, tzinfo=UTC))
    # the system ends it only after its last day; a driver may end it early, with a reason
    last_day = datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(TransitionRefused, match="in force until 2027-03-31"):
        workflow.transition(agreement, S.EXPIRED, who="system", now=last_day)
    with pytest.raises(TransitionRefused, match="say why"):
        workflow.transition(agreement, S.EXPIRED, by=manager, now=last_day)
    workflow.transition(agreement, S.EXPIRED, by=manager, reason="terminated", now=last_day)
    assert list(agreement.events.order_by("id").values_list("to_status", flat=True)) == [
        "draft",
        "proposed",
        "active",
        "expired",
    ]


def test_who_may_drive_the_lifecycle(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="requirement")
    owner = user("olga", Role.OWNER, party="acme-it", services=("store",))
    stranger_owner = user("otto", Role.OWNER, party="cloudco")
    for role, party in ((Role.CUSTOMER, "shop"), (Role.SUPPLIER, "cloudco"), (Role.VIEWER, None)):
        person = user(f"u-{role}", role, party=party)
        with pytest.raises(PermissionDenied):
            workflow.transition(agreement, S.DRAFT, by=person)
    with pytest.raises(PermissionDenied):
        workflow.transition(agreement, S.DRAFT, by=stranger_owner)
    event = workflow.transition(agreement, S.DRAFT, by=owner)
    assert event.actor == owner and agreement.status == S.DRAFT
    with pytest.raises(ValueError, match="needs a user"):
        workflow.transition(agreement, S.PROPOSED)
