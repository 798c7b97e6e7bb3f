"""Every consistency and completeness rule: silent on a consistent estate, and speaking
— with its figures — when one thing is broken (SEMANTICS §9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from accord.agreements.models import Agreement, AgreementVersion, Calendar, Target
from accord.catalogue.models import Component, Dependency, Subject
from accord.evaluation.models import PeriodResult
from accord.governance.checks import RULES, Finding, run_checks
from accord.measurements.models import MetricSeries
from tests.governance.estates import AS_OF, build_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(tmp_path: Path) -> None:
    build_estate(tmp_path)


def agreement(name: str) -> Agreement:
    return Agreement.objects.get(name=name)


def version(name: str) -> AgreementVersion:
    return AgreementVersion.objects.get(agreement__name=name)


def target(agreement_name: str, name: str) -> Target:
    return Target.objects.get(version__agreement__name=agreement_name, name=name)


def update(name: str, **fields: object) -> None:
    Agreement.objects.filter(name=name).update(**fields)


def weekdays_between(start: date, days: int) -> int:
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range(days))


def set_ola_hours() -> None:
    calendar = Calendar.objects.create(
        name="short-office", timezone="Europe/London", weekly=[[[540, 1020]]] * 5 + [[], []]
    )
    AgreementVersion.objects.filter(agreement__name="ops-ola").update(service_hours=calendar)


def add_cycle() -> None:
    Dependency.objects.create(
        subject=Subject.objects.get(name="host"), group=0, member=Subject.objects.get(name="db")
    )


def add_uncovered_component() -> None:
    cache = Component.objects.create(name="cache")
    Dependency.objects.create(subject=Subject.objects.get(name="app-a"), group=5, member=cache)


def add_ratio_target() -> None:
    Target.objects.create(
        version=version("shop-sla"), position=9, name="errors", metric="ratio", objective=99
    )


def no_data(periods: tuple[str, ...]) -> Callable[[], None]:
    def make() -> None:
        for label in periods:
            start = AS_OF.replace(month=int(label[5:]))
            PeriodResult.objects.create(
                agreement=agreement("ops-ola"),
                target_name="p1-response",
                metric="response",
                period=label,
                period_start=start,
                period_end=start,
                objective=95,
                status="no_data",
                as_of=AS_OF,
                final=True,
                evaluated_at=AS_OF,
            )

    return make


OFFICE_WEEKDAYS = weekdays_between(AS_OF.date(), 365)

# rule id → (how to break the estate, what the message must say)
CASES: dict[str, tuple[Callable[[], None], str]] = {
    "underpinning.none": (
        lambda: agreement("shop-sla").underpinned_by.clear(),
        "shop-sla is underpinned by no OLA or UC: its 3 targets rest on no agreement",
    ),
    "underpinning.not-in-force": (
        lambda: update("ops-ola", status="draft"),
        "shop-sla (active) is underpinned by ops-ola, whose status is draft",
    ),
    "underpinning.ends-before": (
        lambda: update("host-uc", effective_until=date(2026, 10, 31)),
        "host-uc (UC) ends on 2026-10-31, 61 days before shop-sla, which it underpins, "
        "ends on 2026-12-31",
    ),
    "underpinning.starts-after": (
        lambda: update("ops-ola", effective_from=date(2026, 2, 1)),
        "ops-ola starts on 2026-02-01, after shop-sla which it underpins (in force from "
        "2026-01-01)",
    ),
    "underpinning.not-listed": (
        lambda: agreement("shop-sla").underpinned_by.remove(agreement("host-uc")),
        "shop-sla covers shop; host-uc covers host, which shop relies on, but is not listed "
        "in shop-sla's underpinnedBy",
    ),
    "underpinning.ticket-target-missing": (
        lambda: target("ops-ola", "p1-resolution").delete(),
        "shop-sla p1-resolution (resolution of priority 1 within 8h (office)) is not "
        "underpinned: none of host-uc, ops-ola has a resolution target",
    ),
    "underpinning.ticket-target-looser": (
        lambda: Target.objects.filter(pk=target("ops-ola", "p1-response").pk).update(
            within_seconds=7200
        ),
        "shop-sla p1-response promises response of priority 1 within 1h (office), at worst "
        "64h wall-clock; ops-ola p1-response allows response of priority 1 within 2h (24x7), "
        "at worst 2h wall-clock: a ticket opened at 2026-06-01 07:00 UTC may meet ops-ola "
        "yet breach shop-sla by 1h",
    ),
    "underpinning.service-hours": (
        set_ola_hours,
        f"ops-ola's service hours (short-office) leave {OFFICE_WEEKDAYS * 2}h of shop-sla's "
        "service hours (office) uncovered in the next 365 days",
    ),
    "underpinning.availability": (
        lambda: Target.objects.filter(pk=target("shop-sla", "availability").pk).update(
            objective=99.9
        ),
        "shop-sla promises 99.9 % availability of shop; its dependencies' agreements make at "
        "most 99.84 % possible: db 99.9 % (ops-ola) × host 99.95 % (host-uc) × anyOf(app-a "
        "99.9 % (ops-ola) | app-b 99.9 % (ops-ola)) 99.9999 %",
    ),
    "underpinning.availability-unbounded": (
        lambda: target("host-uc", "availability").delete(),
        "shop-sla promises 99.5 % availability of shop; its dependencies' agreements make at "
        "most 99.89 % possible: db 99.9 % (ops-ola) × host (no agreement) × anyOf(app-a "
        "99.9 % (ops-ola) | app-b 99.9 % (ops-ola)) 99.9999 % (not counting host: no "
        "agreement)",
    ),
    "catalogue.dependency-cycle": (add_cycle, "dependency cycle: "),
    "completeness.service-without-sla": (
        lambda: update("shop-sla", status="draft"),
        "shop is live but no active SLA covers it; only shop-sla (draft)",
    ),
    "completeness.service-without-owner": (
        lambda: Subject.objects.filter(name="shop").update(party=None),
        "shop is live but has no owner",
    ),
    "completeness.component-not-covered": (
        add_uncovered_component,
        "cache is not covered by any OLA or UC in force, yet live services shop depend on it",
    ),
    "completeness.agreement-without-targets": (
        lambda: Target.objects.filter(version__agreement__name="host-uc").delete(),
        "host-uc (UC, active) has no targets",
    ),
    "completeness.target-without-source": (
        add_ratio_target,
        "shop-sla errors (ratio) has no data source: no Prometheus source, and no metric "
        "series named 'shop-sla/errors' exists",
    ),
    "completeness.target-no-data": (
        no_data(("2026-04", "2026-05")),
        "ops-ola p1-response had no data in its last 2 final periods (2026-04 to 2026-05)",
    ),
    "credits.bands-without-charge": (
        lambda: AgreementVersion.objects.filter(agreement__name="shop-sla").update(
            charges_per_period=None
        ),
        "shop-sla has credit bands on availability, p1-resolution but no charge per period",
    ),
    "lifecycle.review-overdue": (
        lambda: update("shop-sla", review_next=date(2026, 5, 1)),
        "shop-sla was due for review on 2026-05-01, 31 days ago; reviewed every P6M",
    ),
    "lifecycle.ended-still-in-force": (
        lambda: update("host-uc", effective_until=date(2026, 5, 15)),
        "host-uc ended on 2026-05-15 (17 days ago) but its status is still active",
    ),
    "lifecycle.expiring-unnoticed": (
        lambda: update("shop-sla", effective_until=date(2026, 7, 15)),
        "shop-sla ends on 2026-07-15, in 44 days, with no review before then (next review "
        "2026-09-01) and no renewal under way",
    ),
    "lifecycle.retired-service": (
        lambda: Subject.objects.filter(name="shop").update(status="retired"),
        "shop-sla (active) still covers shop, which is retired",
    ),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)
    assert all(rule.severity in ("error", "warning", "info") for rule in RULES.values())


def test_a_consistent_estate_has_no_findings(estate: None) -> None:
    assert run_checks(at=AS_OF) == []


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_finds_what_is_broken(estate: None, rule: str) -> None:
    assert run_checks(at=AS_OF, rules=[rule]) == []  # absent before
    breaks, message = CASES[rule]
    breaks()
    found = run_checks(at=AS_OF, rules=[rule])
    assert len(found) == 1, found
    finding: Finding = found[0]
    assert finding.rule == rule and finding.severity == RULES[rule].severity
    assert message in finding.message
    assert finding.objects and all(set(o) == {"kind", "name"} for o in finding.objects)


def test_a_review_before_the_end_or_a_renewal_notices_an_expiry(estate: None) -> None:
    update("shop-sla", effective_until=date(2026, 7, 15), review_next=date(2026, 7, 1))
    assert run_checks(at=AS_OF, rules=["lifecycle.expiring-unnoticed"]) == []
    update("shop-sla", review_next=None)
    assert len(run_checks(at=AS_OF, rules=["lifecycle.expiring-unnoticed"])) == 1
    draft = Agreement.objects.create(
        name="shop-sla-2027", type="SLA", status="draft", provider=agreement("shop-sla").provider
    )
    draft.subjects.add(Subject.objects.get(name="shop"))
    assert run_checks(at=AS_OF, rules=["lifecycle.expiring-unnoticed"]) == []


def test_a_series_with_points_is_a_source_and_one_no_data_period_is_not_a_run(
    estate: None,
) -> None:
    add_ratio_target()
    MetricSeries.objects.create(name="shop-sla/errors", kind="counts")
    assert run_checks(at=AS_OF, rules=["completeness.target-without-source"]) == []
    no_data(("2026-05",))()
    assert run_checks(at=AS_OF, rules=["completeness.target-no-data"]) == []


def test_an_underpinning_target_on_24x7_can_be_stricter_than_a_shorter_office_one(
    estate: None,
) -> None:
    """The SLA's 8h in office hours is at worst a long weekend of wall-clock; the OLA's
    4h round the clock never ends later, so it underpins it — and an OLA of 10h 24x7 is
    still enough for most of the week but not for a Monday-morning ticket."""
    assert run_checks(at=AS_OF, rules=["underpinning.ticket-target-looser"]) == []
    Target.objects.filter(pk=target("ops-ola", "p1-resolution").pk).update(within_seconds=36000)
    found = run_checks(at=AS_OF, rules=["underpinning.ticket-target-looser"])
    assert len(found) == 1
    assert "within 10h (24x7), at worst 10h wall-clock" in found[0].message
    assert "breach shop-sla by 2h" in found[0].message
