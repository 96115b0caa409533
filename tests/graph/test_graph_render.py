"""The access graph's layout, DOT and text renderings."""

from __future__ import annotations

import json
import subprocess

from graph.graph_accounts import A, Account, B, allow, doc, trust
from rolegate.graph import Graph, build_graph, find_paths
from rolegate.graph.layout import NODE_HEIGHT, layout
from rolegate.graph.model import Node
from rolegate.graph.render import paths_to_text, quoted, to_dot, to_json


def _chain_graph() -> tuple[Graph, dict[str, str]]:
    account = Account()
    arns = {
        "second": account.arn("role", "second"),
        "first": account.arn("role", "first"),
    }
    arns["user"] = account.user("una", doc(allow("sts:AssumeRole", arns["first"])))
    account.role("first", doc(trust({"AWS": A})), doc(allow("sts:AssumeRole", arns["second"])))
    account.role("second", doc(trust({"AWS": arns["first"]})))
    account.role("box", doc(trust({"Service": "ec2.amazonaws.com"})))
    account.role("lonely", doc(trust({"AWS": f"arn:aws:iam::{B}:root"})))
    return build_graph([account.view()]), arns


def test_layers_left_to_right() -> None:
    graph, arns = _chain_graph()
    placed = layout(graph)
    column = {n: p.column for n, p in placed.nodes.items()}
    assert column["ec2.amazonaws.com"] == column[f"arn:aws:iam::{B}:root"] == 0
    assert column[arns["user"]] == 1
    assert column[arns["first"]] == 2 and column[arns["second"]] == 3
    spots = {(p.x, p.y) for p in placed.nodes.values()}
    assert len(spots) == len(graph.nodes)  # no two nodes on one spot
    assert all(p.y + NODE_HEIGHT <= placed.height for p in placed.nodes.values())


def test_json_round_trip() -> None:
    graph, arns = _chain_graph()
    data = json.loads(to_json(graph))
    assert {e["from"] for e in data["edges"]} >= {arns["user"], arns["first"]}
    assert data["accounts"] == [A]
    assert {n["kind"] for n in data["nodes"]} == {"account", "service", "user", "role"}


def test_dot_quotes_every_id() -> None:
    assert quoted('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    graph = Graph(("111111111111",))
    graph.add(Node('we"ird\\name', "service", 'label "with" quotes\nand a line'))
    text = to_dot(graph)
    assert '"we\\"ird\\\\name" [label="label \\"with\\" quotes\\nand a line"' in text


def test_graphviz_accepts_the_dot() -> None:
    graph, arns = _chain_graph()
    graph.add(Node('odd"id\\', "everyone", "x"))
    for text in (to_dot(graph), to_dot(graph, only=find_paths(graph, arns["user"], None)[0].edges)):
        done = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", done.stderr


def test_paths_as_text() -> None:
    graph, arns = _chain_graph()
    text = paths_to_text(find_paths(graph, arns["user"], arns["second"]), graph)
    lines = text.splitlines()
    assert lines[0] == "Path 1: user una -> role first -> role second"
    assert lines[1] == f"  1. {arns['user']} -> {arns['first']} by sts:AssumeRole: allowed"
    assert any(f"[trust policy of {arns['second']}, line 4, column 5]" in line for line in lines)
    assert paths_to_text([], graph) == "No path.\n"
