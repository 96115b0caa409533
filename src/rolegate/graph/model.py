"""The access graph's nodes, edges and the steps that explain an edge."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rolegate.graph.conditions import Unknown

# Node kinds, in the order the layout's first columns show them.
KINDS = ("everyone", "account", "external", "service", "oidc", "saml", "user", "role")
ALLOWED, CONDITIONAL = "allowed", "conditional"


@dataclass(frozen=True, slots=True)
class Node:
    """``id`` is an ARN (users, roles, accounts' roots, providers), a service principal
    (``ec2.amazonaws.com``), a web identity provider's name, or ``*``."""

    id: str
    kind: str
    label: str
    account: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "account": self.account}


@dataclass(frozen=True, slots=True)
class Step:
    """One reason of an edge: a statement that allowed (with its place in the policy's text), a
    policy type that had nothing to say, or what is out of the graph's sight."""

    kind: str  # "trust" | "identity" | "boundary" | "not-needed" | "delegated" | "condition"
    text: str
    policy: str | None = None
    sid: str | None = None
    line: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {"kind": self.kind, "text": self.text}
        if self.policy is not None:
            found.update(policy=self.policy, sid=self.sid, line=self.line, column=self.column)
        return found


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` can assume the role ``target`` by ``action``."""

    source: str
    target: str
    action: str
    status: str  # ALLOWED | CONDITIONAL
    steps: tuple[Step, ...]
    conditions: tuple[Unknown, ...] = ()
    cross_account: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.target,
            "action": self.action,
            "status": self.status,
            "cross_account": self.cross_account,
            "conditions": [c.to_json() for c in self.conditions],
            "explanation": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class Denial:
    """Why ``source`` cannot assume ``target`` directly (the engine's decision)."""

    source: str
    target: str
    effect: str  # "ImplicitDeny" | "ExplicitDeny"
    steps: tuple[Step, ...]


@dataclass(slots=True)
class Graph:
    accounts: tuple[str, ...]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # policies left out (unparsable, missing)

    def add(self, node: Node) -> Node:
        return self.nodes.setdefault(node.id, node)

    def out_edges(self, node_id: str) -> Iterator[Edge]:
        return (e for e in self.edges if e.source == node_id)

    def to_json(self) -> dict[str, object]:
        return {
            "accounts": list(self.accounts),
            "nodes": [n.to_json() for n in self.nodes.values()],
            "edges": [e.to_json() for e in self.edges],
            "skipped": list(self.skipped),
        }
