"""The availability an SLA can promise, given what underpins it (SEMANTICS §9, 2nd bullet).

Each component the subject depends on contributes its agreed availability (from the OLA
or UC covering it) as an independent factor: required dependencies multiply (series),
an `anyOf` group contributes 1 − Π(1 − aᵢ). Each component is counted once: a component
already in series is assumed up inside the groups beneath it, and one that every member
of a group needs is pulled out of the group into series. A component without an
agreement is *unbounded*: it is reported, and counted as 100 % so the result stays an
upper bound ("at most … possible") rather than a guess.

The result keeps the terms that produced it, so a message such as "at most 99.80 %
possible: orders-db 99.95 % (platform-ola) × payment-gateway 99.9 % (paybridge-uc) × …"
can be built from it (`describe`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from accord.engine.dependencies import DependencyGraph


@dataclass(frozen=True)
class Agreed:
    """A component's agreed availability and the agreement that promises it."""

    percent: float
    agreement: str


@dataclass(frozen=True)
class BoundTerm:
    """One factor: a component, an anyOf group (parts = members), or a member's series."""

    kind: str  # component | anyOf | series
    name: str
    percent: float | None  # None: a component with no agreement (counted as 100 %)
    agreement: str | None = None
    parts: tuple[BoundTerm, ...] = ()

    def describe(self) -> str:
        if self.kind == "component":
            if self.percent is None:
                return f"{self.name} (no agreement)"
            return f"{self.name} {format_percent(self.percent)} % ({self.agreement})"
        if self.kind == "anyOf":
            members = " | ".join(part.describe() for part in self.parts)
            return f"anyOf({members}) {format_percent(self._value())} %"
        if len(self.parts) == 1:
            return self.parts[0].describe()
        return "(" + " × ".join(part.describe() for part in self.parts) + ")"

    def _value(self) -> float:
        return 100.0 if self.percent is None else self.percent


@dataclass(frozen=True)
class AvailabilityBound:
    subject: str
    percent: float  # the most its dependencies make possible
    terms: tuple[BoundTerm, ...]
    unbounded: tuple[str, ...]  # components with no agreement, counted as 100 %

    @property
    def complete(self) -> bool:
        return not self.unbounded

    def allows(self, promised: float) -> bool:
        """Whether a promise of `promised` % is within what the dependencies make possible."""
        return promised <= self.percent

    def describe(self) -> str:
        """`at most 99.80 % possible: orders-db 99.95 % (platform-ola) × …`."""
        text = f"at most {format_percent(_floor(self.percent, 2), 2)} % possible"
        if self.terms:
            text += ": " + " × ".join(term.describe() for term in self.terms)
        if self.unbounded:
            text += f" (not counting {', '.join(self.unbounded)}: no agreement)"
        return text


def availability_bound(
    graph: DependencyGraph, subject: str, agreed: Mapping[str, Agreed]
) -> AvailabilityBound:
    """What the agreements on `subject`'s dependencies make possible for it."""
    root = graph.subject(subject)
    walker = _Walker(graph, agreed)
    fraction, terms = walker.series(root, frozenset(), include_root=False)
    unbounded = tuple(sorted(walker.unbounded, key=graph.subject))
    return AvailabilityBound(subject, fraction * 100.0, tuple(terms), unbounded)


class _Walker:
    """Walks the dependency graph below one subject, collecting factors."""

    def __init__(self, graph: DependencyGraph, agreed: Mapping[str, Agreed]) -> None:
        self.graph = graph
        self.agreed = agreed
        self.unbounded: set[str] = set()

    def required_closure(self, node: int) -> set[int]:
        """`node` and everything it needs through required edges only."""
        seen, todo = {node}, [node]
        while todo:
            required, _ = self.graph.dependencies_of(todo.pop())
            for dependency in required:
                if dependency not in seen:
                    seen.add(dependency)
                    todo.append(dependency)
        return seen

    def series(
        self, root: int, context: frozenset[int], *, include_root: bool
    ) -> tuple[float, list[BoundTerm]]:
        """The product of factors below `root`, with the components in `context` assumed up."""
        closure = self.required_closure(root)
        new = closure - context  # components already assumed up add nothing, nor their groups
        in_series = sorted(new if include_root else new - {root})
        context = context | closure
        fraction, terms = 1.0, []
        for node in in_series:
            term = self.component(node)
            terms.append(term)
            fraction *= 1.0 if term.percent is None else term.percent / 100.0
        for owner in sorted(new):
            for members in self.graph.dependencies_of(owner)[1]:
                group_fraction, group_terms, context = self.group(members, context)
                terms.extend(group_terms)
                fraction *= group_fraction
        return fraction, terms

    def group(
        self, members: list[int], context: frozenset[int]
    ) -> tuple[float, list[BoundTerm], frozenset[int]]:
        """An anyOf group: components every member needs go to series, the rest in parallel."""
        needs = [self.required_closure(m) - context for m in members]
        shared = sorted(set.intersection(*needs)) if needs else []
        terms = [self.component(node) for node in shared]
        fraction = math.prod(1.0 if t.percent is None else t.percent / 100.0 for t in terms)
        context = context | set(shared)
        unavailable, parts = 1.0, []
        for member in members:
            member_fraction, member_terms = self.series(member, context, include_root=True)
            unavailable *= 1.0 - member_fraction
            name = self.graph.names[member]
            parts.append(
                BoundTerm("series", name, member_fraction * 100.0, parts=tuple(member_terms))
            )
        names = ", ".join(self.graph.names[m] for m in members)
        terms.append(
            BoundTerm("anyOf", f"anyOf({names})", (1.0 - unavailable) * 100.0, parts=tuple(parts))
        )
        return fraction * (1.0 - unavailable), terms, context

    def component(self, node: int) -> BoundTerm:
        name = self.graph.names[node]
        agreement = self.agreed.get(name)
        if agreement is None:
            self.unbounded.add(name)
            return BoundTerm("component", name, None)
        return BoundTerm("component", name, agreement.percent, agreement.agreement)


def format_percent(value: float, decimals: int | None = None) -> str:
    """99.95 → `99.95`, 99.9 → `99.9`, 99.999975 → `99.999975`: by default enough decimals
    to show two significant digits of the shortfall from 100, so nothing reads as 100."""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    shortfall = 100.0 - value
    places = 2 if shortfall <= 0 else min(8, max(2, 1 - math.floor(math.log10(shortfall))))
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def _floor(value: float, decimals: int) -> float:
    """Round down, so "at most" never overstates what is possible."""
    scale = 10**decimals
    return float(math.floor(value * scale + 1e-9) / scale)
