"""Check loaded manifests, alone and against each other, and normalise them for `apply`.

`validate_documents` reports every error of a run at once (`ManifestInvalid`), or returns
one `Desired` per document with its normalised spec. In every normalised spec each key
below is present; an absent optional field is None unless a default is given here.
Names stay names; durations are int seconds; instants are aware UTC datetimes; dates
are `datetime.date`; percentages and other numbers are floats.

- Party: role, timezone, contacts=[] (each {name, email, role (None if absent)}).
- Calendar: timezone, weekly (7 lists, Monday first, of sorted [start_min, end_min]),
  holidays={country, subdivision, dates: sorted dates} (None, None, [] when absent),
  exceptions=[] (each {date, kind: "open" | "closed", intervals, reason}; `closed: true`
  is intervals [[0, 1440]]). The manifest's `hours` becomes `weekly`.
- Component: provider, description, depends_on=[]. Service: owner, status="live",
  criticality="medium", description, depends_on=[]. `depends_on` replaces `dependsOn`:
  a list of lists of names, one name = required, several = an anyOf group.
- DataSource: type, url.
- Agreement: type, structure="service", status="draft", provider, consumers (a list;
  `consumer` is folded into it and removed), services=[], parent, effective ({from,
  until} or None), review ({every: canonical ISO period, next} or None), serviceHours
  (None = 24x7), timezone, period="month" ("month" | "quarter" | "year" |
  {"rolling": seconds}), underpinnedBy=[], charges ({perPeriod: Decimal, currency} or
  None), creditCap, description, targets=[].
- Target: name, metric, objective, description, where={} (attribute -> list of text),
  within, serviceHours (None = the agreement's), pauseWhen=[] (canonical state names),
  excludePlanned=False, warnAt (sorted list, None = the engine's defaults), warnBefore,
  credits=[] ({below, percent}), source, good, total, series, op, value, unit,
  budgeting (ratio: "occurrences", threshold: "timeslices", others None), timeslice
  (60 where budgeting is timeslices or ratio-timeslices, else None).
- MaintenanceWindow: components=[], services=[], start, end, agreed=False, description.
- TemporaryChange: agreement, from, until, reason, serviceHours, targets={} (target
  name -> {within, objective}, None where not changed), approvedBy=[], status (default
  "approved" when approvedBy has two or more addresses, else "requested").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.manifests.checkers import INVALID, Ctx, join, obj
from accord.manifests.errors import ManifestError, ManifestInvalid
from accord.manifests.loader import Document
from accord.manifests.schema import BUDGET_METRICS, BUILTIN_CALENDAR, KINDS, TARGET, TICKET_METRICS

_TIMESLICED = ("timeslices", "ratio-timeslices")


@dataclass(frozen=True)
class Existing:
    """What the database holds, so files may refer to objects they do not define."""

    names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # kind -> names
    # component/service -> requirements: a 1-tuple is required, an n-tuple an anyOf group
    depends_on: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    parents: Mapping[str, str | None] = field(default_factory=dict)  # agreement -> parent
    targets: Mapping[str, frozenset[str]] = field(default_factory=dict)  # agreement -> own


@dataclass(frozen=True)
class Desired:
    kind: str
    name: str
    title: str
    spec: dict[str, Any]  # normalised, see the module docstring
    file: str
    line: int


def validate_documents(
    docs: Sequence[Document], *, existing: Existing = Existing()
) -> list[Desired]:
    errors: list[ManifestError] = []
    known = {
        kind: frozenset(d.name for d in docs if d.kind == kind) | existing.names.get(kind, set())
        for kind in KINDS
    }
    checked = [(doc, _check_document(Ctx(doc, known, errors))) for doc in docs]
    first: dict[tuple[str, str], tuple[Document, dict[str, Any]]] = {}
    for doc, spec in checked:
        first.setdefault((doc.kind, doc.name), (doc, spec))
    _check_names(docs, errors, known)
    _check_dependency_cycles(first, existing, errors, known)
    _check_parent_cycles(first, existing, errors, known)
    for doc, spec in checked:
        if doc.kind == "TemporaryChange":
            _check_overrides(Ctx(doc, known, errors), spec, first, existing)
    if errors:
        raise ManifestInvalid(errors)
    return [Desired(d.kind, d.name, d.title, spec, d.file, d.line) for d, spec in checked]


def _check_document(ctx: Ctx) -> dict[str, Any]:
    spec: dict[str, Any] = obj(KINDS[ctx.doc.kind])(ctx, ctx.doc.spec, "spec")
    if ctx.doc.kind == "Calendar":
        spec["weekly"] = spec.pop("hours")
        spec = {key: spec[key] for key in ("timezone", "weekly", "holidays", "exceptions")}
    elif ctx.doc.kind in ("Component", "Service"):
        spec["depends_on"] = spec.pop("dependsOn")
    elif ctx.doc.kind == "Agreement":
        _check_agreement(ctx, spec)
    elif ctx.doc.kind == "MaintenanceWindow":
        _check_maintenance(ctx, spec)
    elif ctx.doc.kind == "TemporaryChange":
        _check_temporary_change(ctx, spec)
    return spec


def _valid(*values: Any) -> bool:
    return all(v is not None and v is not INVALID for v in values)


def _check_agreement(ctx: Ctx, spec: dict[str, Any]) -> None:
    raw = ctx.doc.spec
    consumer = spec.pop("consumer")
    if "consumer" in raw and "consumers" in raw:
        ctx.error("spec.consumers", 'give either "consumer" or "consumers", not both')
    elif "consumer" in raw:
        spec["consumers"] = [consumer]
    elif "consumers" not in raw:
        ctx.error("spec", 'missing required field "consumer" (or "consumers")')
    elif spec["consumers"] == []:
        ctx.error("spec.consumers", "needs at least one name")
    effective = spec["effective"]
    dates: tuple[Any, Any] = (
        (effective["from"], effective["until"]) if _valid(effective) else (None, None)
    )
    start, end = dates
    if _valid(start, end) and end < start:
        ctx.error("spec.effective.until", f"{end} is before from ({start})")
    if _valid(spec["underpinnedBy"]) and ctx.doc.name in spec["underpinnedBy"]:
        ctx.error("spec.underpinnedBy", "an agreement cannot underpin itself")
    if spec["targets"] is not INVALID:
        _check_targets(ctx, spec["targets"])


def _check_targets(ctx: Ctx, targets: list[Any]) -> None:
    raw = ctx.doc.spec
    seen: dict[str, int] = {}
    for index, target in enumerate(targets):
        path = join("spec.targets", index)
        if target is INVALID:
            continue
        _check_target(ctx, raw["targets"][index], target, path)
        name = target["name"]
        if name in seen:
            first = ctx.line(join("spec.targets", seen[name]))
            ctx.error(join(path, "name"), f'duplicate target "{name}" (first at line {first})')
        elif name is not INVALID:
            seen[name] = index


def _check_target(ctx: Ctx, raw: dict[str, Any], target: dict[str, Any], path: str) -> None:
    metric = target["metric"]
    if metric is INVALID:
        return
    for key, rule in TARGET.items():
        if key in raw and rule.only_for and metric not in rule.only_for:
            allowed = " and ".join(rule.only_for)
            ctx.error(join(path, key), f"only allowed for {allowed} targets (this one is {metric})")
        elif key not in raw and metric in rule.required_for:
            ctx.error(path, f'missing required field "{key}" (a {metric} target needs it)')
    if metric == "ratio":
        _check_ratio_data(ctx, raw, path)
    if metric in ("ratio", "threshold"):
        if target["budgeting"] is None:
            target["budgeting"] = "occurrences" if metric == "ratio" else "timeslices"
        if target["budgeting"] in _TIMESLICED and target["timeslice"] is None:
            target["timeslice"] = 60  # SEMANTICS §5: one-minute slices unless stated
        elif target["budgeting"] not in _TIMESLICED and "timeslice" in raw:
            message = "only allowed where budgeting is timeslices or ratio-timeslices"
            ctx.error(join(path, "timeslice"), message)
    if metric in BUDGET_METRICS and _valid(target["warnAt"]):
        # Budget warnings are percent of the error budget; ticket ones may pass 100 %.
        for value in target["warnAt"]:
            if value > 100:
                message = f"{value:g} is outside (0, 100] (percent of the error budget used)"
                ctx.error(join(path, "warnAt"), message)


def _check_ratio_data(ctx: Ctx, raw: dict[str, Any], path: str) -> None:
    query = [key for key in ("source", "good", "total") if key in raw]
    if query and len(query) < 3:
        missing = ", ".join(f'"{k}"' for k in ("source", "good", "total") if k not in raw)
        ctx.error(path, f"source, good and total go together; missing {missing}")
    if query and "series" in raw:
        ctx.error(join(path, "series"), "give either source + good + total, or series, not both")
    if not query and "series" not in raw:
        message = "a ratio target needs source + good + total (a query) or series (pushed counts)"
        ctx.error(path, message)


def _check_maintenance(ctx: Ctx, spec: dict[str, Any]) -> None:
    if "components" not in ctx.doc.spec and "services" not in ctx.doc.spec:
        ctx.error("spec", 'missing required field "components" or "services"')
    elif spec["components"] == [] and spec["services"] == []:
        ctx.error("spec", "names no component or service")
    if _valid(spec["start"], spec["end"]) and spec["end"] <= spec["start"]:
        ctx.error("spec.end", f"must be after start ({spec['start'].isoformat()})")


def _check_temporary_change(ctx: Ctx, spec: dict[str, Any]) -> None:
    if _valid(spec["from"], spec["until"]) and spec["until"] <= spec["from"]:
        ctx.error("spec.until", f"must be after from ({spec['from'].isoformat()})")
    if spec["status"] is None and _valid(spec["approvedBy"]):
        # Two approvers (provider and customer side) are what makes a change agreed.
        spec["status"] = "approved" if len(spec["approvedBy"]) >= 2 else "requested"


def _check_names(
    docs: Sequence[Document], errors: list[ManifestError], known: Mapping[str, frozenset[str]]
) -> None:
    """Duplicates, the reserved calendar name, and the name space services share."""
    first: dict[tuple[str, str], Document] = {}
    for doc in docs:
        ctx = Ctx(doc, known, errors)
        kind = "Subject" if doc.kind in ("Component", "Service") else doc.kind
        earlier = first.setdefault((kind, doc.name), doc)
        where = f"{earlier.file}:{earlier.line}"
        if earlier is not doc and earlier.kind == doc.kind:
            ctx.error(
                "metadata.name", f'duplicate {doc.kind} "{doc.name}" (first defined at {where})'
            )
        elif earlier is not doc:
            message = (
                f'a {earlier.kind} is also named "{doc.name}" ({where}); '
                "services and components share one name space"
            )
            ctx.error("metadata.name", message)
        if doc.kind == "Calendar" and doc.name == BUILTIN_CALENDAR:
            ctx.error("metadata.name", f'"{BUILTIN_CALENDAR}" is built in and cannot be redefined')


Checked = Mapping[tuple[str, str], tuple[Document, dict[str, Any]]]


def _check_dependency_cycles(
    first: Checked,
    existing: Existing,
    errors: list[ManifestError],
    known: Mapping[str, frozenset[str]],
) -> None:
    edges: dict[str, list[str]] = {
        name: [n for group in deps for n in group] for name, deps in existing.depends_on.items()
    }
    docs = {
        name: (doc, spec)
        for (kind, name), (doc, spec) in first.items()
        if kind in ("Component", "Service")
    }
    for name, (_, spec) in docs.items():
        groups = spec["depends_on"] if spec["depends_on"] is not INVALID else []
        edges[name] = [n for group in groups if group is not INVALID for n in group]
    for cycle in find_cycles(edges, list(docs)):
        doc, spec = docs[cycle[0]]
        index = next(i for i, group in enumerate(spec["depends_on"]) if cycle[1] in group)
        message = f"dependency cycle: {' → '.join(cycle)}"
        Ctx(doc, known, errors).error(join("spec.dependsOn", index), message)


def _check_parent_cycles(
    first: Checked,
    existing: Existing,
    errors: list[ManifestError],
    known: Mapping[str, frozenset[str]],
) -> None:
    edges = {name: [parent] for name, parent in existing.parents.items() if parent}
    docs = {name: (doc, spec) for (kind, name), (doc, spec) in first.items() if kind == "Agreement"}
    for name, (_, spec) in docs.items():
        edges[name] = [spec["parent"]] if _valid(spec["parent"]) else []
    for cycle in find_cycles(edges, list(docs)):
        doc, _ = docs[cycle[0]]
        Ctx(doc, known, errors).error("spec.parent", f"parent cycle: {' → '.join(cycle)}")


def find_cycles(edges: Mapping[str, Iterable[str]], order: Sequence[str]) -> list[list[str]]:
    """Cycles as [a, b, …, a], each starting at its member earliest in `order`.

    An iterative depth-first search, so a long chain of dependencies cannot overflow
    Python's stack; only cycles through a node of `order` are returned.
    """
    rank = {node: index for index, node in enumerate(order)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    found: dict[frozenset[str], list[str]] = {}
    for root in order:
        if root in state:
            continue
        state[root] = 1
        path, stack = [root], [iter(edges.get(root, ()))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                cycle = path[path.index(following) :]
                start = min(range(len(cycle)), key=lambda i: rank.get(cycle[i], len(rank)))
                cycle = cycle[start:] + cycle[:start]
                if cycle[0] in rank:
                    found.setdefault(frozenset(cycle), [*cycle, cycle[0]])
            elif following not in state:
                state[following] = 1
                path.append(following)
                stack.append(iter(edges.get(following, ())))
    return list(found.values())


def _check_overrides(ctx: Ctx, spec: dict[str, Any], first: Checked, existing: Existing) -> None:
    """A temporary change may only change targets its agreement has (own or inherited)."""
    agreement, overrides = spec["agreement"], spec["targets"]
    if not _valid(agreement) or not _valid(overrides):
        return
    metrics = _effective_targets(agreement, first, existing)
    for name, change in overrides.items():
        path = join("spec.targets", name)
        if name not in metrics:
            listed = ", ".join(sorted(metrics)) or "none"
            ctx.error(
                path, f'agreement "{agreement}" has no target "{name}" (its targets: {listed})'
            )
        elif (
            _valid(change)
            and change["within"] is not None
            and metrics[name] not in (None, *TICKET_METRICS)
        ):
            ctx.error(
                join(path, "within"),
                f"only allowed for response and resolution targets (this one is {metrics[name]})",
            )


def _effective_targets(agreement: str, first: Checked, existing: Existing) -> dict[str, str | None]:
    """Target name -> metric (None when only the database knows it), parents included."""
    result: dict[str, str | None] = {}
    seen: set[str] = set()
    current: str | None = agreement
    while current and current not in seen:  # a parent cycle is reported elsewhere
        seen.add(current)
        if ("Agreement", current) in first:
            _, spec = first[("Agreement", current)]
            targets = spec["targets"] if spec["targets"] is not INVALID else []
            for target in targets:
                if target is not INVALID and target["name"] is not INVALID:
                    result.setdefault(
                        target["name"],
                        target["metric"] if target["metric"] is not INVALID else None,
                    )
            current = spec["parent"] if _valid(spec["parent"]) else None
        else:
            for name in existing.targets.get(current, frozenset()):
                result.setdefault(name, None)
            current = existing.parents.get(current)
    return result
