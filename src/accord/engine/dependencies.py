"""The dependency graph of services and components, as arrays the engine can vectorise over.

`dependsOn` lists either a name (a required dependency) or an `AnyOf` group (redundant
members: the group is down only when every member is). Subjects are numbered in the order
given; names only referenced are added after them as subjects without dependencies.
A cycle is an error that names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from accord.engine.intervals import IntArray


@dataclass(frozen=True)
class AnyOf:
    """A redundant group: down only when all of its members are down."""

    members: tuple[str, ...]


Dependency = str | AnyOf


class DependencyCycleError(ValueError):
    """The dependency graph has a cycle; `cycle` lists it, first name repeated at the end."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = tuple(cycle)
        super().__init__("dependency cycle: " + " → ".join(self.cycle))


@dataclass(frozen=True, eq=False)
class DependencyGraph:
    """Subjects, required edges and anyOf groups as index arrays, with topological depths.

    `depth[s]` is 0 for a subject without dependencies and otherwise one more than the
    deepest subject it depends on, so all subjects of one depth compose in one pass.
    """

    names: tuple[str, ...]
    required_owner: IntArray  # edge i: required_owner[i] depends on required_dependency[i]
    required_dependency: IntArray
    group_owner: IntArray  # group g belongs to subject group_owner[g]
    member_group: IntArray  # membership j: subject member_subject[j] is in group member_group[j]
    member_subject: IntArray
    depth: IntArray
    index: Mapping[str, int] = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.names)

    def subject(self, name: str) -> int:
        try:
            return self.index[name]
        except KeyError:
            raise KeyError(f'"{name}" is not a subject of the dependency graph') from None

    def subjects(self, names: Iterable[str]) -> IntArray:
        return np.array([self.subject(name) for name in names], dtype=np.int64)

    def group_sizes(self) -> IntArray:
        return np.bincount(self.member_group, minlength=self.group_owner.size).astype(np.int64)

    def dependencies_of(self, subject: int) -> tuple[list[int], list[list[int]]]:
        """(required subjects, member lists of each anyOf group) of one subject."""
        required = self.required_dependency[self.required_owner == subject].tolist()
        groups = np.flatnonzero(self.group_owner == subject).tolist()
        return required, [self.member_subject[self.member_group == g].tolist() for g in groups]


def build_dependency_graph(
    depends_on: Mapping[str, Sequence[Dependency]], *, subjects: Iterable[str] = ()
) -> DependencyGraph:
    """The graph of `depends_on` (subject → its dependsOn list); raises on a cycle."""
    names = _collect_names(depends_on, subjects)
    index = {name: i for i, name in enumerate(names)}
    required: list[tuple[int, int]] = []
    groups: list[tuple[int, list[int]]] = []
    for name, dependencies in depends_on.items():
        owner = index[name]
        for dependency in dependencies:
            if isinstance(dependency, AnyOf):
                members = sorted({index[m] for m in dependency.members})
                if not members:
                    raise ValueError(f'"{name}" has an anyOf group without members')
                groups.append((owner, members))
            else:
                required.append((owner, index[dependency]))
    required = sorted(set(required))
    depth = _depths(names, required, groups)
    return DependencyGraph(
        names=names,
        required_owner=np.array([o for o, _ in required], dtype=np.int64),
        required_dependency=np.array([d for _, d in required], dtype=np.int64),
        group_owner=np.array([o for o, _ in groups], dtype=np.int64),
        member_group=np.array([g for g, (_, ms) in enumerate(groups) for _ in ms], np.int64),
        member_subject=np.array([m for _, ms in groups for m in ms], dtype=np.int64),
        depth=depth,
        index=index,
    )


def _collect_names(
    depends_on: Mapping[str, Sequence[Dependency]], subjects: Iterable[str]
) -> tuple[str, ...]:
    seen: dict[str, None] = dict.fromkeys(subjects)
    seen.update(dict.fromkeys(depends_on))
    for dependencies in depends_on.values():
        for dependency in dependencies:
            members = dependency.members if isinstance(dependency, AnyOf) else (dependency,)
            seen.update(dict.fromkeys(members))
    return tuple(seen)


def _depths(
    names: tuple[str, ...], required: list[tuple[int, int]], groups: list[tuple[int, list[int]]]
) -> IntArray:
    """Topological depths by an iterative depth-first walk that reports the first cycle."""
    children: list[list[int]] = [[] for _ in names]
    for owner, dependency in required:
        children[owner].append(dependency)
    for owner, members in groups:
        children[owner].extend(members)
    depth = np.full(len(names), -1, dtype=np.int64)
    on_path = np.zeros(len(names), dtype=bool)
    for root in range(len(names)):
        if depth[root] >= 0:
            continue
        path, stack = [root], [iter(children[root])]
        on_path[root] = True
        while stack:
            child = next(stack[-1], None)
            if child is None:
                node = path.pop()
                stack.pop()
                on_path[node] = False
                depth[node] = 1 + max((int(depth[c]) for c in children[node]), default=-1)
            elif on_path[child]:
                cycle = [*path[path.index(child) :], child]
                raise DependencyCycleError([names[i] for i in cycle])
            elif depth[child] < 0:
                path.append(child)
                stack.append(iter(children[child]))
                on_path[child] = True
    return depth
