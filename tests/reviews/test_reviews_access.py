"""Who sees and changes reviews, actions and plans, through the pages and the API; and a
meeting recorded through the form from start to end."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.services import create_api_token
from accord.agreements.models import Agreement
from accord.reviews import services
from accord.reviews.models import Action, ImprovementPlan, Review
from tests.reviews import review_support as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate() -> dict[str, object]:
    shop = world.service("shop")
    other_service = world.service("depot")
    sla = world.agreement("shop-sla", services=[shop], every="P3M", next=date(2026, 4, 15))
    other = world.agreement("depot-sla", customer="other", services=[other_service])
    uc = world.agreement("host-uc", type=Agreement.Type.UC, provider="host")
    sla.underpinned_by.set([uc])
    review = Review.objects.create(agreement=sla, scheduled_for=date(2026, 4, 15))
    hidden = Review.objects.create(agreement=other, scheduled_for=date(2026, 4, 15))
    users = {
        "manager": world.admin("manager"),
        "owner": world.user("owner", Role.OWNER, services=[shop]),
        "customer": world.user("customer", Role.CUSTOMER, party_name="customer"),
        "stranger": world.user("stranger", Role.CUSTOMER, party_name="other"),
        "supplier": world.user("supplier", Role.SUPPLIER, party_name="host"),
        "viewer": world.user("viewer", Role.VIEWER),
        "nobody": world.user("nobody", None),
    }
    return {"sla": sla, "review": review, "hidden": hidden, "users": users}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_what_each_role_sees(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    review: Review = estate["review"]  # type: ignore[assignment]
    url = f"/reviews/{review.pk}/"
    expected = {
        "manager": (200, True), "owner": (200, True), "viewer": (200, False),
        "customer": (200, False), "stranger": (404, False), "supplier": (404, False),
        "nobody": (404, False),
    }  # fmt: skip
    for name, (status, editable) in expected.items():
        response = _client(users[name]).get(url)
        assert response.status_code == status, name
        if status == 200:
            page = response.content.decode()
            assert ("Record and mark held" in page) is editable, name
            assert "Outstanding actions" in page
        listing = _client(users[name]).get("/reviews/").content.decode()
        assert (url in listing) is (status == 200), name
    assert Client().get(url).status_code == 302  # to the log-in page
    assert {r.agreement.name for r in services.visible_reviews(users["manager"])} == {
        "shop-sla", "depot-sla",
    }  # fmt: skip


def test_customers_read_but_cannot_record(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    review: Review = estate["review"]  # type: ignore[assignment]
    customer = _client(users["customer"])
    form = {"held_on": "2026-04-16", "attendees": "Ann", "minutes": "m", "decisions": "d"}
    assert customer.post(f"/reviews/{review.pk}/record/", form).status_code == 403
    assert customer.post(f"/reviews/{review.pk}/actions/", {"title": "x"}).status_code == 403
    pdf = customer.get(f"/reviews/{review.pk}/pack.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _client(users["stranger"]).get(f"/reviews/{review.pk}/pack.pdf").status_code == 404
    review.refresh_from_db()
    assert review.status == Review.Status.SCHEDULED


def test_an_owner_records_the_meeting_and_its_actions(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    review: Review = estate["review"]  # type: ignore[assignment]
    owner = _client(users["owner"])
    form = {
        "held_on": "2026-04-16", "attendees": "Ann (customer)\nBob",
        "attendee_users": [users["customer"].pk], "minutes": "Went through the pack.",
        "decisions": "Raise the P1 objective.",
    }  # fmt: skip
    assert owner.post(f"/reviews/{review.pk}/record/", form).status_code == 302
    review.refresh_from_db()
    estate["sla"].refresh_from_db()  # type: ignore[attr-defined]
    assert review.status == Review.Status.HELD and review.held_at.date() == date(2026, 4, 16)
    assert review.attendee_names() == ["customer", "Ann (customer)", "Bob"]
    assert estate["sla"].review_next == date(2026, 7, 15)  # type: ignore[attr-defined]

    bad = owner.post(f"/reviews/{review.pk}/actions/", {"title": "No owner", "due": "2026-05-01"})
    assert bad.status_code == 400 and "name an owner" in bad.content.decode()
    action = {"title": "Update the runbook", "owner_name": "Bob", "due": "2026-05-01"}
    assert owner.post(f"/reviews/{review.pk}/actions/", action).status_code == 302
    made = Action.objects.get(title="Update the runbook")
    assert (made.agreement, made.review, made.status) == (review.agreement, review, "open")

    overdue = owner.get("/reviews/actions/?show=overdue").content.decode()
    assert "Update the runbook" in overdue  # due 2026-05-01, long past
    assert (
        "Update the runbook"
        not in _client(users["stranger"]).get("/reviews/actions/?show=all").content.decode()
    )
    assert [
        a.title for a in services.overdue_actions(users["customer"], today=timezone.localdate())
    ] == ["Update the runbook"]
    assert services.overdue_actions(users["supplier"], today=timezone.localdate()).count() == 0

    closed = owner.post(f"/reviews/actions/{made.pk}/status/", {"status": "done"})
    assert closed.status_code == 302
    made.refresh_from_db()
    assert made.status == "done" and made.closed_at is not None
    assert [(e.old, e.new) for e in made.events.all()] == [("", "open"), ("open", "done")]
    reopen = _client(users["customer"]).post(
        f"/reviews/actions/{made.pk}/status/", {"status": "open"}
    )
    assert reopen.status_code == 403


def test_the_api_follows_the_same_rules(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    review: Review = estate["review"]  # type: ignore[assignment]

    def get(name: str, path: str) -> object:
        _, token = create_api_token(users[name], name="t")
        return Client().get(f"/api/v1/reviews{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

    ours = get("customer", "/")
    assert ours.status_code == 200 and [r["agreement"] for r in ours.json()] == ["shop-sla"]
    assert get("supplier", "/").json() == []
    pack = get("customer", f"/{review.pk}")
    assert pack.status_code == 200 and pack.json()["review"]["agreement"] == "shop-sla"
    assert get("stranger", f"/{review.pk}").status_code == 404
    assert get("customer", "/process/2026").status_code == 403
    assert get("viewer", "/process/2026").status_code == 200


def test_plans_are_seen_through_their_targets(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    plan = services.create_plan(
        title="Faster P1", goal="Resolve P1 within 4h", user=users["manager"],
        targets=[(estate["sla"], "p1-resolution")],  # type: ignore[list-item]
    )  # fmt: skip
    assert _client(users["customer"]).get(f"/reviews/plans/{plan.pk}/").status_code == 200
    assert _client(users["stranger"]).get(f"/reviews/plans/{plan.pk}/").status_code == 404
    assert (
        _client(users["supplier"]).get("/reviews/plans/").content.decode().count("Faster P1") == 0
    )
    assert services.can_edit_plan(users["owner"], plan)
    assert not services.can_edit_plan(users["customer"], plan)
    page = _client(users["owner"]).post(
        f"/reviews/plans/{plan.pk}/status/", {"status": "active", "on": "2026-05-01"}
    )
    assert page.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ImprovementPlan.Status.ACTIVE and plan.started == date(2026, 5, 1)
    assert (
        _client(users["customer"])
        .post(f"/reviews/plans/{plan.pk}/status/", {"status": "abandoned"})
        .status_code
        == 403
    )
    assert _client(users["customer"]).get("/reviews/plans/new/").status_code == 403
    created = _client(users["manager"]).post(
        "/reviews/plans/new/",
        {"title": "Capacity", "goal": "More staff", "targets": ["shop-sla|p1-resolution"]},
    )
    assert created.status_code in (200, 302)


def test_the_process_page_is_for_those_who_see_everything(estate: dict[str, object]) -> None:
    users: dict[str, User] = estate["users"]  # type: ignore[assignment]
    assert _client(users["owner"]).get("/reviews/process/2026/").status_code == 403
    page = _client(users["viewer"]).get("/reviews/process/2026/")
    assert (
        page.status_code == 200
        and "Live services covered by an active SLA" in page.content.decode()
    )
    csv = _client(users["manager"]).get("/reviews/process/2026/?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and b"sla_coverage" in csv.content
