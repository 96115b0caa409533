"""The access graph page (``/console/graph``): who can assume which role, drawn as an SVG (a
layered layout computed here, ``rolegate.graph.layout``), the same edges as a table for screen
readers, and the paths between a chosen source and target explained step by step.

The data comes from GetAccountAuthorizationDetails (every page), ListOpenIDConnectProviders and
ListSAMLProviders, called with the session's credentials like every page; a principal without
them gets the explained AccessDenied. The account is read and its graph computed on a worker
thread, and kept per account until the database's change serial moves (``graph_cache``); every
request still makes a small call of each operation with the session's credentials, so a refusal
is immediate. ``graph.js`` highlights, for a clicked node, what it can reach and who can reach
it; without script the page still shows everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from rolegate.console.api import ApiClient, ApiError, SessionCredentials
from rolegate.console.graph_cache import Drawing, Drawings
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request
from rolegate.console.layout import error_box, page, table
from rolegate.console.session import ConsoleSession
from rolegate.graph import (
    AccountView,
    Edge,
    Explain,
    Graph,
    Path,
    build_graph_explained,
    find_paths,
)
from rolegate.graph.layout import NODE_HEIGHT, NODE_WIDTH, Layout, layout
from rolegate.graph.model import Step

TITLE = "Access graph"
_PAGE_ITEMS = 1000  # GetAccountAuthorizationDetails' largest MaxItems
_MAX_PAGES = 50
_LABEL_CHARS = 30
DRAW_CAP = 300  # nodes drawn at once; a larger account is drawn around a chosen node
EDGES_PER_PAGE = 100  # rows of the edges' table a page shows, as the API pages its lists
_REFRESH_SECONDS = 2
_AS_READ = ("UserDetailList", "GroupDetailList", "Policies")  # and roles, without their last use
_KIND_NAMES = {
    "everyone": "Everyone (*)",
    "account": "Other AWS account",
    "external": "User or role of another account",
    "service": "AWS service",
    "oidc": "OpenID Connect provider",
    "saml": "SAML provider",
    "user": "IAM user",
    "role": "IAM role",
}


@dataclass(frozen=True, slots=True)
class Computed:
    """An account's graph, its layout, and the parts of the page that depend on nothing else."""

    view: AccountView
    graph: Graph
    explain: Explain  # why a source cannot assume a role (the graph's parsed policies kept)
    placed: Layout
    svg: Markup  # with no path chosen (a larger graph: the choice of a node to draw around)
    choices: Choices
    form: Markup  # "Explain a path" with nothing chosen
    edges: tuple[tuple[str, ...], ...]  # the table's rows, shown EDGES_PER_PAGE at a time


class GraphPage:
    def __init__(self, api: ApiClient, change_serial: Callable[[], int]) -> None:
        self.api = api
        self.drawings: Drawings[Computed] = Drawings()
        self._change_serial = change_serial

    def graph(self, request: Request, session: ConsoleSession) -> Reply:
        try:
            account, serial = self._key(session)
            credentials = session.acting
            found = self.drawings.get(
                account, serial, lambda previous: self._compute(credentials, account, previous)
            )
        except ApiError as error:
            return Reply(403, page(TITLE, error_box(error), session))
        if found.drawing is None:
            return _computing(account, _again(request), session)
        computed = found.drawing.value
        view, graph = computed.view, computed.graph
        source, target = request.arg("from") or None, request.arg("to") or None
        chosen: list[Path] = []
        answer: Markup | None = None
        if source is not None and target is not None:
            if source not in graph.nodes or target not in graph.nodes:
                answer = el("p", {"role": "status"}, "Choose a source and a target of the graph.")
            else:
                chosen = find_paths(graph, source, target)
                answer = _paths(graph, chosen, computed.explain, source, target)
        focus = request.arg("focus") or source
        if len(graph.nodes) > DRAW_CAP and focus is not None:
            drawing = _focused(graph, focus, chosen)
        else:
            drawing = _svg(graph, computed.placed, chosen) if chosen else computed.svg
        body = el(
            "div",
            {},
            el("link", {"rel": "stylesheet", "href": "/console/assets/graph.css"}),
            el("script", {"src": "/console/assets/graph.js", "defer": True}),
            el(
                "p",
                {},
                "Who can assume which role in account ",
                view.account_id,
                ", decided by the policy engine from the trust policies and the callers' own "
                "policies. Dashed arrows hold only under conditions the graph cannot know (MFA, "
                "external id, source address, tags...). Select a node to see what it reaches "
                "and who reaches it.",
            ),
            _freshness(found.drawing, found.recomputing, _again(request)),
            _legend(),
            drawing,
            el("p", {"id": "graph-status", "role": "status", "aria-live": "polite"}),
            _form(computed.choices, source, target) if source or target else computed.form,
            answer,
            el("h2", {"id": "edges-heading"}, "Who can assume which role"),
            *_edges_page(computed.edges, request),
            _skipped(graph),
        )
        reply = Reply(200, page(TITLE, body, session))
        if found.recomputing:  # loaded again once the new drawing may be there
            reply.headers.append(("refresh", str(_REFRESH_SECONDS)))
        return reply

    def _key(self, session: ConsoleSession) -> tuple[str, int]:
        """The drawing to show: the session's account's, at the database's change serial, read
        before the account is (a change made after it shows on a later request). Every
        operation the graph is read with is called here with the session's credentials (one
        item), so each viewer is refused or allowed as if it read the account itself."""
        serial = self._change_serial()
        identity = self.api.call(session.acting, "sts", "GetCallerIdentity")
        self._iam(session.acting, "GetAccountAuthorizationDetails", MaxItems=1)
        self._iam(session.acting, "ListOpenIDConnectProviders")
        self._iam(session.acting, "ListSAMLProviders")
        return str(identity["Account"]), serial

    def _compute(
        self, credentials: SessionCredentials, account: str, previous: Computed | None = None
    ) -> Computed:
        """The account read with ``credentials``, its graph and the parts of the page that
        depend on nothing else (on a worker thread: ``graph_cache``); ``previous`` when what
        was read is the same (the change serial also moves with roles' and keys' last use)."""
        view = self._view(credentials, account)
        if previous is not None and previous.view == view:
            return previous
        graph, explain = build_graph_explained([view])
        if len(graph.nodes) > DRAW_CAP:  # drawn around a node, per request (_focused)
            placed, svg = Layout({}, 0, 0), _focused(graph, None, [])
        else:
            placed = layout(graph)
            svg = _svg(graph, placed, [])
        choices = _choices(graph)
        form = _form(choices, None, None)
        return Computed(view, graph, explain, placed, svg, choices, form, _edge_rows(graph))

    def _iam(
        self, credentials: SessionCredentials, operation: str, **params: Any
    ) -> dict[str, Any]:
        return self.api.call(credentials, "iam", operation, params)

    def _view(self, credentials: SessionCredentials, account: str) -> AccountView:
        details: dict[str, list[Any]] = {e: [] for e in (*_AS_READ, "RoleDetailList")}
        params: dict[str, Any] = {"MaxItems": _PAGE_ITEMS}
        for _ in range(_MAX_PAGES):
            answer = self.api.read(credentials, "iam", "GetAccountAuthorizationDetails", params)
            for element in _AS_READ:
                details[element].extend(answer.get(element, ()))
            details["RoleDetailList"].extend(map(_unused, answer.get("RoleDetailList", ())))
            if not answer.get("IsTruncated"):
                break
            params = {"MaxItems": _PAGE_ITEMS, "Marker": answer["Marker"]}
        oidc = self._iam(credentials, "ListOpenIDConnectProviders")["OpenIDConnectProviderList"]
        saml = self._iam(credentials, "ListSAMLProviders")["SAMLProviderList"]
        return AccountView(account, details, [p["Arn"] for p in oidc], [p["Arn"] for p in saml])


def _unused(role: dict[str, Any]) -> dict[str, Any]:
    """A role's details without ``RoleLastUsed``, which moves with every use and draws nothing,
    so that an account read again after its roles were used compares equal (a copy: the answer
    stays as the server built it)."""
    return {key: value for key, value in role.items() if key != "RoleLastUsed"}


def _again(request: Request) -> str:
    """This page's address, to load it again."""
    query = urlencode(sorted(request.query.items()))
    return f"/console/graph?{query}" if query else "/console/graph"


def _computing(account: str, again: str, session: ConsoleSession) -> Reply:
    """The first drawing of the account is still being computed: a page that says so and asks
    the browser to load it again in a few seconds (the ``Refresh`` header, as the page showing
    an older drawing while the new one is computed does: no script, and the
    Content-Security-Policy does not govern it), with a link to do it at once."""
    body = el(
        "div",
        {},
        el(
            "p",
            {"role": "status", "id": "graph-computing"},
            f"The access graph of account {account} is being computed; this page loads again "
            f"in {_REFRESH_SECONDS} seconds. ",
            el("a", {"href": again}, "Refresh"),
        ),
    )
    return Reply(200, page(TITLE, body, session), headers=[("refresh", str(_REFRESH_SECONDS))])


def _focused(graph: Graph, focus: str | None, chosen: list[Path]) -> Markup:
    """A graph larger than DRAW_CAP nodes: ``focus``, what it reaches and who reaches it (the
    nearest first, at most DRAW_CAP nodes), or a notice and a choice of node."""
    total = len(graph.nodes)
    if focus is None or focus not in graph.nodes:
        return el(
            "form",
            {"method": "get", "action": "/console/graph", "class": "notice", "id": "focus-form"},
            el(
                "p",
                {"role": "status", "id": "draw-cap"},
                f"This account's graph has {total} nodes, more than the {DRAW_CAP} drawn at once: "
                "choose a node to draw what it reaches and who reaches it. The table below "
                "lists every edge, a page at a time.",
            ),
            el("label", {"for": "focus"}, "Draw around"),
            el(
                "select",
                {"id": "focus", "name": "focus"},
                [el("option", {"value": n.id}, n.label) for n in graph.nodes.values()],
            ),
            el("button", {"type": "submit"}, "Draw"),
        )
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    for edge in graph.edges:
        forward.setdefault(edge.source, []).append(edge.target)
        backward.setdefault(edge.target, []).append(edge.source)
    kept = {focus}
    frontier = [focus]
    while frontier and len(kept) < DRAW_CAP:  # breadth first, both directions at once
        ahead: list[str] = []
        for node_id in frontier:
            for other in (*forward.get(node_id, ()), *backward.get(node_id, ())):
                if other not in kept and len(kept) < DRAW_CAP:
                    kept.add(other)
                    ahead.append(other)
        frontier = ahead
    sub = Graph(
        graph.accounts,
        {k: n for k, n in graph.nodes.items() if k in kept},
        [e for e in graph.edges if e.source in kept and e.target in kept],
    )
    shown = [p for p in chosen if all(n in kept for n in p.nodes)]
    notice = el(
        "p",
        {"class": "notice", "role": "status", "id": "draw-cap"},
        f"This account's graph has {total} nodes; drawn: {len(kept)} around "
        f"{graph.nodes[focus].label} (at most {DRAW_CAP}). The table below lists every edge, "
        "a page at a time.",
    )
    return el("div", {}, notice, _svg(sub, layout(sub), shown))


def _freshness(drawing: Drawing[Computed], recomputing: bool, again: str) -> Markup:
    when = datetime.fromtimestamp(drawing.computed_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if not recomputing:
        return el(
            "p",
            {"class": "freshness", "id": "graph-computed"},
            f"Computed at {when}, from the account as it is now.",
        )
    return el(
        "p",
        {"class": "freshness", "role": "status", "id": "graph-computed"},
        f"Computed at {when}; recomputing: the account has changed since. This page loads "
        f"again in {_REFRESH_SECONDS} seconds. ",
        el("a", {"href": again, "id": "refresh"}, "Refresh"),
    )


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _legend() -> Markup:
    items = [
        el("li", {}, el("span", {"class": f"swatch kind-{kind}", "aria-hidden": "true"}), name)
        for kind, name in _KIND_NAMES.items()
    ]
    return el("ul", {"class": "graph-legend", "aria-label": "Node kinds"}, items)


def _svg(graph: Graph, placed: Layout, chosen: list[Path]) -> Markup:
    on_path = {(e.source, e.target) for p in chosen for e in p.edges}
    path_nodes = {n for p in chosen for n in p.nodes}
    edges = [_edge(e, placed, (e.source, e.target) in on_path) for e in graph.edges]
    nodes = []
    for node in graph.nodes.values():
        spot = placed.nodes[node.id]
        classes = f"node kind-{node.kind}" + (" on-path" if node.id in path_nodes else "")
        nodes.append(
            el(
                "g",
                {
                    "class": classes,
                    "transform": f"translate({spot.x},{spot.y})",
                    "tabindex": "0",
                    "role": "button",
                    "aria-pressed": "false",
                    "aria-label": f"{node.label}: {_KIND_NAMES[node.kind]}",
                    "data-id": node.id,
                },
                el("title", {}, node.id),
                el("rect", {"width": NODE_WIDTH, "height": NODE_HEIGHT, "rx": 5}),
                el("text", {"x": 8, "y": NODE_HEIGHT // 2 + 4}, _short(node.label)),
            )
        )
    arrow = el(
        "marker",
        {
            "id": "arrow",
            "viewbox": "0 0 10 10",
            "refx": 10,
            "refy": 5,
            "markerunits": "userSpaceOnUse",  # the same head on thick and thin arrows
            "markerwidth": 9,
            "markerheight": 9,
            "orient": "auto",
        },
        el("path", {"d": "M0,0 L10,5 L0,10 z", "class": "arrow-head"}),
    )
    return el(
        "div",
        {"class": "graph-frame"},
        el(
            "svg",
            {
                "id": "access-graph",
                "role": "group",
                "aria-label": "Access graph: select a node to highlight what it reaches",
                "width": placed.width,
                "height": placed.height,
                "viewbox": f"0 0 {placed.width} {placed.height}",
            },
            el("defs", {}, arrow),
            el("g", {"class": "edges"}, edges),
            el("g", {"class": "nodes"}, nodes),
        ),
    )


def _edge(edge: Edge, placed: Layout, on_path: bool) -> Markup:
    start, end = placed.nodes[edge.source], placed.nodes[edge.target]
    x1, y1 = start.x + NODE_WIDTH, start.y + NODE_HEIGHT // 2
    x2, y2 = end.x, end.y + NODE_HEIGHT // 2
    bend = max(40, abs(x2 - x1) // 2)
    classes = f"edge {edge.status}" + (" on-path" if on_path else "")
    return el(
        "path",
        {
            "class": classes,
            "d": f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}",
            "marker-end": "url(#arrow)",
            "data-from": edge.source,
            "data-to": edge.target,
        },
    )


@dataclass(frozen=True, slots=True)
class Choices:
    """The path form's options, rendered once: (node id, label, option) for the sources (every
    node) and the targets (roles); a request re-renders only the chosen ones."""

    sources: tuple[tuple[str, str, Markup], ...]
    targets: tuple[tuple[str, str, Markup], ...]


def _choices(graph: Graph) -> Choices:
    found = [(n.id, n.label, el("option", {"value": n.id}, n.label)) for n in graph.nodes.values()]
    roles = tuple(f for f, n in zip(found, graph.nodes.values(), strict=True) if n.kind == "role")
    return Choices(tuple(found), roles)


def _form(choices: Choices, source: str | None, target: str | None) -> Markup:
    def options(listed: tuple[tuple[str, str, Markup], ...], chosen: str | None) -> list[Markup]:
        return [
            el("option", {"value": ""}, "(choose)"),
            *(
                el("option", {"value": node, "selected": True}, label) if node == chosen else shown
                for node, label, shown in listed
            ),
        ]

    return el(
        "form",
        {"method": "get", "action": "/console/graph", "id": "path-form"},
        el("h2", {}, "Explain a path"),
        el("label", {"for": "from"}, "Source"),
        el("select", {"id": "from", "name": "from"}, options(choices.sources, source)),
        el("label", {"for": "to"}, "Target role"),
        el("select", {"id": "to", "name": "to"}, options(choices.targets, target)),
        el("p", {}, el("button", {"type": "submit"}, "Explain")),
    )


def _step(step: Step) -> Markup:
    where = (
        f" ({step.policy}, line {step.line}, column {step.column})"
        if step.policy is not None
        else ""
    )
    return el("li", {"class": f"step step-{step.kind}"}, step.text, where)


def _paths(graph: Graph, paths: list[Path], explain: Explain, source: str, target: str) -> Markup:
    if not paths:
        denial = explain(source, target)
        reasons = el("ul", {}, [_step(s) for s in denial.steps]) if denial is not None else None
        return el(
            "section",
            {"id": "paths", "aria-labelledby": "paths-heading"},
            el("h2", {"id": "paths-heading"}, "Paths"),
            el(
                "p", {}, f"No path from {graph.nodes[source].label} to {graph.nodes[target].label}."
            ),
            reasons,
        )
    shown = []
    for number, path in enumerate(paths, 1):
        names = " → ".join(graph.nodes[n].label for n in path.nodes)
        status = " (conditional)" if path.conditional else ""
        hops = [
            el(
                "li",
                {},
                f"{graph.nodes[e.source].label} assumes {graph.nodes[e.target].label} with "
                f"{e.action}: {e.status}",
                el("ul", {}, [_step(s) for s in e.steps]),
            )
            for e in path.edges
        ]
        shown.append(
            el(
                "li",
                {"class": "path"},
                el("h3", {}, f"Path {number}{status}: {names}"),
                el("ol", {}, hops),
            )
        )
    return el(
        "section",
        {"id": "paths", "aria-labelledby": "paths-heading"},
        el("h2", {"id": "paths-heading"}, "Paths"),
        el("ol", {"class": "paths"}, shown),
    )


def _edge_rows(graph: Graph) -> tuple[tuple[str, ...], ...]:
    rows = []
    for edge in graph.edges:
        keys = ", ".join(dict.fromkeys(c.key for c in edge.conditions))
        rows.append(
            (
                graph.nodes[edge.source].label,
                graph.nodes[edge.target].label,
                edge.action,
                edge.status + _caveat(edge),
                keys or "-",
            )
        )
    return tuple(rows)


def _edges_page(rows: tuple[tuple[str, ...], ...], request: Request) -> list[Markup]:
    """The table's page the request asks for (``edges``, from 1), and links to its
    neighbours that keep the rest of the page's query."""
    pages = max(1, -(-len(rows) // EDGES_PER_PAGE))
    try:
        number = min(max(int(request.arg("edges") or 1), 1), pages)
    except ValueError:
        number = 1
    start = (number - 1) * EDGES_PER_PAGE
    shown = table(
        ["Who", "Can assume", "With", "Status", "Conditions"],
        [list(row) for row in rows[start : start + EDGES_PER_PAGE]],
        "Who can assume which role",
    )
    if pages == 1:
        return [shown]
    query = {k: v for k, v in request.query.items() if k != "edges"}

    def link(to: int, text: str, rel: str) -> Markup:
        address = "/console/graph?" + urlencode(sorted({**query, "edges": str(to)}.items()))
        return el("a", {"href": address + "#edges-heading", "rel": rel}, text)

    nav = [f"Edges {start + 1}-{min(start + EDGES_PER_PAGE, len(rows))} of {len(rows)}. "]
    if number > 1:
        nav += [link(number - 1, "Previous edges", "prev"), " "]
    if number < pages:
        nav.append(link(number + 1, "Next edges", "next"))
    return [el("p", {"id": "edges-pages"}, *nav), shown]


def _caveat(edge: Edge) -> str:
    if any(step.kind == "delegated" for step in edge.steps):
        return " here; the other account must allow too"
    return " (cross-account)" if edge.cross_account else ""


def _skipped(graph: Graph) -> Markup | None:
    if not graph.skipped:
        return None
    return el(
        "div",
        {"class": "notice", "role": "status"},
        "Left out (not readable): ",
        ", ".join(graph.skipped),
    )
