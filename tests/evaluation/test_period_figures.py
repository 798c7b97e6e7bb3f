"""Availability, ratio and threshold targets and credits per period, hand-worked."""

from __future__ import annotations

import pytest

from accord.agreements.models import MaintenanceWindow
from accord.catalogue.models import Subject
from accord.evaluation.services import evaluate_agreement
from accord.measurements.models import MetricPoint, MetricSeries
from tests.evaluation.conftest import Apply, agreement, at, make_ticket, outage, result

pytestmark = pytest.mark.django_db

MARCH_S = 31 * 86_400


def agreement_yaml(name: str, services: str, targets: str, extra: str = "") -> str:
    return f"""
    ---
    apiVersion: accord/v1
    kind: Agreement
    metadata: {{name: {name}}}
    spec:
      type: SLA
      status: active
      provider: provider
      consumer: customer
      services: {services}
      effective: {{from: 2026-01-01}}
      serviceHours: 24x7
      period: month
{extra}
      targets:
{targets}
    """


def maintenance(name: str, subject: str, start: str, end: str) -> None:
    window = MaintenanceWindow.objects.create(name=name, start=at(start), end=at(end), agreed=True)
    window.subjects.set([Subject.objects.get(name=subject)])


@pytest.fixture
def outages() -> None:
    outage("web-a", "2026-03-03 10:00", "2026-03-03 11:00")  # web-b still up: nothing
    outage("web-a", "2026-03-04 12:00", "2026-03-04 14:00")  # both down 13:00-14:00: 1h
    outage("web-b", "2026-03-04 13:00", "2026-03-04 15:00")
    outage("db", "2026-03-05 10:00", "2026-03-05 10:30", impact=0.5)  # 30m at half: 15m
    outage("db", "2026-03-06 02:00", "2026-03-06 04:00")  # inside db's maintenance
    maintenance("db-patching", "db", "2026-03-06 02:00", "2026-03-06 04:00")
    # One member of the redundant pair in maintenance excuses nothing: 02:30-03:00 counts.
    maintenance("web-a-patching", "web-a", "2026-03-07 02:00", "2026-03-07 03:00")
    outage("web-a", "2026-03-07 02:00", "2026-03-07 03:00")
    outage("web-b", "2026-03-07 02:30", "2026-03-07 03:30")


AVAILABILITY = "        - {name: availability, metric: availability, objective: 99.9%s}\n"


def test_availability_with_any_of_maintenance_and_exclude_planned(
    apply: Apply, outages: None
) -> None:
    apply(
        agreement_yaml("excusing", "[shop]", AVAILABILITY % ", excludePlanned: true")
        + agreement_yaml("strict", "[shop]", AVAILABILITY % "")
        + agreement_yaml("platform", "[web-a, web-b, db]", AVAILABILITY % ", excludePlanned: true")
    )
    for name in ("excusing", "strict", "platform"):
        evaluate_agreement(agreement(name), as_of=at("2026-04-05 00:00"))

    down = 3600 + 900 + 1800
    excused = result("excusing", "availability", "2026-03", "shop")
    assert (excused.scheduled_s, excused.downtime_s, excused.unknown_s) == (MARCH_S - 7200, down, 0)
    assert excused.attainment == pytest.approx((MARCH_S - 7200 - down) * 100 / (MARCH_S - 7200))
    assert excused.status == "breached" and excused.final
    strict = result("strict", "availability", "2026-03", "shop")
    assert (strict.scheduled_s, strict.downtime_s) == (MARCH_S, down + 7200)
    # Each covered component has its own row; web-a's maintenance excuses its own outage.
    web_a = result("platform", "availability", "2026-03", "web-a")
    assert (web_a.scheduled_s, web_a.downtime_s) == (MARCH_S - 3600, 3600 + 7200)
    db = result("platform", "availability", "2026-03", "db")
    assert (db.scheduled_s, db.downtime_s) == (MARCH_S - 7200, 900)


def _series(name: str, kind: str, points: list[tuple[str, str, dict[str, float]]]) -> None:
    series = MetricSeries.objects.create(name=name, kind=kind)
    MetricPoint.objects.bulk_create(
        MetricPoint(series=series, start=at(s), end=at(e), **values) for s, e, values in points
    )


def test_ratio_occurrences_and_timeslices_and_threshold_slices(apply: Apply) -> None:
    targets = """
        - {name: checkout, metric: ratio, source: prom, good: g, total: t, objective: 99}
        - name: checkout-slices
          metric: ratio
          source: prom
          good: g
          total: t
          objective: 99
          budgeting: timeslices
          timeslice: 1h
        - name: energy
          metric: threshold
          series: energy-wh
          op: "<="
          value: 12
          unit: Wh
          objective: 60
          budgeting: timeslices
          timeslice: 1h
    """
    source = """
    apiVersion: accord/v1
    kind: DataSource
    metadata: {name: prom}
    spec: {type: prometheus, url: "http://127.0.0.1:9090"}
    """
    apply(source + agreement_yaml("sla", "[shop]", targets))
    counts = [
        ("2026-03-02 10:00", "2026-03-02 11:00", {"good": 900, "total": 1000}),
        ("2026-03-02 11:00", "2026-03-02 12:00", {"good": 990, "total": 1000}),
    ]
    # Stored points are read from the series named after the agreement and target.
    _series("sla/checkout", "counts", counts)
    _series("sla/checkout-slices", "counts", counts)
    _series(
        "energy-wh",
        "values",
        [
            ("2026-03-02 10:00", "2026-03-02 11:00", {"value": 10.0}),
            ("2026-03-02 11:00", "2026-03-02 12:00", {"value": 14.0}),
            ("2026-03-02 12:00", "2026-03-02 13:00", {"value": 11.0}),
        ],
    )
    evaluate_agreement(agreement("sla"), as_of=at("2026-04-05 00:00"))

    ratio = result("sla", "checkout", "2026-03")
    assert (ratio.good, ratio.total, ratio.attainment) == (1890, 2000, 94.5)
    assert ratio.status == "breached"
    # Each hour's ratio against the slice target (the objective, 99 %): one of two good.
    slices = result("sla", "checkout-slices", "2026-03")
    assert (slices.good, slices.total, slices.attainment) == (1, 2, 50.0)
    assert slices.no_data_slices == 744 - 2
    energy = result("sla", "energy", "2026-03")
    assert (energy.good, energy.total) == (2, 3)
    assert energy.attainment == pytest.approx(200 / 3) and energy.status == "met"
    # No points at all: no data.
    assert result("sla", "checkout", "2026-02").status == "no_data"


def test_credits_add_up_and_the_cap_scales_them(apply: Apply, outages: None) -> None:
    targets = """
        - name: availability
          metric: availability
          objective: 99.9
          excludePlanned: true
          credits: [{below: 99.9, percent: 5}]
        - name: resolution
          metric: resolution
          within: 1h
          objective: 90
          credits: [{below: 90, percent: 8}]
        - {name: response, metric: response, within: 1h, objective: 90}
    """
    charges = "      charges: {perPeriod: 1000, currency: GBP}\n      creditCap: 10"
    apply(agreement_yaml("sla", "[shop]", targets, charges))
    make_ticket("late", "2026-03-02 10:00", state="resolved", resolved="2026-03-02 12:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-04-05 00:00"))

    availability = result("sla", "availability", "2026-03", "shop")
    resolution = result("sla", "resolution", "2026-03")
    # 5 % + 8 % of 1,000 = 130 GBP, capped at 10 % = 100, shared in proportion.
    assert availability.credit_amount == pytest.approx(50 * 100 / 130)
    assert resolution.credit_amount == pytest.approx(80 * 100 / 130)
    assert availability.credit_percent + resolution.credit_percent == pytest.approx(10)
    assert resolution.currency == "GBP"
    response = result("sla", "response", "2026-03")
    assert response.credit_amount is None  # no credit bands
    # Months without data earn nothing: availability 100 %, tickets no data.
    february = result("sla", "resolution", "2026-02")
    assert (february.status, february.credit_amount) == ("no_data", 0.0)


def test_a_running_period_has_burn_rates_and_a_forecast(apply: Apply) -> None:
    apply(agreement_yaml("sla", "[shop]", AVAILABILITY % ""))
    outage("shop", "2026-03-10 00:00", "2026-03-10 01:00")
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-10 01:00"))
    march = result("sla", "availability", "2026-03", "shop")
    assert not march.final and march.scheduled_s == 9 * 86_400 + 3600
    # 1h down of the month's 43.2 min budget: consumed > 1 → breached already.
    assert march.budget_consumed == pytest.approx(3600 / (MARCH_S * 0.001))
    assert march.status == "breached"
    page = march.burn_rates["rules"][0]
    assert (page["severity"], page["long"], page["short"]) == ("page", "1h", "5m")
    assert page["long_burn"] == pytest.approx(1000.0) and page["firing"]
    assert march.burn_rates["firing"] == ["page", "ticket"]
    assert march.forecast is not None and "trailing 28-day rate" in march.forecast_assumption
