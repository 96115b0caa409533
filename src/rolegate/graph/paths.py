"""Paths through the graph: from a principal to a role, through the roles it can assume on the
way (role chaining,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
Breadth first, so the shortest come first; no node twice on a path."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rolegate.graph.model import CONDITIONAL, Edge, Graph

MAX_PATHS = 20
MAX_LENGTH = 8  # edges


@dataclass(frozen=True, slots=True)
class Path:
    edges: tuple[Edge, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.edges[0].source, *(e.target for e in self.edges))

    @property
    def conditional(self) -> bool:
        return any(e.status == CONDITIONAL for e in self.edges)

    def to_json(self) -> dict[str, object]:
        return {
            "nodes": list(self.nodes),
            "status": CONDITIONAL if self.conditional else "allowed",
            "edges": [e.to_json() for e in self.edges],
        }


def find_paths(
    graph: Graph,
    source: str | None,
    target: str | None,
    limit: int = MAX_PATHS,
) -> list[Path]:
    """Paths from ``source`` to ``target``; with only ``source``, the shortest path to every node
    it reaches; with only ``target``, the shortest path from every node that reaches it."""
    outgoing: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        outgoing.setdefault(edge.source, []).append(edge)
    if source is not None and target is not None:
        return _between(outgoing, source, target, limit)
    starts = [source] if source is not None else list(graph.nodes)
    found: list[Path] = []
    for start in starts:
        for path in _shortest_from(outgoing, start):
            if target is None or path.edges[-1].target == target:
                found.append(path)
    return found[:limit] if source is None else found


def _between(outgoing: dict[str, list[Edge]], source: str, target: str, limit: int) -> list[Path]:
    found: list[Path] = []
    queue: deque[tuple[Edge, ...]] = deque((e,) for e in outgoing.get(source, ()))
    while queue and len(found) < limit:
        edges = queue.popleft()
        last = edges[-1].target
        if last == target:
            found.append(Path(edges))
            continue
        if len(edges) >= MAX_LENGTH:
            continue
        visited = {source, *(e.target for e in edges)}
        for edge in outgoing.get(last, ()):
            if edge.target not in visited:
                queue.append((*edges, edge))
    return found


def _shortest_from(outgoing: dict[str, list[Edge]], source: str) -> list[Path]:
    """One shortest path to each node ``source`` reaches."""
    reached: dict[str, tuple[Edge, ...]] = {}
    queue: deque[tuple[Edge, ...]] = deque((e,) for e in outgoing.get(source, ()))
    while queue:
        edges = queue.popleft()
        last = edges[-1].target
        if last in reached or last == source:
            continue
        reached[last] = edges
        for edge in outgoing.get(last, ()):
            if edge.target not in reached:
                queue.append((*edges, edge))
    return [Path(edges) for edges in reached.values()]
