"""The route table of the authorization service's proxies and middleware
(rolegate.authz_client.routes): what parses, what it matches, and each refusal with its line."""

from __future__ import annotations

import pytest

from rolegate.authz_client.routes import RouteTable, RouteTableError

TABLE = RouteTable.parse(
    """
# comment line
GET    /widgets        widgets:ListWidgets  arn:aws:widgets:${region}:${account}:widget/*
GET    /widgets/{id}   widgets:GetWidget    arn:aws:widgets:${region}:${account}:widget/{id}
*      /files/{key+}   files:Access         arn:aws:files:::file/{key}  # trailing
DELETE /a/{x}/b/{y}    things:Delete        arn:aws:things:${region}::{x}/{y}
"""
)


def resource(method: str, path: str) -> tuple[str, str] | None:
    match = TABLE.match(method, path)
    return None if match is None else (match.action, match.resource("eu-west-1", "111122223333"))


def test_matching() -> None:
    assert resource("GET", "/widgets") == (
        "widgets:ListWidgets",
        "arn:aws:widgets:eu-west-1:111122223333:widget/*",
    )
    assert resource("GET", "/widgets/4%2F2") == (
        "widgets:GetWidget",
        "arn:aws:widgets:eu-west-1:111122223333:widget/4/2",
    )
    assert resource("PUT", "/files/a/b/c.txt") == ("files:Access", "arn:aws:files:::file/a/b/c.txt")
    assert resource("DELETE", "/a/1/b/2") == ("things:Delete", "arn:aws:things:eu-west-1::1/2")
    assert TABLE.match("GET", "/widgets/42").service == "widgets"  # type: ignore[union-attr]
    for method, path in (
        ("POST", "/widgets"),  # another method
        ("GET", "/widgets/"),  # an empty segment is no {id}
        ("GET", "/widgets/1/2"),  # {id} is one segment
        ("GET", "/files"),  # {key+} takes one segment or more
        ("GET", "/Widgets"),  # paths are case-sensitive
    ):
        assert TABLE.match(method, path) is None


def test_a_value_is_never_read_as_a_template() -> None:
    assert resource("GET", "/widgets/%24%7Baccount%7D") == (
        "widgets:GetWidget",
        "arn:aws:widgets:eu-west-1:111122223333:widget/${account}",
    )


def test_long_paths_that_almost_match() -> None:
    """Templates without nested repetition: a near miss costs one pass (an exponential pattern
    would not finish on these paths)."""
    table = RouteTable.parse("GET /{a}/{b}/{c}/x w:A *\nGET /{a}/{k+} w:B *")
    assert table.match("GET", "/" + "a/" * 20_000) is None  # the trailing '/' fails both
    found = table.match("GET", "/" + "a/" * 20_000 + "end")
    assert found is not None and found.action == "w:B"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("GET /a", "expected 4 fields (method, path template, action, resource template), found 2"),
        ("get /a w:A *", "the method 'get' is not an HTTP method in capitals or '*'"),
        ("GET a w:A *", "the path template 'a' does not start with '/'"),
        ("GET /a/{b w:A *", "the path segment '{b' is neither literal nor {name}"),
        ("GET /{a}/{a} w:A *", "the path template names {a} twice"),
        ("GET /{a+}/b w:A *", "{a+} must be the last segment of the path template"),
        ("GET /a wA *", "the action 'wA' is not service:Action"),
        ("GET /a w:A* *", "the action 'w:A*' is not service:Action"),
        ("GET /a w:A widget/1", "the resource template 'widget/1' is neither '*' nor an ARN"),
        (
            "GET /a w:A arn:aws:w:${partition}::x",
            "unknown variable ${partition} (only ${region}, ${account})",
        ),
        ("GET /{a} w:A arn:aws:w:::{b}", "{b} is not a parameter of the path template"),
        ("GET /{a} w:A arn:aws:w:::{a", "unbalanced '{' or '}' in the resource template"),
    ],
)
def test_a_table_that_does_not_parse_names_the_line(line: str, problem: str) -> None:
    with pytest.raises(RouteTableError) as raised:
        RouteTable.parse(f"# routes\nGET /ok w:A *\n{line}\n", "routes.txt")
    assert str(raised.value) == f"routes.txt line 3: {problem}: {line!r}"


def test_a_route_given_twice_is_refused() -> None:
    with pytest.raises(RouteTableError) as raised:
        RouteTable.parse("GET /a w:A *\nGET /a w:B *", "r")
    assert str(raised.value) == "r line 2: GET /a is routed twice: 'GET /a w:B *'"


def test_an_unreadable_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RouteTableError) as raised:
        RouteTable.load(tmp_path / "missing.txt")
    assert "cannot read the route table" in str(raised.value)
