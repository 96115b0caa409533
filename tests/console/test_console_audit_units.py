"""The console's Event history and access graph, their pure parts: the kept drawings (by account
and change serial, computed on a worker thread) and their bound, a large graph drawn around a
node, the history's links, times and escaping."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from rolegate.console.api import ApiError, SessionCredentials
from rolegate.console.events import _events_table, _time, history_link
from rolegate.console.graph_cache import Drawing, Drawings, Found
from rolegate.console.graph_page import (
    DRAW_CAP,
    EDGES_PER_PAGE,
    _again,
    _computing,
    _edge_rows,
    _edges_page,
    _focused,
)
from rolegate.console.http import Request
from rolegate.console.session import new_session
from rolegate.graph import Edge, Graph
from rolegate.graph.model import Node

HOSTILE = "\"'><script>alert(1)</script>"


class Slow:
    """A computation that runs until released, counting its runs."""

    def __init__(self, value: str) -> None:
        self.value, self.runs = value, 0
        self.previous: str | None = None
        self.release = threading.Event()

    def __call__(self, previous: str | None) -> str:
        self.runs += 1
        self.previous = previous
        assert self.release.wait(10)
        return self.value


def test_a_drawing_is_kept_until_the_serial_moves() -> None:
    drawings: Drawings[str] = Drawings(wait=5)
    runs: list[str] = []

    def compute(value: str) -> Callable[[str | None], str]:
        return lambda _: runs.append(value) or value  # type: ignore[func-returns-value]

    first = drawings.get("111122223333", 7, compute("graph"))
    assert first.drawing is not None and first.drawing.value == "graph"
    assert not first.recomputing and first.drawing.serial == 7
    # the same serial: kept, whoever asks (another principal of the account)
    again = drawings.get("111122223333", 7, compute("other"))
    assert again.drawing is first.drawing and len(runs) == 1
    # another account computes its own
    other = drawings.get("444455556666", 7, lambda _: "theirs")
    assert other.drawing is not None and other.drawing.value == "theirs"
    # the serial moved: computed again
    moved = drawings.get("111122223333", 8, lambda _: "changed")
    assert moved.drawing is not None and moved.drawing.value == "changed"
    assert moved.drawing.serial == 8 and not moved.recomputing
    # a restored database's serial may be lower: any other serial is a change
    restored = drawings.get("111122223333", 3, lambda _: "restored")
    assert restored.drawing is not None and restored.drawing.value == "restored"


def test_a_long_computation_answers_computing_then_the_previous_drawing() -> None:
    drawings: Drawings[str] = Drawings(wait=0.05)
    slow = Slow("first")
    found = drawings.get("a", 1, slow)
    assert found.drawing is None and found.recomputing  # the page says "computing"
    # one computation per account at a time: a second request waits for the same one
    assert drawings.get("a", 1, slow).drawing is None and slow.runs == 1
    slow.release.set()
    done = _until_current(drawings, "a", 1, _never)
    assert done.value == "first" and slow.runs == 1
    # the account changed: the previous drawing, said to be recomputing, until the new one
    slower = Slow("second")
    stale = drawings.get("a", 2, slower)
    assert stale.drawing is done and stale.recomputing
    slower.release.set()
    assert _until_current(drawings, "a", 2, _never).value == "second"
    assert slower.runs == 1 and slower.previous == "first"  # given, to reuse what is unchanged


def test_a_change_during_a_computation_is_computed_next() -> None:
    drawings: Drawings[str] = Drawings(wait=0.05)
    slow = Slow("at 1")
    assert drawings.get("a", 1, slow).drawing is None
    # the serial moves while serial 1's computation runs: no second one starts meanwhile
    assert drawings.get("a", 2, _never).drawing is None and slow.runs == 1
    slow.release.set()
    assert _until_current(drawings, "a", 1, _never).value == "at 1"
    # serial 1's drawing is not taken for serial 2's: computed again
    found = drawings.get("a", 2, lambda _: "at 2")
    assert found.drawing is not None and found.recomputing == (found.drawing.serial != 2)
    assert _until_current(drawings, "a", 2, _never).value == "at 2"


def test_a_refusal_while_computing_is_the_answer_and_is_not_kept() -> None:
    drawings: Drawings[str] = Drawings(wait=5)

    def refused(previous: str | None) -> str:
        raise ApiError("AccessDenied", "not allowed", 403)

    with pytest.raises(ApiError, match="AccessDenied"):
        drawings.get("a", 1, refused)
    found = drawings.get("a", 1, lambda _: "graph")
    assert found.drawing is not None and found.drawing.value == "graph"


def test_a_full_cache_forgets_every_account() -> None:
    drawings: Drawings[str] = Drawings(wait=5, max_accounts=2)
    for account in ("a", "b", "c"):  # full at "c": emptied first
        drawings.get(account, 1, lambda _, account=account: account)  # type: ignore[misc]
    assert _value(drawings.get("a", 1, lambda _: "a again")) == "a again"
    assert _value(drawings.get("c", 1, _never)) == "c"


def _never(previous: str | None) -> str:
    raise AssertionError("computed when it should not be")


def _value(found: Found[str]) -> str | None:
    return found.drawing.value if found.drawing is not None else None


def _until_current(
    drawings: Drawings[str], account: str, serial: int, compute: Callable[[str | None], str]
) -> Drawing[str]:
    for _ in range(500):
        found = drawings.get(account, serial, compute)
        if found.drawing is not None and not found.recomputing:
            return found.drawing
        time.sleep(0.01)
    raise AssertionError("never computed")


def test_the_computing_page_loads_itself_again() -> None:
    creds = SessionCredentials("ASIAEXAMPLE", "secret", "token")
    session = new_session("123456789012", "arn:aws:iam::123456789012:user/a", creds, 9_999, 1)
    query = {"from": HOSTILE, "to": "arn:aws:iam::123456789012:role/r"}
    request = Request("GET", "/graph", query, {}, {}, False)
    reply = _computing("123456789012", _again(request), session)
    page = reply.body.decode()
    assert reply.status == 200 and ("refresh", "2") in reply.headers
    assert 'id="graph-computing"' in page and "account 123456789012 is being computed" in page
    link = re.search(r'<a href="([^"]+)">Refresh</a>', page)
    assert link is not None and "<script>" not in page
    loaded = parse_qs(urlparse(html.unescape(link.group(1))).query)
    assert loaded == {"from": [HOSTILE], "to": [query["to"]]}


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


def test_the_edges_table_is_paged_and_its_links_keep_the_query() -> None:
    rows = _edge_rows(_chain_graph(EDGES_PER_PAGE + 30))
    assert len(rows) > EDGES_PER_PAGE

    def shown(query: dict[str, str]) -> str:
        return "".join(_edges_page(rows, Request("GET", "/graph", query, {}, {}, False)))

    first = shown({"focus": "role-3"})
    assert first.count("<tr>") == EDGES_PER_PAGE + 1  # the header row and one page
    assert f"Edges 1-{EDGES_PER_PAGE} of {len(rows)}." in first and "Previous edges" not in first
    assert 'href="/console/graph?edges=2&amp;focus=role-3#edges-heading"' in first
    last = shown({"focus": "role-3", "edges": "2"})
    assert last.count("<tr>") == len(rows) - EDGES_PER_PAGE + 1
    assert "Next edges" not in last and "edges=1&amp;focus=role-3" in last
    assert shown({"edges": "x<script>"}) == shown({})  # not a number: the first page
    assert shown({"edges": "99"}) == shown({"edges": "2"})  # past the end: the last page
    few = "".join(_edges_page(rows[:3], Request("GET", "/graph", {}, {}, {}, False)))
    assert few.count("<tr>") == 4 and "edges-pages" not in few
