"""The ticket page and the ticket clock page (the explain timeline as a picture)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accord.accounts.models import Membership, Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Party
from accord.evaluation.explaining import explain_ticket
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.models import ClockResult, ClockStatus
from accord.evaluation.queries import clock_results
from accord.measurements.models import Ticket
from accord.web.svg_timeline import instant_reaching

pytestmark = pytest.mark.django_db


def person(role: Role, party: str | None = None) -> User:
    user = User.objects.create_user(f"{role}-{party or 'all'}")
    Membership.objects.create(
        user=user, role=role, party=Party.objects.get(name=party) if party else None
    )
    return user


def clock_url(clock: ClockResult) -> str:
    return f"/tickets/{clock.ticket_id}/clocks/{clock.agreement.name}/{clock.target_name}/"


def test_clock_pages_for_a_manager(client: Client, demo_estate: datetime) -> None:
    client.force_login(person(Role.MANAGER))
    breached = (
        ClockResult.objects.filter(
            status=ClockStatus.BREACHED,
            agreement__name="retail-online-store-sla",
            target_name="p1-resolution",
        )
        .select_related("agreement", "ticket")
        .order_by("ticket__opened_at")
        .first()
    )
    assert breached is not None
    # The ticket page: fields, events, and a link to each of its clocks.
    html = client.get(f"/tickets/{breached.ticket_id}/").content.decode()
    assert breached.ticket.external_id in html and "Events" in html
    clocks = clock_results(ticket_id=breached.ticket_id)  # rows and archived (met) ones
    assert len(clocks) > 1
    for clock in clocks:
        assert f'href="{clock_url(clock)}"' in html
    assert html.count("<time") >= len(breached.ticket.events()) > 0

    response = client.get(clock_url(breached))
    html = response.content.decode()
    assert response.status_code == 200
    zone = ZoneInfo("Europe/London")  # the agreement's uk-office-hours calendar
    assert breached.breach_at is not None
    breach = breached.breach_at.astimezone(zone)
    assert f'<time datetime="{breach.isoformat()}">' in html  # the stored breach instant
    assert 'class="status status-breached">breached' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="breach"' in svg and 'class="seg seg-running"' in svg
    assert "threshold" in svg and 'class="elapsed"' in svg
    assert svg.count('class="warn-mark"') == 4  # 50 %, 75 %, 100 %, 30m before breach
    assert "Segments" in html and "Elapsed after" in html
    if breached.ticket.opened_at >= datetime(2026, 11, 25, tzinfo=ZoneInfo("UTC")):
        assert "black-friday-2026" in html
    assert f"--agreement {breached.agreement.name}" in html


def test_clock_names_the_temporary_change_it_ran_under(
    client: Client, demo_estate: datetime
) -> None:
    client.force_login(person(Role.MANAGER))
    weekend = datetime(2026, 11, 28, tzinfo=ZoneInfo("UTC"))
    during = (
        ClockResult.objects.filter(
            agreement__name="retail-online-store-sla",
            target_name="p1-resolution",
            ticket__opened_at__gte=weekend,
        )
        .select_related("agreement")
        .first()
    )
    before = (
        ClockResult.objects.filter(
            agreement__name="retail-online-store-sla",
            target_name="p1-resolution",
            ticket__opened_at__lt=datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")),
        )
        .select_related("agreement")
        .first()
    )
    assert during is not None and before is not None
    html = client.get(clock_url(during)).content.decode()
    assert "black-friday-2026" in html and "this target: within 2h" in html
    assert "black-friday-2026" not in client.get(clock_url(before)).content.decode()


def test_timeline_shows_pauses_with_their_reason(client: Client, demo_estate: datetime) -> None:
    client.force_login(person(Role.MANAGER))
    waited = {
        ticket.pk
        for ticket in Ticket.objects.select_related("history")
        if any(e.state == "awaiting-customer" for e in ticket.events())
    }
    retail = Agreement.objects.get(name="retail-online-store-sla")
    clocks = clock_results(agreement_ids=[retail.pk], target="p1-resolution")
    paused = next(c for c in clocks if c.ticket_id in waited)
    html = client.get(clock_url(paused)).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="seg seg-paused"' in svg and "paused: awaiting-customer" in svg
    assert 'class="row-paused"' in html


def test_warning_and_breach_instants_agree_with_the_engine(demo_estate: datetime) -> None:
    """The warning instants are read off the segments; at the threshold itself this must
    give the engine's breach instant, for every breached clock of two agreements."""
    clocks = ClockResult.objects.filter(
        status=ClockStatus.BREACHED,
        agreement__name__in=["retail-online-store-sla", "ostara-corporate"],
    ).select_related("agreement", "ticket")
    assert clocks.count() > 5
    for clock in clocks:
        found = explain_ticket(
            clock.ticket, clock.agreement, clock.target_name, as_of=epoch_seconds(demo_estate)
        )
        e = found.explanation
        assert clock.breach_at is not None and e.breach_at == epoch_seconds(clock.breach_at)
        assert instant_reaching(e.segments, e.threshold) == e.breach_at
        half = instant_reaching(e.segments, e.threshold // 2)
        assert half is not None and e.start <= half < e.breach_at


def test_clock_access(client: Client, demo_estate: datetime) -> None:
    retail = (
        ClockResult.objects.filter(agreement__name="retail-online-store-sla")
        .select_related("agreement")
        .first()
    )
    logistics = (
        ClockResult.objects.filter(agreement__name="logistics-warehouse-sla")
        .select_related("agreement")
        .first()
    )
    assert retail is not None and logistics is not None
    client.force_login(person(Role.CUSTOMER, "logistics-division"))
    assert client.get(clock_url(logistics)).status_code == 200
    assert client.get(f"/tickets/{logistics.ticket_id}/").status_code == 200
    # Another customer's agreement: 404, as if it did not exist.
    assert client.get(clock_url(retail)).status_code == 404
    # A target the agreement does not have, an unknown ticket: 404 with the reason.
    missing = f"/tickets/{logistics.ticket_id}/clocks/logistics-warehouse-sla/nope/"
    response = client.get(missing)
    assert response.status_code == 404
    assert "has no ticket target &#x27;nope&#x27;" in response.content.decode()
    assert client.get("/tickets/999999/").status_code == 404
    assert client.get(clock_url(logistics) + "?as_of=yesterday").status_code == 400

    client.force_login(person(Role.SUPPLIER, "cumulus-cloud"))
    assert client.get(clock_url(logistics)).status_code == 404
    assert client.get(f"/tickets/{logistics.ticket_id}/").status_code == 404
    client.force_login(User.objects.create_user("nobody"))
    assert client.get(f"/tickets/{retail.ticket_id}/").status_code == 404
    client.logout()
    assert client.get(clock_url(retail)).status_code == 302
