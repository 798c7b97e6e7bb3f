"""Everything the rules read, read once: agreements with their terms in force, the
catalogue and its dependency graph, calendars compiled over the look-ahead horizon."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accord.agreements.models import Agreement, AgreementVersion, Calendar
from accord.agreements.services import (
    EffectiveTarget,
    current_version,
    effective_targets,
    version_at,
)
from accord.catalogue.models import Dependency, Subject
from accord.engine.bounds import Agreed
from accord.engine.calendar import CompiledCalendar, compile_calendar
from accord.engine.dependencies import (
    AnyOf,
    DependencyCycleError,
    DependencyGraph,
    build_dependency_graph,
)
from accord.evaluation.calendars import calendar_spec, years_between
from accord.evaluation.fields import epoch_seconds
from accord.evaluation.services import IN_FORCE

# Ticket deadlines and service hours are compared over the year ahead: long enough to
# meet every weekday, holiday and DST change of the calendars involved.
HORIZON = timedelta(days=365)
_COMPILE_MARGIN = timedelta(days=60)  # deadlines of starts near the horizon's end
TICKET_METRICS = ("response", "resolution")


def dependency_graph() -> tuple[dict[str, list[str | AnyOf]], DependencyGraph | None, str]:
    """(dependsOn by subject name, the graph or None, the cycle error text if any)."""
    names = dict(Subject.objects.values_list("id", "name"))
    groups: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, group, member in Dependency.objects.values_list("subject", "group", "member"):
        groups[subject][group].append(names[member])
    depends_on: dict[str, list[str | AnyOf]] = {
        names[s]: [m[0] if len(m) == 1 else AnyOf(tuple(sorted(m))) for _, m in sorted(g.items())]
        for s, g in groups.items()
    }
    try:
        graph = build_dependency_graph(depends_on, subjects=_reading_order(depends_on, names))
    except DependencyCycleError as error:
        return depends_on, None, str(error)
    return depends_on, graph, ""


def _reading_order(depends_on: dict[str, list[str | AnyOf]], names: dict[int, str]) -> list[str]:
    """Subjects numbered breadth-first from each service in its dependsOn order, so bound
    messages list a service's own dependencies first, as its manifest does."""
    ordered: dict[str, None] = {}
    services = Subject.objects.filter(kind=Subject.Kind.SERVICE).order_by("name")
    for root in services.values_list("name", flat=True):
        queue = [root]
        while queue:
            name = queue.pop(0)
            if name in ordered:
                continue
            ordered[name] = None
            for item in depends_on.get(name, []):
                queue.extend(item.members if isinstance(item, AnyOf) else (item,))
    ordered.update(dict.fromkeys(sorted(names.values())))
    return list(ordered)


def dependency_closure(depends_on: dict[str, list[str | AnyOf]], name: str) -> set[str]:
    """Every subject `name` depends on, directly or not (anyOf members included)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for item in depends_on.get(todo.pop(), []):
            for member in item.members if isinstance(item, AnyOf) else (item,):
                if member not in seen:
                    seen.add(member)
                    todo.append(member)
    return seen


@dataclass
class CheckContext:
    at: datetime
    agreements: dict[str, Agreement]
    subjects: dict[str, Subject]
    depends_on: dict[str, list[str | AnyOf]]
    graph: DependencyGraph | None
    cycle: str
    _targets: dict[int, list[EffectiveTarget]] = field(default_factory=dict)
    _compiled: dict[int, CompiledCalendar] = field(default_factory=dict)

    @classmethod
    def read(cls, *, at: datetime) -> CheckContext:
        agreements = (
            Agreement.objects.select_related("provider", "parent")
            .prefetch_related("consumers", "subjects", "underpinned_by", "versions")
            .order_by("name")
        )
        subjects = Subject.objects.select_related("party").order_by("name")
        depends_on, graph, cycle = dependency_graph()
        return cls(
            at=at,
            agreements={a.name: a for a in agreements},
            subjects={s.name: s for s in subjects},
            depends_on=depends_on,
            graph=graph,
            cycle=cycle,
        )

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def over(self) -> tuple[int, int]:
        """The look-ahead horizon of calendar comparisons, in epoch seconds."""
        return epoch_seconds(self.at), epoch_seconds(self.at + HORIZON)

    def in_force(self) -> list[Agreement]:
        return [a for a in self.agreements.values() if a.status in IN_FORCE]

    def slas(self) -> list[Agreement]:
        """SLAs in force on services of their own (a corporate SLA's children are checked,
        with the targets they inherit)."""
        return [a for a in self.in_force() if a.type == Agreement.Type.SLA and a.subjects.all()]

    def version(self, agreement: Agreement) -> AgreementVersion | None:
        return version_at(agreement, self.at) or current_version(agreement)

    def targets(self, agreement: Agreement) -> list[EffectiveTarget]:
        if agreement.pk not in self._targets:
            self._targets[agreement.pk] = effective_targets(agreement, self.at)
        return self._targets[agreement.pk]

    def hours(self, agreement: Agreement, effective: EffectiveTarget | None = None) -> Calendar:
        """A target's service hours: its own, else the agreement's (which applies it)."""
        if effective is not None and effective.target.service_hours is not None:
            return effective.target.service_hours
        version = self.version(agreement)
        assert version is not None, f"{agreement.name} has no version"
        return version.service_hours

    def compiled(self, calendar: Calendar) -> CompiledCalendar:
        if calendar.pk not in self._compiled:
            lo, hi = self.over
            start = lo - 86_400
            end = hi + int(_COMPILE_MARGIN.total_seconds())
            spec = calendar_spec(calendar, years_between(start, end))
            self._compiled[calendar.pk] = compile_calendar(spec, start, end)
        return self._compiled[calendar.pk]

    def underpinners(self, agreement: Agreement) -> list[Agreement]:
        """The agreements underpinning it, its ancestors' included (their targets are
        inherited, so are their foundations)."""
        found: dict[str, Agreement] = {}
        node: Agreement | None = agreement
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            for under in node.underpinned_by.all():
                found.setdefault(under.name, self.agreements.get(under.name, under))
            node = self.agreements.get(node.parent.name) if node.parent else None
        return list(found.values())

    def covering(self, subject: str) -> list[Agreement]:
        """OLAs and UCs in force that cover the subject."""
        return [
            a
            for a in self.in_force()
            if a.type != Agreement.Type.SLA and any(s.name == subject for s in a.subjects.all())
        ]

    def closure(self, subject: str) -> set[str]:
        return dependency_closure(self.depends_on, subject)

    def agreed_availability(self) -> dict[str, Agreed]:
        """Each subject's highest availability objective in an OLA or UC in force."""
        agreed: dict[str, Agreed] = {}
        for agreement in self.in_force():
            if agreement.type == Agreement.Type.SLA:
                continue
            for effective in self.targets(agreement):
                if effective.target.metric != "availability":
                    continue
                percent = float(effective.target.objective)
                for subject in agreement.subjects.all():
                    known = agreed.get(subject.name)
                    if known is None or percent > known.percent:
                        agreed[subject.name] = Agreed(percent, agreement.name)
        return agreed
