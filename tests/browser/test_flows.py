"""What a service level manager and a customer do in a real browser (Chromium).

Screenshots of the dashboard, an agreement page and a ticket clock are saved under
var/artifacts/ for the README and for a human to look at after a CI run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from accord.accounts.models import Role
from accord.alerts.models import Acknowledgement, AlertEvent
from accord.evaluation.models import ClockResult
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

STORE_SLA = "/agreements/retail-online-store-sla/"
WAREHOUSE_SLA = "/agreements/logistics-warehouse-sla/"


def test_manager_works_through_the_day(
    page: Any, live_server: Any, person: Any, log_in: Any
) -> None:
    base = live_server.url
    manager = person("sam", Role.MANAGER)
    log_in("sam")

    # The dashboard: every agreement in force, each linked.
    assert page.get_by_role("heading", level=1).inner_text().startswith("Service levels")
    assert page.locator(f'a[href="{STORE_SLA}"]').count() >= 1
    assert page.locator(f'a[href="{WAREHOUSE_SLA}"]').count() >= 1
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    # Open an agreement from the dashboard.
    page.locator(f'a[href="{STORE_SLA}"]').first.click()
    page.wait_for_url(f"{base}{STORE_SLA}")
    assert "Online Store" in page.get_by_role("heading", level=1).inner_text()
    page.wait_for_load_state("networkidle")  # parts the page loads with htmx, then charts
    page.screenshot(path=ARTIFACTS / "agreement.png", full_page=True)

    # Open a ticket clock from a ticket-breach alert in the inbox.
    page.goto(f"{base}/alerts/?kind=ticket-breach")
    alert = AlertEvent.objects.filter(kind="ticket-breach").order_by("-occurred_at").first()
    assert alert is not None
    page.locator(f"#alert-{alert.pk}").get_by_role("link", name=alert.ticket).click()
    page.wait_for_url(re.compile(r"/tickets/\d+/clocks/"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Clock of")
    timeline = page.get_by_role("img", name=re.compile("Timeline of the clock"))
    assert timeline.is_visible() and timeline.bounding_box()["width"] > 600
    assert page.locator("svg.timeline line.breach").count() == 1
    assert page.get_by_text("breached", exact=True).first.is_visible()
    page.screenshot(path=ARTIFACTS / "ticket-clock.png", full_page=True)

    # Acknowledge an alert: htmx replaces the row in place, without a page load.
    page.goto(f"{base}/alerts/")
    buttons = page.get_by_role("button", name=re.compile("^Acknowledge alert"))
    before = buttons.count()
    assert before == AlertEvent.objects.count()
    row = page.locator("table.alerts tbody tr").first
    row_id = row.get_attribute("id")
    page.evaluate("window.__same_page = true")
    row.get_by_role("button", name=re.compile("^Acknowledge alert")).click()
    acknowledged = page.locator(f"#{row_id}.acknowledged")
    acknowledged.wait_for()
    assert f"✓ {manager.username}" in acknowledged.inner_text()
    assert page.evaluate("window.__same_page") is True  # swapped, not reloaded
    assert buttons.count() == before - 1
    assert Acknowledgement.objects.get().alert_id == int(row_id.removeprefix("alert-"))
    page.reload()
    assert page.locator(f"#{row_id}").count() == 0  # no longer open


def test_customer_sees_only_their_agreements(
    page: Any, live_server: Any, person: Any, log_in: Any
) -> None:
    base = live_server.url
    person("rita", Role.CUSTOMER, "retail-division")
    log_in("rita")

    assert page.locator(f'a[href="{STORE_SLA}"]').count() >= 1
    assert page.locator(f'a[href="{WAREHOUSE_SLA}"]').count() == 0

    response = page.goto(f"{base}{STORE_SLA}")
    assert response is not None and response.status == 200

    # Another customer's agreement, and a clock on it: not found, as if absent.
    response = page.goto(f"{base}{WAREHOUSE_SLA}")
    assert response is not None and response.status == 404
    assert "Online Store" not in page.content()
    other = ClockResult.objects.filter(agreement__name="logistics-warehouse-sla").first()
    assert other is not None
    response = page.goto(
        f"{base}/tickets/{other.ticket_id}/clocks/logistics-warehouse-sla/{other.target_name}/"
    )
    assert response is not None and response.status == 404

    # Their own clocks open; the inbox is read-only for them.
    own = ClockResult.objects.filter(agreement__name="retail-online-store-sla").first()
    assert own is not None
    response = page.goto(
        f"{base}/tickets/{own.ticket_id}/clocks/retail-online-store-sla/{own.target_name}/"
    )
    assert response is not None and response.status == 200
    page.goto(f"{base}/alerts/")
    assert page.locator("table.alerts tbody tr").count() > 0
    assert page.get_by_role("button", name=re.compile("^Acknowledge")).count() == 0
    assert page.get_by_text("platform-ola").count() == 0


def test_pages_fit_a_phone_and_work_by_keyboard(
    page: Any, live_server: Any, person: Any, log_in: Any
) -> None:
    base = live_server.url
    person("kim", Role.MANAGER)
    log_in("kim")
    page.set_viewport_size({"width": 390, "height": 844})
    clock = ClockResult.objects.filter(agreement__name="retail-online-store-sla").first()
    assert clock is not None
    paths = [
        "/",
        "/agreements/retail-online-store-sla/",
        "/agreements/retail-online-store-sla/workflow/",
        "/reports/agreements/retail-online-store-sla/2026-11/",
        "/reviews/",
        "/catalogue/",
        "/catalogue/online-store/",
        f"/tickets/{clock.ticket_id}/",
        f"/tickets/{clock.ticket_id}/clocks/retail-online-store-sla/{clock.target_name}/",
        "/alerts/",
        "/search/?q=online",
    ]
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")  # parts htmx loads after the page, too
        # Wide pictures scroll inside their own box; the page itself never scrolls sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a phone"

    # Search from the box in the header, by keyboard only.
    page.goto(f"{base}/catalogue/")
    page.get_by_label("Search", exact=True).focus()
    page.keyboard.type("warehouse")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=warehouse"))
    page.get_by_role("link", name="Warehouse Management — Logistics Division SLA").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{WAREHOUSE_SLA}")

    # Acknowledge with the keyboard: focus the first button, press Enter.
    page.goto(f"{base}/alerts/")
    first = page.get_by_role("button", name=re.compile("^Acknowledge alert")).first
    first.focus()
    page.keyboard.press("Enter")
    page.locator("table.alerts tbody tr.acknowledged").first.wait_for()
    # Whatever htmx asks for after the swap finishes before the test's data is flushed
    # (an in-flight request holds a table of the shared in-memory SQLite database).
    page.wait_for_load_state("networkidle")
    assert Acknowledgement.objects.count() == 1
