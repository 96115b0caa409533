"""A layered drawing of the graph, left to right: callers that are not IAM principals (everyone,
accounts, services, identity providers), then users, then roles by how many hops away from the
first callers they are (chained roles further right). Within a column, nodes are ordered by the
mean position of their neighbours in the columns next to them (the barycenter heuristic of
Sugiyama-style layouts), a few sweeps, to cut edge crossings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rolegate.graph.model import Graph

NODE_WIDTH, NODE_HEIGHT = 210, 34
COLUMN_GAP, ROW_GAP, MARGIN = 70, 20, 16
_SWEEPS = 4


@dataclass(frozen=True, slots=True)
class Placed:
    id: str
    column: int
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Layout:
    nodes: dict[str, Placed]
    width: int
    height: int


def layout(graph: Graph) -> Layout:
    columns = _columns(graph)
    count = max(columns.values(), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for node_id in graph.nodes:  # the graph's order: by kind, then label
        layers[columns[node_id]].append(node_id)
    neighbours: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for edge in graph.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    for sweep in range(_SWEEPS):
        order = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for index in order:
            rank = {n: r for layer in layers for r, n in enumerate(layer)}
            layers[index].sort(key=lambda n: _barycenter(n, neighbours[n], rank))
    placed: dict[str, Placed] = {}
    for column, layer in enumerate(layers):
        for row, node_id in enumerate(layer):
            x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP)
            y = MARGIN + row * (NODE_HEIGHT + ROW_GAP)
            placed[node_id] = Placed(node_id, column, x, y)
    rows = max((len(layer) for layer in layers), default=0)
    width = 2 * MARGIN + count * NODE_WIDTH + (count - 1) * COLUMN_GAP
    height = 2 * MARGIN + rows * NODE_HEIGHT + max(rows - 1, 0) * ROW_GAP
    return Layout(placed, width, height)


def _columns(graph: Graph) -> dict[str, int]:
    """Column 0: callers that are not IAM principals; 1: users; roles (and roles of other
    accounts that something here can assume) from 2 on, by distance."""
    columns: dict[str, int] = {}
    queue: deque[str] = deque()
    targets_of = {edge.target for edge in graph.edges}
    for node in graph.nodes.values():
        if node.kind != "role" and node.id not in targets_of:
            columns[node.id] = 1 if node.kind == "user" else 0
            queue.append(node.id)
    targets: dict[str, list[str]] = {}
    for edge in graph.edges:
        targets.setdefault(edge.source, []).append(edge.target)
    while queue:
        current = queue.popleft()
        for target in targets.get(current, ()):
            if target not in columns:
                columns[target] = max(columns[current] + 1, 2)
                queue.append(target)
    for node_id in graph.nodes:
        columns.setdefault(node_id, 2)  # roles no one reaches
    used = sorted(set(columns.values()))  # no empty columns
    index = {c: n for n, c in enumerate(used)}
    return {n: index[c] for n, c in columns.items()}


def _barycenter(node: str, neighbours: list[str], rank: dict[str, int]) -> float:
    if not neighbours:
        return float(rank[node])
    return sum(rank[n] for n in neighbours) / len(neighbours)
