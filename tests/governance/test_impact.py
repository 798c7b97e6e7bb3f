"""Change impact against hand-worked cases on the test estate (tests/governance/estates.py).

June 2026 has 30 days (2,592,000 s) and 22 weekdays; shop-sla's availability follows its
office hours, 08:00–18:00 Europe/London (BST, UTC+1 in June): 22 × 10 h = 792,000 s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from accord.accounts.models import Role
from accord.accounts.services import create_api_token, create_user
from accord.agreements.models import Agreement, MaintenanceWindow
from accord.catalogue.models import Party, Subject
from accord.evaluation.models import PeriodResult
from accord.governance.change_file import Change, ChangeInvalid, load_change
from accord.governance.impact import ImpactReport, TargetImpact, assess_change
from tests.governance.estates import build_estate

pytestmark = pytest.mark.django_db
JUNE_S = 30 * 86_400
OFFICE_JUNE_S = 22 * 10 * 3_600


@pytest.fixture
def estate(tmp_path: Path) -> None:
    build_estate(tmp_path)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def only(report: ImpactReport, agreement: str, subject: str) -> TargetImpact:
    [found] = [t for t in report.targets if t.agreement == agreement and t.subject == subject]
    return found


def test_one_member_of_a_redundant_pair_only_loses_redundancy(estate: None) -> None:
    report = assess_change(Change(("app-a",), at("2026-06-09T10:00:00"), at("2026-06-09T12:00:00")))
    effects = {s.name: (s.impact, s.redundancy_lost) for s in report.subjects}
    assert effects == {"app-a": (1.0, []), "shop": (0.0, ["app-a"])}
    # shop stays up: only ops-ola's availability of app-a is hit, 24x7 at 99.9 %.
    [ola] = report.targets
    assert (ola.agreement, ola.subject, ola.period) == ("ops-ola", "app-a", "2026-06")
    assert ola.downtime_s == 7200 and ola.period_scheduled_s == JUNE_S
    assert ola.budget_s == pytest.approx(2592)  # 0.1 % of June
    assert ola.budget_share == pytest.approx(7200 / 2592)
    assert ola.projected == pytest.approx(100 - 7200 / JUNE_S * 100)
    assert ola.status == "breached" and report.recommendation == "will breach"
    assert not ola.stored and ola.credit_after == ola.credit_before == 0


def test_a_partial_outage_in_office_hours_within_budget(estate: None) -> None:
    """db at half impact for 30 minutes on Tuesday 11:00 BST: shop is half down for
    1,800 s of office time, so 900 s of downtime against a 3,960 s budget."""
    report = assess_change(
        Change(("db",), at("2026-06-09T10:00:00"), at("2026-06-09T10:30:00"), impact=0.5)
    )
    assert {s.name: s.impact for s in report.subjects} == {"db": 0.5, "shop": 0.5}
    sla = only(report, "shop-sla", "shop")
    assert (sla.in_hours_s, sla.in_maintenance_s, sla.downtime_s) == (1800, 0, 900)
    assert sla.period_scheduled_s == OFFICE_JUNE_S
    assert sla.budget_s == pytest.approx(3960)
    assert sla.budget_share == pytest.approx(900 / 3960)
    assert sla.projected == pytest.approx(100 - 900 / OFFICE_JUNE_S * 100)  # 99.886 %
    assert sla.status == "met" and sla.recommendation == "proceed"
    ola = only(report, "ops-ola", "db")
    assert ola.downtime_s == 900 and ola.budget_consumed == pytest.approx(900 / 2592)
    assert report.recommendation == "proceed" and report.credits_at_stake == {}


def test_outside_service_hours_costs_the_sla_nothing(estate: None) -> None:
    report = assess_change(Change(("db",), at("2026-06-13T08:00:00"), at("2026-06-13T12:00:00")))
    sla = only(report, "shop-sla", "shop")  # a Saturday
    assert sla.in_hours_s == 0 and sla.downtime_s == 0 and sla.recommendation == "proceed"
    assert only(report, "ops-ola", "db").downtime_s == 4 * 3600  # round the clock


def test_closing_time_splits_the_window(estate: None) -> None:
    """Tuesday 17:00–19:00 BST: one hour inside office hours, 91 % of the budget."""
    report = assess_change(
        Change(("shop",), at("2026-06-09T16:00:00"), at("2026-06-09T18:00:00"), planned=False)
    )
    sla = only(report, "shop-sla", "shop")
    assert (sla.in_hours_s, sla.downtime_s) == (3600, 3600)
    assert sla.budget_share == pytest.approx(3600 / 3960)
    assert sla.projected == pytest.approx((OFFICE_JUNE_S - 3600) / OFFICE_JUNE_S * 100)
    assert sla.status == "at_risk" and report.recommendation == "at risk"
    assert [s.name for s in report.subjects] == ["shop"]


def test_maintenance_stored_figures_credits_and_cap(estate: None) -> None:
    """db down 09:00–13:00 BST on Wednesday 10 June; agreed maintenance 09:00–11:00 on db.

    shop-sla excludes planned work: 4 h in office hours, 2 h excused, 7,200 s of downtime;
    June's scheduled time loses the 2 h window: 784,800 s, budget 0.5 % = 3,924 s. Stored
    so far: 1,000 s down (forecast 99.8 %), and p1-resolution at 80 % (band below 90 → 5 %).
    With the change: (784,800 − 8,200) / 784,800 = 98.955 % → band below 99.0 → 10 % =
    1,000 GBP, plus 500 for p1-resolution = 1,500, capped at 12 % = 1,200. Without it:
    99.873 % → no band, 500 in all. At stake: 700 GBP owed.
    ops-ola (no excludePlanned) loses all 4 h against its 2,592 s budget.
    """
    window = MaintenanceWindow.objects.create(
        name="db-patch", start=at("2026-06-10T08:00:00"), end=at("2026-06-10T10:00:00"), agreed=True
    )
    window.subjects.add(Subject.objects.get(name="db"))
    sla = Agreement.objects.get(name="shop-sla")
    common = {
        "agreement": sla,
        "period": "2026-06",
        "period_start": at("2026-05-31T23:00:00"),
        "period_end": at("2026-06-30T23:00:00"),
        "as_of": at("2026-06-05T00:00:00"),
        "evaluated_at": at("2026-06-05T00:00:00"),
        "status": "met",
    }
    PeriodResult.objects.create(
        target_name="availability",
        metric="availability",
        objective=99.5,
        attainment=99.9,
        subject=Subject.objects.get(name="shop"),
        downtime_s=1000,
        unknown_s=0,
        scheduled_s=100_000,
        forecast=99.8,
        **common,
    )
    PeriodResult.objects.create(
        target_name="p1-resolution", metric="resolution", objective=90, attainment=80, **common
    )
    report = assess_change(Change(("db",), at("2026-06-10T08:00:00"), at("2026-06-10T12:00:00")))
    t = only(report, "shop-sla", "shop")
    assert (t.in_hours_s, t.in_maintenance_s, t.downtime_s) == (14400, 7200, 7200)
    assert t.stored and t.downtime_before_s == 1000 and t.attainment_before == 99.9
    assert t.period_scheduled_s == OFFICE_JUNE_S - 7200
    assert t.budget_s == pytest.approx(3924)
    assert t.budget_consumed == pytest.approx(8200 / 3924)
    assert t.projected == pytest.approx((784_800 - 8200) / 784_800 * 100)
    assert t.forecast == pytest.approx(99.8 - 7200 / 784_800 * 100)
    assert t.status == "breached" and t.recommendation == "will breach"
    assert (t.credit_before, t.credit_after, t.currency, t.direction) == (
        pytest.approx(500),
        pytest.approx(1200),
        "GBP",
        "owed",
    )
    assert report.credits_at_stake == {"GBP owed": 700.0}
    ola = only(report, "ops-ola", "db")
    assert (ola.in_maintenance_s, ola.downtime_s) == (7200, 14400)  # excuses nothing there
    assert any(r.startswith("shop-sla availability of shop in 2026-06") for r in report.reasons)
    assert "2h excused as agreed maintenance" in report.reasons[0] + report.reasons[1]


def test_the_change_file_and_its_errors(estate: None, tmp_path: Path) -> None:
    path = tmp_path / "change.yaml"
    path.write_text(
        "change:\n  components: [db]\n  start: 2026-06-09T10:00:00Z\n"
        "  end: 2026-06-09T10:30:00Z\n  outage: 0.5\n  planned: false\n"
    )
    out = StringIO()
    call_command("impact", "--change", str(path), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["recommendation"] == "proceed" and data["change"]["impact"] == 0.5
    assert {t["agreement"] for t in data["targets"]} == {"shop-sla", "ops-ola"}
    with pytest.raises(SystemExit) as status:
        path.write_text(
            "components: [app-a]\nstart: 2026-06-09T10:00:00Z\nend: 2026-06-09T12:00:00Z\n"
        )
        call_command("impact", "--change", str(path), stdout=StringIO())
    assert status.value.code == 3  # will breach
    problems = {
        "components: [nope]\nstart: 2026-06-09T10:00:00Z\nend: 2026-06-09T12:00:00Z": (
            "c.yaml: no component or service named nope"
        ),
        "components: [db]\nstart: 2026-06-09T10:00:00\nend: 2026-06-09T12:00:00Z": (
            "c.yaml.start: give a UTC offset"
        ),
        "components: [db]\nstart: 2026-06-09T10:00:00Z\nend: 2026-06-09T09:00:00Z": (
            "c.yaml.end: must be after start"
        ),
        "components: [db]\nstart: 2026-06-09T10:00:00Z\nend: 2026-06-09T12:00:00Z\noutage: 2": (
            "c.yaml.outage: expected `full` or a fraction in (0, 1], got 2"
        ),
    }
    for text, message in problems.items():
        with pytest.raises(ChangeInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_change(text, where="c.yaml")


def test_impact_page_and_api_are_scoped(estate: None) -> None:
    manager = create_user("mia", role=Role.MANAGER, password="a-long-passphrase-1")
    client = Client()
    client.force_login(manager)
    page = client.post(
        "/governance/impact/",
        {
            "subjects": ["db"],
            "start": "2026-06-09T10:00:00Z",
            "end": "2026-06-09T10:30:00Z",
            "outage": "0.5",
            "planned": "on",
        },
    )
    assert page.status_code == 200 and "Recommendation: proceed" in page.content.decode()
    bad = client.post("/governance/impact/", {"subjects": ["db"], "start": "x", "end": "y"})
    assert (
        bad.status_code == 422
        and "form.start: expected an ISO 8601 instant" in bad.content.decode()
    )
    owner = create_user("olga", role=Role.OWNER, party=Party.objects.get(name="ops-team"))
    _, token = create_api_token(owner, name="t")
    body = {"components": ["db"], "start": "2026-06-09T10:00:00Z", "end": "2026-06-09T12:00:00Z"}
    response = Client().post(
        "/api/v1/governance/impact",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    data = response.json()
    assert {t["agreement"] for t in data["targets"]} == {"ops-ola"}  # not shop-sla
    assert data["recommendation"] == "will breach"
    customer = create_user("cole", role=Role.CUSTOMER, party=Party.objects.get(name="shoppers"))
    _, other = create_api_token(customer, name="t")
    denied = Client().post(
        "/api/v1/governance/impact",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert denied.status_code == 403
