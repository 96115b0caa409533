"""The access graph: who can assume which role (users, roles, other accounts, identity
providers, services, ``*``), the role chains, and why, decided by the policy engine
(docs/graph.md). Pure: the accounts' authorization details in, the graph out."""

from rolegate.graph.build import Explain, build_graph, build_graph_explained, explain_denial
from rolegate.graph.inputs import AccountView, document_text
from rolegate.graph.model import ALLOWED, CONDITIONAL, Denial, Edge, Graph, Node, Step
from rolegate.graph.paths import Path, find_paths

__all__ = [
    "ALLOWED",
    "CONDITIONAL",
    "AccountView",
    "Denial",
    "Edge",
    "Explain",
    "Graph",
    "Node",
    "Path",
    "Step",
    "build_graph",
    "build_graph_explained",
    "document_text",
    "explain_denial",
    "find_paths",
]
