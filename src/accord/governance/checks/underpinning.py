"""SLA ↔ OLA ↔ UC consistency (SEMANTICS §9, first two bullets, and the dates).

Ticket targets must be underpinned by at least as strict targets once both are wall-clock
worst cases over the SLA's service hours; underpinning service hours must cover the SLA's;
promised availability must be achievable through the dependency graph; underpinning
agreements must be in force for as long as what they underpin.
"""

from __future__ import annotations

from accord.agreements.models import Agreement
from accord.agreements.services import EffectiveTarget
from accord.engine.bounds import availability_bound, format_percent
from accord.engine.intervals import IntervalSet, clip, difference
from accord.engine.parsing import format_duration
from accord.engine.wallclock import compare_thresholds
from accord.evaluation.fields import from_epoch
from accord.evaluation.services import IN_FORCE
from accord.governance.checks.base import Produced, agreement, rule
from accord.governance.checks.context import TICKET_METRICS, CheckContext


def covers_scope(under: dict[str, list[str]], over: dict[str, list[str]]) -> bool:
    """Whether every ticket the SLA target's `where` accepts, the underpinning one does."""
    for attribute, values in (under or {}).items():
        wanted = (over or {}).get(attribute)
        if wanted is None or not set(map(str, wanted)) <= set(map(str, values)):
            return False
    return True


def describe_ticket_target(context: CheckContext, owner: Agreement, e: EffectiveTarget) -> str:
    scope = ", ".join(f"{k} {'/'.join(map(str, v))}" for k, v in (e.target.where or {}).items())
    within = _hours_text(e.target.within_seconds or 0)
    hours = context.hours(owner, e).name
    return f"{e.target.metric} of {scope or 'every ticket'} within {within} ({hours})"


def _hours_text(seconds: int) -> str:
    """Durations in hours and minutes, never days: a `1d` under office hours would read
    as a calendar day."""
    if seconds <= 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}h" if hours else "") + (format_duration(rest) if rest else "")


@rule("underpinning.none", "warning", "SLA underpinned by no agreement")
def no_underpinning(context: CheckContext) -> Produced:
    for sla in context.slas():
        if not context.underpinners(sla):
            count = len(context.targets(sla))
            yield (
                (agreement(sla.name),),
                f"{sla.name} is underpinned by no OLA or UC: its {count} targets rest on "
                "no agreement with the teams and suppliers who deliver them",
            )


@rule("underpinning.not-in-force", "error", "Underpinning agreement not in force")
def underpinner_not_in_force(context: CheckContext) -> Produced:
    for sla in context.slas():
        for under in context.underpinners(sla):
            if under.status not in IN_FORCE:
                yield (
                    (agreement(sla.name), agreement(under.name)),
                    f"{sla.name} ({sla.status}) is underpinned by {under.name}, whose status "
                    f"is {under.status}: it binds no one yet (or any more)",
                )


@rule("underpinning.ends-before", "error", "Underpinning agreement ends before the SLA")
def ends_before(context: CheckContext) -> Produced:
    for sla in context.slas():
        for under in context.underpinners(sla):
            end = under.effective_until
            if end is None or (sla.effective_until is not None and end >= sla.effective_until):
                continue
            if sla.effective_until is None:
                tail = f"{sla.name}, which it underpins, has no end date"
            else:
                days = (sla.effective_until - end).days
                tail = (
                    f"{days} days before {sla.name}, which it underpins, ends on "
                    f"{sla.effective_until.isoformat()}"
                )
            yield (
                (agreement(under.name), agreement(sla.name)),
                f"{under.name} ({under.type}) ends on {end.isoformat()}, {tail}",
            )


@rule("underpinning.starts-after", "warning", "Underpinning agreement starts after the SLA")
def starts_after(context: CheckContext) -> Produced:
    for sla in context.slas():
        for under in context.underpinners(sla):
            begins, sla_begins = under.effective_from, sla.effective_from
            if begins is not None and (sla_begins is None or begins > sla_begins):
                since = sla_begins.isoformat() if sla_begins else "its beginning"
                yield (
                    (agreement(under.name), agreement(sla.name)),
                    f"{under.name} starts on {begins.isoformat()}, after {sla.name} which it "
                    f"underpins (in force from {since})",
                )


@rule("underpinning.not-listed", "warning", "Agreement on a dependency not listed as underpinning")
def not_listed(context: CheckContext) -> Produced:
    for sla in context.slas():
        listed = {a.name for a in context.underpinners(sla)}
        for service in sla.subjects.all():
            needed = sorted({service.name} | context.closure(service.name))
            missing: dict[str, list[str]] = {}
            for name in needed:
                for under in context.covering(name):
                    if under.name not in listed:
                        missing.setdefault(under.name, []).append(name)
            for under_name, names in sorted(missing.items()):
                what = ", ".join(
                    f"{service.name} itself" if n == service.name else n for n in names
                )
                yield (
                    (agreement(sla.name), agreement(under_name), ("service", service.name)),
                    f"{sla.name} covers {service.name}; {under_name} covers {what}, which "
                    f"{service.name} relies on, but is not listed in {sla.name}'s underpinnedBy",
                )


@rule("underpinning.ticket-target-missing", "warning", "SLA ticket target not underpinned")
def ticket_target_missing(context: CheckContext) -> Produced:
    for sla in context.slas():
        unders = [u for u in context.underpinners(sla) if u.status in IN_FORCE]
        if not unders:
            continue  # reported once by underpinning.none / not-in-force
        for e in context.targets(sla):
            if e.target.metric not in TICKET_METRICS or _candidates(context, unders, e):
                continue
            yield (
                (agreement(sla.name),),
                f"{sla.name} {e.name} ({describe_ticket_target(context, sla, e)}) is not "
                f"underpinned: none of {', '.join(u.name for u in unders)} has a "
                f"{e.target.metric} target covering the same tickets",
            )


def _candidates(
    context: CheckContext, unders: list[Agreement], e: EffectiveTarget
) -> list[tuple[Agreement, EffectiveTarget]]:
    return [
        (under, u)
        for under in unders
        for u in context.targets(under)
        if u.target.metric == e.target.metric
        and u.target.within_seconds
        and covers_scope(u.target.where, e.target.where)
    ]


@rule("underpinning.ticket-target-looser", "error", "Underpinning ticket target less strict")
def ticket_target_looser(context: CheckContext) -> Produced:
    for sla in context.slas():
        unders = [u for u in context.underpinners(sla) if u.status in IN_FORCE]
        for e in context.targets(sla):
            if e.target.metric not in TICKET_METRICS or not e.target.within_seconds:
                continue
            for under, u in _candidates(context, unders, e):
                found = _looser(context, sla, e, under, u)
                if found:
                    yield (agreement(sla.name), agreement(under.name)), found


def _looser(
    context: CheckContext, sla: Agreement, e: EffectiveTarget, under: Agreement, u: EffectiveTarget
) -> str:
    sla_cal = context.compiled(context.hours(sla, e))
    under_cal = context.compiled(context.hours(under, u))
    result = compare_thresholds(
        sla_cal,
        int(e.target.within_seconds or 0),
        under_cal,
        int(u.target.within_seconds or 0),
        over=context.over,
    )
    if result.at_least_as_strict:
        return ""
    opened = from_epoch(result.worst_start).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{sla.name} {e.name} promises {describe_ticket_target(context, sla, e)}, at worst "
        f"{_hours_text(result.sla_worst_wallclock)} wall-clock; {under.name} {u.name} allows "
        f"{describe_ticket_target(context, under, u)}, at worst "
        f"{_hours_text(result.ola_worst_wallclock)} wall-clock: a ticket opened at {opened} "
        f"may meet {under.name} yet breach {sla.name} by {_hours_text(-result.worst_margin)}"
    )


@rule("underpinning.service-hours", "error", "Underpinning service hours do not cover the SLA's")
def hours_not_covered(context: CheckContext) -> Produced:
    lo, hi = context.over
    for sla in context.slas():
        sla_cal = context.compiled(context.hours(sla))
        sla_open = IntervalSet(sla_cal.opens, sla_cal.closes)
        for under in context.underpinners(sla):
            if under.status not in IN_FORCE or context.version(under) is None:
                continue
            under_cal = context.compiled(context.hours(under))
            gap = difference(sla_open, IntervalSet(under_cal.opens, under_cal.closes))
            seconds = clip(gap, lo, hi).measure()
            if seconds > 0:
                yield (
                    (agreement(under.name), agreement(sla.name)),
                    f"{under.name}'s service hours ({context.hours(under).name}) leave "
                    f"{_hours_text(seconds)} of {sla.name}'s service hours "
                    f"({context.hours(sla).name}) uncovered in the next 365 days",
                )


@rule("underpinning.availability", "error", "Promised availability not achievable")
def availability_unachievable(context: CheckContext) -> Produced:
    yield from _bounds(context, achievable=False)


@rule("underpinning.availability-unbounded", "warning", "Availability rests on uncovered parts")
def availability_unbounded(context: CheckContext) -> Produced:
    yield from _bounds(context, achievable=True)


def _bounds(context: CheckContext, *, achievable: bool) -> Produced:
    if context.graph is None:
        return
    agreed = context.agreed_availability()
    for sla in context.slas():
        for e in context.targets(sla):
            if e.target.metric != "availability":
                continue
            promised = float(e.target.objective)
            for service in sla.subjects.all():
                bound = availability_bound(context.graph, service.name, agreed)
                involved = sorted({t.agreement for t in _leaves(bound.terms) if t.agreement})
                objects = (
                    agreement(sla.name),
                    (service.kind, service.name),
                    *(agreement(n) for n in involved),
                )
                head = (
                    f"{sla.name} promises {format_percent(promised)} % availability of "
                    f"{service.name}; its dependencies' agreements make "
                )
                allowed = bound.allows(promised)
                if (allowed and bound.unbounded) if achievable else not allowed:
                    yield objects, head + bound.describe()


def _leaves(terms: tuple) -> list:  # type: ignore[type-arg]
    out = []
    for term in terms:
        out.extend(_leaves(term.parts) if term.parts else [term])
    return out
