"""Approvals by a named person of each party, comments and counter-proposals while an
agreement is negotiated, amendments that become versions once every party approves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from accord.accounts.models import Role
from accord.agreements import proposals, workflow
from accord.agreements.models import Agreement, Amendment
from accord.agreements.services import current_version, version_at
from accord.agreements.workflow import TransitionRefused
from accord.catalogue.models import Contact
from tests.agreements.workflow_support import estate, user

pytestmark = pytest.mark.django_db
S = Agreement.Status
LOOSER = {
    "targets": [
        {
            "name": "p1-resolution",
            "metric": "resolution",
            "where": {"priority": "1"},
            "within": "8h",
            "objective": 90,
        }
    ]
}


def test_every_party_approves_before_agreed(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="proposed")
    shop = user("sam", Role.CUSTOMER, party="shop")
    provider = user("ada", Role.MANAGER, party="acme-it")
    viewer = user("vic", Role.VIEWER)
    outsider = user("sue", Role.SUPPLIER, party="cloudco")
    with pytest.raises(PermissionDenied):
        workflow.approve(agreement, by=viewer)
    with pytest.raises(PermissionDenied):
        workflow.approve(agreement, by=outsider)
    first = workflow.approve(agreement, by=shop)
    assert (first.party.name, first.user, first.name) == ("shop", shop, "sam")
    with pytest.raises(TransitionRefused, match="shop has already approved"):
        workflow.approve(agreement, by=shop)
    # a customer cannot speak for another party, not even through a contact
    dee = Contact.objects.get(email="dee@depot.example")
    with pytest.raises(PermissionDenied):
        workflow.approve(agreement, by=shop, contact=dee)
    workflow.approve(agreement, by=provider)
    agreement.refresh_from_db()
    assert agreement.status == S.PROPOSED
    assert [p.name for p in workflow.parties_awaiting(agreement)] == ["depot"]
    # the manager records the depot contact's approval (signed elsewhere): the last one
    last = workflow.approve(agreement, by=provider, contact=dee)
    assert (last.party.name, last.name, last.email, last.user) == (
        "depot",
        "Dee Depot",
        "dee@depot.example",
        None,
    )
    agreement.refresh_from_db()
    assert agreement.status == S.AGREED
    event = agreement.events.order_by("id").last()
    assert (event.from_status, event.to_status, event.actor_name) == (
        "proposed",
        "agreed",
        "system",
    )
    assert "Dee Depot (depot)" in event.reason and "sam (shop)" in event.reason
    with pytest.raises(TransitionRefused, match="only a proposed agreement"):
        workflow.approve(agreement, by=shop)


def test_comments_and_a_counter_proposal_that_voids_earlier_approvals(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="proposed")
    shop = user("sam", Role.CUSTOMER, party="shop")
    manager = user("mia", Role.MANAGER)
    viewer = user("vic", Role.VIEWER)
    workflow.approve(agreement, by=shop)
    workflow.approve(agreement, by=manager, contact=Contact.objects.get(email="ada@acme.example"))
    with pytest.raises(PermissionDenied):
        workflow.add_comment(agreement, by=viewer, body="nice")
    plain = workflow.add_comment(agreement, by=shop, body="Can we talk about P1?")
    assert (plain.party.name, plain.is_counter_proposal) == ("shop", False)
    with pytest.raises(TransitionRefused, match=r"targets\[0\]\.within"):
        workflow.add_comment(
            agreement,
            by=shop,
            body="x",
            changes={
                "targets": [
                    {
                        "name": "p1-resolution",
                        "metric": "resolution",
                        "within": "soon",
                        "objective": 90,
                    }
                ]
            },
        )
    with pytest.raises(TransitionRefused, match="has no target 'nope'"):
        workflow.add_comment(agreement, by=shop, body="x", changes={"removeTargets": ["nope"]})
    counter = workflow.add_comment(agreement, by=shop, body="8 hours, please", changes=LOOSER)
    assert counter.is_counter_proposal
    with pytest.raises(PermissionDenied):
        proposals.adopt_counter_proposal(counter, by=shop)  # only a driver adopts
    proposals.adopt_counter_proposal(counter, by=manager)
    version = current_version(agreement)
    assert version is not None and version.number == 1
    assert [(t.name, t.within_seconds) for t in version.targets.all()] == [
        ("p1-resolution", 8 * 3600)
    ]
    # the approvals were of the earlier terms: every party must approve again
    assert [p.name for p in workflow.parties_awaiting(agreement)] == ["acme-it", "depot", "shop"]
    with pytest.raises(TransitionRefused, match="not yet adopted"):
        proposals.adopt_counter_proposal(counter, by=manager)


def test_an_amendment_becomes_a_new_version_when_every_party_approves(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="active", consumers="shop")
    owner = user("olga", Role.OWNER, party="acme-it", services=("store",))
    shop = user("sam", Role.CUSTOMER, party="shop")
    with pytest.raises(TransitionRefused, match="counter-proposals are for"):
        workflow.add_comment(agreement, by=shop, body="x", changes=LOOSER)
    start = datetime.now(tz=UTC) + timedelta(days=30)
    with pytest.raises(PermissionDenied):
        proposals.propose_amendment(
            agreement, by=shop, changes=LOOSER, reason="r", effective_from=start
        )
    amendment = proposals.propose_amendment(
        agreement,
        by=owner,
        changes=LOOSER | {"terms": {"creditCap": 15}},
        reason="P1 needs a vendor",
        effective_from=start,
    )
    assert [p.name for p in proposals.amendment_awaiting(amendment)] == ["acme-it", "shop"]
    proposals.approve_amendment(amendment, by=owner)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.PROPOSED and amendment.version is None
    proposals.approve_amendment(amendment, by=shop)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.APPLIED and amendment.version.number == 2
    assert amendment.version.effective_from == start and float(amendment.version.credit_cap) == 15
    # what started before the amendment is still judged by version 1
    old, new = version_at(agreement, start - timedelta(seconds=1)), version_at(agreement, start)
    assert old.number == 1 and old.targets.get().within_seconds == 4 * 3600
    assert new.number == 2 and new.targets.get().within_seconds == 8 * 3600
    assert agreement.events.order_by("id").last().kind == "amendment"
    with pytest.raises(TransitionRefused, match="applied"):
        proposals.approve_amendment(amendment, by=owner)


def test_an_amendment_approved_late_starts_at_its_approval(tmp_path: Path) -> None:
    agreement = estate(tmp_path, status="active", consumers="shop")
    manager = user("mia", Role.MANAGER, party="acme-it")
    shop = user("sam", Role.CUSTOMER, party="shop")
    asked = datetime(2026, 6, 1, tzinfo=UTC)
    amendment = proposals.propose_amendment(
        agreement,
        by=manager,
        changes=LOOSER,
        reason="r",
        effective_from=asked,
        now=asked - timedelta(days=9),
    )
    proposals.approve_amendment(amendment, by=manager, now=asked - timedelta(days=5))
    approved = asked + timedelta(days=3)
    proposals.approve_amendment(amendment, by=shop, now=approved)
    amendment.refresh_from_db()
    assert amendment.version.effective_from == approved  # never retroactive
    rejected = proposals.propose_amendment(
        agreement,
        by=manager,
        changes=LOOSER,
        reason="again",
        effective_from=approved + timedelta(days=1),
    )
    proposals.close_amendment(rejected, by=shop, status=Amendment.Status.REJECTED)
    rejected.refresh_from_db()
    assert rejected.status == Amendment.Status.REJECTED
    with pytest.raises(TransitionRefused, match="must take effect after version 2"):
        proposals.propose_amendment(
            agreement, by=manager, changes=LOOSER, reason="r", effective_from=asked
        )
