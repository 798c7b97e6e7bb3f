"""The authorisation matrix: every role × every API endpoint and every page, allowed and
denied, on the evaluated Northwind estate (two customers, a supplier, a service owner).

The decisions are the tables in matrix_api.py and matrix_pages.py. The endpoints and
pages are enumerated from the running site (the OpenAPI schema and Django's URL
resolver), and a URL without a row there fails `test_every_url_has_a_decision`: a new
page or endpoint cannot ship without someone deciding who may use it.

Statuses: 200/201/204 allowed; 403 seen but not allowed; 404 not visible (existence is
not revealed); 401 (API) or 302 to the log-in page (pages) for anonymous callers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accord.alerts.models import AlertEvent
from accord.catalogue.models import Party, Subject
from accord.evaluation.models import ClockResult
from tests.api.conftest import PEOPLE, api_client, make_people
from tests.api.matrix import ROLES, Ctx, L, Probe, R, S, at
from tests.api.matrix_api import API
from tests.api.matrix_pages import ADMIN, NOT_PAGES, PAGES

# --- Enumerating the site ---


def routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def api_operations() -> set[str]:
    from accord.api import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def api_route(route: str) -> str:
    """`api/v1/agreements/<name>/versions/<int:number>` → `/api/v1/agreements/{name}/…`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_url_has_a_decision() -> None:
    operations = api_operations()
    undecided = sorted(operations - set(API))
    assert not undecided, (
        f"API endpoints without a row in API (decide who may call them): {undecided}"
    )
    assert not set(API) - operations, (
        f"rows for endpoints that no longer exist: {set(API) - operations}"
    )
    api_paths = {op.split(" ", 1)[1] for op in operations}
    missing = []
    for route in set(routes()):
        if route.startswith("admin/") or route in PAGES or route in NOT_PAGES:
            continue
        if route.startswith("api/v1/") and api_route(route) in api_paths:
            continue
        missing.append(route)
    assert not missing, f"pages without a row in PAGES (decide who may see them): {sorted(missing)}"
    assert not set(PAGES) - set(routes()), "rows for pages that no longer exist"


# --- Running the matrix ---


def context() -> Ctx:
    """Objects of the estate the probes name, and throwaway objects to delete."""
    for who in PEOPLE:
        Party.objects.create(name=f"del-{who}", role="customer")
        Subject.objects.create(name=f"sdel-{who}", kind="service")
        Subject.objects.create(name=f"cdel-{who}", kind="component")

    def ticket_of(agreement: str, customer: str) -> ClockResult:
        """A clock of the customer's ticket that the service desk OLA does not judge: the
        owner of online-store sees that OLA (it covers online-store too), hence the
        tickets it judges, whatever their service."""
        ola = ClockResult.objects.filter(agreement__name="service-desk-ola").values("ticket_id")
        return (
            ClockResult.objects.filter(agreement__name=agreement, ticket__customer__name=customer)
            .exclude(ticket_id__in=ola)
            .select_related("ticket", "agreement")
            .order_by("ticket__external_id", "target_name")
            .first()
        )

    from datetime import timedelta

    from django.utils import timezone

    from accord.agreements.models import Agreement, Amendment, Comment, TemporaryChange
    from accord.reviews.models import Review
    from accord.reviews.services import create_action, create_plan

    sla = Agreement.objects.get(name=R)
    manager = User.objects.create_user("matrix-setup")
    now = timezone.now()
    comment = Comment.objects.create(agreement=sla, author_name="x", body="plain", at=now)
    # One proposed amendment and two requested temporary changes per person, so that
    # each allowed caller acts on its own and the order of the probes does not matter.
    amendments = {}
    for number, who in enumerate(ROLES, start=1):
        amendments[who] = Amendment.objects.create(
            agreement=sla, number=number, changes={"title": "x"}, reason="x",
            effective_from=now + timedelta(days=30), proposed_by_name="x", at=now,
        ).number  # fmt: skip
        for what in ("approve", "reject"):
            TemporaryChange.objects.create(
                name=f"tc-{what}-{who}", agreement=sla, reason="x",
                start=now + timedelta(days=10), end=now + timedelta(days=11),
            )  # fmt: skip
    Agreement.objects.filter(name=S).update(status=Agreement.Status.PROPOSED)
    review = Review.objects.create(agreement=sla, scheduled_for=now.date())
    action = create_action(title="Check", due=now.date(), user=manager, review=review)
    plan = create_plan(
        title="Improve", goal="better", user=manager, targets=[(sla, "availability")]
    )
    retail = ticket_of(R, "retail-division")
    logistics = ticket_of(L, "logistics-division")
    alerts = AlertEvent.objects.filter(ticket="").order_by("pk")
    return {
        "retail_ticket": retail.ticket_id,
        "logistics_ticket": logistics.ticket_id,
        "retail_clock": f"/tickets/{retail.ticket_id}/clocks/{R}/{retail.target_name}/",
        "retail_alert": alerts.filter(agreement__name=R).first().pk,
        "platform_alert": alerts.filter(agreement__name="platform-ola").first().pk,
        "comment": comment.pk,
        "amendment": amendments,
        "review": review.pk,
        "action": action.pk,
        "plan": plan.pk,
    }


def run(
    probes: dict[str, list[Probe]], send: Callable[[str, str, str, Any], Any], ctx: Ctx
) -> list[str]:
    wrong = []
    for key, rows in probes.items():
        method = key.split(" ")[0].lower() if " " in key else None
        for probe in rows:
            for who in probe.roles:
                path = at(probe.path, ctx, who)
                body = at(probe.body, ctx, who)
                verb = method or ("post" if body is not None else "get")
                response = send(who, verb, path, body)
                want = probe.statuses[who]
                if response.status_code != want:
                    wrong.append(
                        f"{who:9} {verb.upper()} {path}: {response.status_code}, expected {want}"
                    )
                    continue
                if method and response.status_code in (401, 403, 404):  # the API: JSON
                    assert "detail" in response.json(), (who, path)
                if probe.check and response.status_code == 200:
                    probe.check(ctx, who, response.json())
    return wrong


@pytest.mark.slow
def test_api_matrix(client: Client, demo_estate: datetime) -> None:
    ctx = context()
    call = api_client(client, make_people())

    def send(who: str, method: str, path: str, body: Any) -> Any:
        return call(None if who == "anonymous" else who, method, path, body)

    wrong = run(API, send, ctx)
    assert not wrong, "\n" + "\n".join(wrong)


@pytest.mark.slow
def test_page_matrix(demo_estate: datetime) -> None:
    ctx = context()
    users: dict[str, User] = make_people()
    clients = {"anonymous": Client()}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)

    def send(who: str, method: str, path: str, body: Any) -> Any:
        if method == "post":
            return clients[who].post(path, body or {})
        return clients[who].get(path)

    wrong = run({"admin/": ADMIN}, send, ctx) + run(PAGES, send, ctx)  # PAGES ends logged out
    assert not wrong, "\n" + "\n".join(wrong)
    # Anonymous visitors are sent to log in, and come back where they were going.
    response = Client().get(f"/agreements/{R}/")
    assert response.status_code == 302 and response.url == f"/login/?next=/agreements/{R}/"
