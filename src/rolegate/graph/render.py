"""The graph as JSON, as Graphviz DOT, and paths as text.

DOT (https://graphviz.org/doc/info/lang.html): every id and label is a double-quoted string, in
which only ``"`` and ``\\`` need escaping (and line breaks, written ``\\n``); conditional edges
are dashed, cross-account edges bold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rolegate.graph.model import CONDITIONAL, Edge, Graph, Node
from rolegate.graph.paths import Path

_SHAPES = {
    "user": "box",
    "role": "box",
    "account": "folder",
    "external": "box",
    "service": "component",
    "oidc": "cds",
    "saml": "cds",
    "everyone": "doubleoctagon",
}
_STYLES = {"user": "rounded", "role": "filled", "external": "dashed"}


def to_json(graph: Graph) -> str:
    return json.dumps(graph.to_json(), indent=2)


def paths_to_json(paths: Iterable[Path]) -> str:
    return json.dumps({"paths": [p.to_json() for p in paths]}, indent=2)


def quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def to_dot(graph: Graph, only: Iterable[Edge] | None = None) -> str:
    """``only``: the edges to draw (a path's), with just their nodes."""
    edges = list(graph.edges if only is None else only)
    shown: set[str] = (
        set(graph.nodes) if only is None else {n for e in edges for n in (e.source, e.target)}
    )
    lines = [
        "digraph access {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in graph.nodes.values():
        if node.id in shown:
            lines.append(f"  {quoted(node.id)} [{_node_attributes(node)}];")
    for edge in edges:
        attributes = [f"label={quoted(edge.action)}"]
        if edge.status == CONDITIONAL:
            keys = ", ".join(dict.fromkeys(c.key for c in edge.conditions))
            attributes += ["style=dashed", f"tooltip={quoted('conditional: ' + keys)}"]
        if edge.cross_account:
            attributes.append("penwidth=2")
        lines.append(f"  {quoted(edge.source)} -> {quoted(edge.target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_attributes(node: Node) -> str:
    attributes = [f"label={quoted(node.label)}", f"shape={_SHAPES[node.kind]}"]
    style = _STYLES.get(node.kind)
    if style is not None:
        attributes.append(f"style={style}")
    if node.kind == "role":
        attributes.append('fillcolor="#e8f0fb"')
    return ", ".join(attributes)


def paths_to_text(paths: list[Path], graph: Graph) -> str:
    if not paths:
        return "No path.\n"
    out: list[str] = []
    for number, path in enumerate(paths, 1):
        labels = " -> ".join(graph.nodes[n].label if n in graph.nodes else n for n in path.nodes)
        status = " (conditional)" if path.conditional else ""
        out.append(f"Path {number}{status}: {labels}")
        for hop, edge in enumerate(path.edges, 1):
            out.append(f"  {hop}. {edge.source} -> {edge.target} by {edge.action}: {edge.status}")
            for step in edge.steps:
                where = f" [{step.policy}, line {step.line}, column {step.column}]"
                out.append(f"     - {step.text}{where if step.policy else ''}")
        out.append("")
    return "\n".join(out)
