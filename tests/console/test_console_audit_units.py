"""The console's Event history and access graph, their pure parts: the kept drawings' lifetime
and bound, a large graph drawn around a node, the history's links, times and escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rolegate.console.events import _events_table, _time, history_link
from rolegate.console.graph_cache import ComputedCache
from rolegate.console.graph_page import DRAW_CAP, _focused
from rolegate.graph import Edge, Graph
from rolegate.graph.model import Node

HOSTILE = "\"'><script>alert(1)</script>"


def test_a_kept_drawing_lives_for_its_ttl_then_is_computed_again() -> None:
    now = [0.0]
    cache: ComputedCache[str] = ComputedCache(ttl=60, clock=lambda: now[0])
    key = ("111122223333", "arn:aws:iam::111122223333:user/alice")
    assert cache.get(key) is None
    cache.put(key, "graph")
    now[0] = 60.0
    kept = cache.get(key)
    assert kept is not None and kept.value == "graph"
    now[0] = 60.5
    assert cache.get(key) is None
    # per principal: another principal of the account computes its own
    cache.put(key, "graph")
    assert cache.get(("111122223333", "arn:aws:iam::111122223333:user/bob")) is None


def test_a_console_change_or_a_full_cache_forgets_every_drawing() -> None:
    cache: ComputedCache[int] = ComputedCache(max_entries=2)
    for n in range(2):
        cache.put(("a", str(n)), n)
    cache.put(("a", "2"), 2)  # full: emptied first
    assert cache.get(("a", "0")) is None and cache.get(("a", "2")) is not None
    cache.clear()
    assert cache.get(("a", "2")) is None


def test_history_links_and_times() -> None:
    assert history_link("ResourceName", "a b&c") == (
        "/console/events?key=ResourceName&value=a+b%26c"
    )
    assert _time("2026-12-07T10:30") == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    assert _time("") is None
    with pytest.raises(ValueError):
        _time("yesterday")


def test_hostile_event_fields_are_escaped() -> None:
    event = {
        "EventId": HOSTILE,
        "EventTime": datetime(2026, 12, 7, tzinfo=UTC),
        "EventName": HOSTILE,
        "Username": HOSTILE,
        "EventSource": "iam.amazonaws.com",
        "Resources": [{"ResourceType": "AWS::IAM::Role", "ResourceName": HOSTILE}],
        "CloudTrailEvent": '{"errorCode": "' + HOSTILE.replace('"', '\\"') + '"}',
    }
    html = _events_table([event])
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 4  # name, user, resource, error code
    assert 'href="/console/events/%22%27%3E%3Cscript%3E' in html


def _chain_graph(length: int) -> Graph:
    """role-0 -> role-1 -> ... and one island role, unreached."""
    graph = Graph(("111122223333",))
    for n in range(length):
        graph.add(Node(f"role-{n}", "role", f"role-{n}"))
    graph.add(Node("island", "role", "island"))
    graph.edges.extend(
        Edge(f"role-{n}", f"role-{n + 1}", "sts:AssumeRole", "allowed", ())
        for n in range(length - 1)
    )
    return graph


def test_a_large_graph_is_drawn_around_a_chosen_node_at_most_the_cap() -> None:
    graph = _chain_graph(DRAW_CAP + 50)
    asked = _focused(graph, None, [])
    assert f"has {DRAW_CAP + 51} nodes, more than the {DRAW_CAP} drawn" in asked
    assert "<svg" not in asked and 'id="focus"' in asked
    middle = _focused(graph, "role-200", [])
    assert f"drawn: {DRAW_CAP} around role-200 (at most {DRAW_CAP})" in middle
    assert middle.count('class="node kind-role') == DRAW_CAP
    # nearest first, both ways: 200's neighbours are in, the island and the far end are not
    assert 'data-id="role-199"' in middle and 'data-id="role-201"' in middle
    assert 'data-id="island"' not in middle and 'data-id="role-0"' not in middle
    alone = _focused(graph, "island", [])
    assert "drawn: 1 around island" in alone
