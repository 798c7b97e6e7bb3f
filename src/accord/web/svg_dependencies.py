"""A service's dependency graph laid out in layers, for a server-rendered SVG picture.

The service sits at the top; each dependency sits one layer below the deepest subject
that needs it (longest path), so shared components appear once, under everything that
uses them. An `anyOf` group (several members sharing a group number) is drawn as a box
around its members with one edge into the box: the service is down only when every
member is. The geometry is computed here and the template only draws it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from accord.catalogue.models import Dependency, Subject

NODE_W = 168
NODE_H = 44
GAP_X = 24
LAYER_H = 104
BOX_PAD = 10
MARGIN = 16
MAX_DEPTH = 12  # dependsOn is validated acyclic; this only bounds a corrupted table


@dataclass
class Node:
    name: str
    title: str
    kind: str
    status: str
    visible: bool
    x: float = 0.0
    y: float = 0.0
    root: bool = False


@dataclass
class Unit:
    """What one layer places side by side: one node, or an anyOf box of several."""

    nodes: list[Node]
    group: bool
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    any_of: bool


@dataclass
class Graph:
    width: float
    height: float
    units: list[Unit] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        return [node for unit in self.units for node in unit.nodes]


def dependency_graph(root: Subject, *, visible: Collection[int]) -> Graph:
    """The graph of everything `root` depends on, directly or not. Subjects whose ids are
    not in `visible` keep their place (redundancy is part of the picture) but not their
    name or link."""
    groups, subjects = _closure(root)
    depth = _depths(root.pk, groups)
    nodes = {pk: _node(subjects[pk], pk in visible, pk == root.pk) for pk in depth}
    layers = _layers(root.pk, groups, depth, nodes)
    graph = _place(layers)
    graph.edges = _edges(groups, layers)
    return graph


def _closure(root: Subject) -> tuple[dict[int, list[list[int]]], dict[int, Subject]]:
    """Requirement groups of every subject reachable from root, one query per layer."""
    groups: dict[int, list[list[int]]] = {}
    subjects = {root.pk: root}
    frontier = {root.pk}
    while frontier:
        rows = (
            Dependency.objects.filter(subject_id__in=frontier)
            .select_related("member")
            .order_by("subject_id", "group", "member__name")
        )
        by_subject: dict[int, dict[int, list[int]]] = {pk: {} for pk in frontier}
        for dep in rows:
            by_subject[dep.subject_id].setdefault(dep.group, []).append(dep.member_id)
            subjects.setdefault(dep.member_id, dep.member)
        for pk, by_group in by_subject.items():
            groups[pk] = [by_group[key] for key in sorted(by_group)]
        frontier = {m for pk in frontier for g in groups[pk] for m in g} - groups.keys()
    return groups, subjects


def _depths(root: int, groups: dict[int, list[list[int]]]) -> dict[int, int]:
    depth = {root: 0}
    changed = True
    rounds = 0
    while changed and rounds < MAX_DEPTH:
        changed, rounds = False, rounds + 1
        for pk, level in list(depth.items()):
            for member in (m for g in groups.get(pk, []) for m in g):
                if depth.get(member, -1) < level + 1:
                    depth[member] = level + 1
                    changed = True
    return depth


def _node(subject: Subject, visible: bool, root: bool) -> Node:
    if not visible:
        return Node("", "not visible to you", subject.kind, "", False, root=root)
    return Node(subject.name, str(subject), subject.kind, subject.status, True, root=root)


def _layers(
    root: int,
    groups: dict[int, list[list[int]]],
    depth: dict[int, int],
    nodes: dict[int, Node],
) -> list[list[tuple[list[int], Unit]]]:
    """Units of each layer in the order their first dependent asks for them."""
    layers: list[list[tuple[list[int], Unit]]] = [[([root], Unit([nodes[root]], False))]]
    placed = {root}
    for level in range(1, max(depth.values()) + 1):
        layer: list[tuple[list[int], Unit]] = []
        parents = [pk for ids, _ in layers[level - 1] for pk in ids]
        parents += [pk for pk, d in depth.items() if d < level - 1]
        for parent in parents:
            for group in groups.get(parent, []):
                todo = [m for m in group if depth[m] == level and m not in placed]
                if len(group) > 1 and len(todo) == len(group):
                    layer.append((todo, Unit([nodes[m] for m in todo], True)))
                else:
                    layer += [([m], Unit([nodes[m]], False)) for m in todo]
                placed.update(todo)
        layers.append(layer)
    return layers


def _place(layers: list[list[tuple[list[int], Unit]]]) -> Graph:
    widths = [sum(_unit_width(u) for _, u in layer) + GAP_X * (len(layer) - 1) for layer in layers]
    width = max(widths) + 2 * MARGIN
    graph = Graph(width=width, height=2 * MARGIN + (len(layers) - 1) * LAYER_H + NODE_H + 12)
    for level, (layer, layer_width) in enumerate(zip(layers, widths, strict=True)):
        x = (width - layer_width) / 2
        y = MARGIN + 6 + level * LAYER_H
        for _, unit in layer:
            unit.w, unit.h = _unit_width(unit), NODE_H + (2 * BOX_PAD if unit.group else 0)
            unit.x, unit.y = x, y - (BOX_PAD if unit.group else 0)
            for i, node in enumerate(unit.nodes):
                node.x = x + (BOX_PAD if unit.group else 0) + i * (NODE_W + GAP_X / 2)
                node.y = y
            graph.units.append(unit)
            x += unit.w + GAP_X
    return graph


def _unit_width(unit: Unit) -> float:
    n = len(unit.nodes)
    if not unit.group:
        return NODE_W
    return n * NODE_W + (n - 1) * GAP_X / 2 + 2 * BOX_PAD


def _edges(
    groups: dict[int, list[list[int]]], layers: list[list[tuple[list[int], Unit]]]
) -> list[Edge]:
    where = {pk: unit for layer in layers for ids, unit in layer for pk in ids}
    node_of = {
        pk: unit.nodes[ids.index(pk)] for layer in layers for ids, unit in layer for pk in ids
    }
    edges: list[Edge] = []
    for parent, parent_groups in groups.items():
        if parent not in node_of:
            continue
        source = node_of[parent]
        x1, y1 = source.x + NODE_W / 2, source.y + NODE_H
        for group in parent_groups:
            boxed = where[group[0]] if len(group) > 1 and where[group[0]].group else None
            if boxed is not None and all(where[m] is boxed for m in group):
                edges.append(Edge(x1, y1, boxed.x + boxed.w / 2, boxed.y, True))
                continue
            for member in group:
                target = node_of[member]
                edges.append(Edge(x1, y1, target.x + NODE_W / 2, target.y, len(group) > 1))
    return edges
