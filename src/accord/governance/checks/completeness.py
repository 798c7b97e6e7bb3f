"""Completeness of the catalogue and the agreements (SEMANTICS §9, third bullet)."""

from __future__ import annotations

from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.evaluation.models import PeriodResult, PeriodStatus
from accord.governance.checks.base import Produced, agreement, rule
from accord.governance.checks.context import CheckContext
from accord.measurements.models import MetricSeries

ACTIVE = (Agreement.Status.ACTIVE, Agreement.Status.UNDER_REVIEW)


def _live_services(context: CheckContext) -> list[Subject]:
    return [
        s
        for s in context.subjects.values()
        if s.kind == Subject.Kind.SERVICE and s.status == Subject.Status.LIVE
    ]


@rule("catalogue.dependency-cycle", "error", "Dependency cycle")
def dependency_cycle(context: CheckContext) -> Produced:
    if context.cycle:
        first = context.cycle.split(": ", 1)[-1].split(" → ")[0]
        kind = context.subjects[first].kind if first in context.subjects else "component"
        yield ((kind, first),), f"{context.cycle}: availability cannot be composed"


@rule("completeness.service-without-sla", "error", "Live service without an active SLA")
def service_without_sla(context: CheckContext) -> Produced:
    for service in _live_services(context):
        slas = [
            a
            for a in context.agreements.values()
            if a.type == Agreement.Type.SLA and service in a.subjects.all()
        ]
        if any(a.status in ACTIVE for a in slas):
            continue
        others = ", ".join(f"{a.name} ({a.status})" for a in slas)
        yield (
            (("service", service.name),),
            f"{service.name} is live but no active SLA covers it"
            + (f"; only {others}" if others else ""),
        )


@rule("completeness.service-without-owner", "warning", "Live service without an owner")
def service_without_owner(context: CheckContext) -> Produced:
    for service in _live_services(context):
        if service.party_id is None:
            yield (("service", service.name),), f"{service.name} is live but has no owner"


@rule("completeness.component-not-covered", "error", "Component no OLA or UC covers")
def component_not_covered(context: CheckContext) -> Produced:
    needed: dict[str, list[str]] = {}
    for service in _live_services(context):
        for name in context.closure(service.name):
            needed.setdefault(name, []).append(service.name)
    for name in sorted(needed):
        subject = context.subjects.get(name)
        if subject is None or subject.kind != Subject.Kind.COMPONENT or context.covering(name):
            continue
        provider = f" (provided by {subject.party.name})" if subject.party else ""
        yield (
            (("component", name),),
            f"{name}{provider} is not covered by any OLA or UC in force, yet live services "
            f"{', '.join(needed[name])} depend on it",
        )


@rule("completeness.agreement-without-targets", "warning", "Agreement in force without targets")
def agreement_without_targets(context: CheckContext) -> Produced:
    for a in context.in_force():
        if context.version(a) is None or not context.targets(a):
            yield (agreement(a.name),), f"{a.name} ({a.type}, {a.status}) has no targets"


@rule("completeness.target-without-source", "warning", "Target without a data source")
def target_without_source(context: CheckContext) -> Produced:
    """Ratio and threshold targets read a Prometheus source or a stored metric series;
    ticket and availability targets are fed by ticket and outage imports."""
    series = set(MetricSeries.objects.values_list("name", flat=True))
    for a in context.in_force():
        for e in context.targets(a):
            target = e.target
            if target.metric not in ("ratio", "threshold") or target.source_id is not None:
                continue
            name = target.series or f"{a.name}/{target.name}"
            if name not in series:
                yield (
                    (agreement(a.name),),
                    f"{a.name} {target.name} ({target.metric}) has no data source: no "
                    f"Prometheus source, and no metric series named {name!r} exists",
                )


NO_DATA_RUN = 2  # consecutive final periods without data before it is reported


@rule("completeness.target-no-data", "warning", "Target without data in its latest periods")
def target_no_data(context: CheckContext) -> Produced:
    for a in context.in_force():
        names = {e.name for e in context.targets(a)}
        rows = (
            PeriodResult.objects.filter(agreement=a, final=True, target_name__in=names)
            .order_by("target_name", "-period_start")
            .values_list("target_name", "period", "status")
        )
        latest: dict[str, list[tuple[str, str]]] = {}
        for name, period, status in rows:
            latest.setdefault(name, []).append((period, status))
        for name in sorted(latest):
            run = []
            for period, status in latest[name]:
                if status != PeriodStatus.NO_DATA:
                    break
                run.append(period)
            if len(run) >= NO_DATA_RUN:
                yield (
                    (agreement(a.name),),
                    f"{a.name} {name} had no data in its last {len(run)} final periods "
                    f"({run[-1]} to {run[0]}): is its data arriving?",
                )


@rule("credits.bands-without-charge", "warning", "Credit bands without a period charge")
def bands_without_charge(context: CheckContext) -> Produced:
    for a in context.in_force():
        version = context.version(a)
        if version is None or version.charges_per_period is not None:
            continue
        banded = [e.name for e in context.targets(a) if e.target.credits]
        if banded:
            yield (
                (agreement(a.name),),
                f"{a.name} has credit bands on {', '.join(banded)} but no charge per period: "
                "every credit would be 0",
            )
