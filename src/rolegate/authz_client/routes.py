"""The route table: which action on which resource an HTTP request is, for the authorization
service's proxies (nginx ``auth_request``, Envoy ``ext_authz``) and the ASGI middleware.

One route a line, four fields separated by white space; ``#`` starts a comment::

    # method  path template   action               resource template
    GET    /widgets/{id}   widgets:GetWidget    arn:aws:widgets:${region}:${account}:widget/{id}
    POST   /widgets        widgets:CreateWidget arn:aws:widgets:${region}:${account}:widget/*
    *      /files/{key+}   files:Access         arn:aws:files:::file/{key}

* method: an HTTP method in capitals, or ``*`` for any;
* path template: ``/``-separated literal segments and ``{name}`` segments (one non-empty
  segment); a last ``{name+}`` takes the rest of the path (one segment or more). A request's
  query string is not part of the match;
* action: ``service:Action`` (the service prefix is the signature's credential-scope service);
* resource template: ``*`` or an ARN; ``{name}`` is the path segment of that name, percent-decoded;
  ``${region}`` the region the request was signed for, ``${account}`` the signer's account.

The first route that matches wins. Matching costs time linear in the path per route (each
template is a regular expression without nested repetition).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

__all__ = ["Route", "RouteMatch", "RouteTable", "RouteTableError", "fill_variables"]

_METHOD = re.compile(r"[A-Z]+|\*")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PARAM = re.compile(r"\{(" + _NAME + r")(\+?)\}")
_LITERAL = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@%]*")
_ACTION = re.compile(r"([a-z0-9][a-z0-9-]*):([A-Za-z0-9]+)")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_RESOURCE_VARIABLES = frozenset({"region", "account"})
_VARIABLE_ONLY = re.compile(r"\$\{(region|account)\}")
_FILL = re.compile(r"\$\{(region|account)\}|\{(" + _NAME + r")\}")


class RouteTableError(ValueError):
    """A route table that does not parse; the message names the file, the line and its text."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # "*" for any
    path: str
    action: str
    resource: str
    pattern: re.Pattern[str]

    def resource_for(self, params: dict[str, str], region: str, account: str) -> str:
        """The resource template filled in one pass (a value is never read as a template)."""
        variables = {"region": region, "account": account}

        def fill(match: re.Match[str]) -> str:
            variable, param = match.groups()
            return variables[variable] if variable is not None else params[param]

        return _FILL.sub(fill, self.resource)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The route one request takes, with its path parameters (percent-decoded)."""

    route: Route
    params: dict[str, str]

    @property
    def action(self) -> str:
        return self.route.action

    @property
    def service(self) -> str:
        return self.route.action.split(":", 1)[0]

    def resource(self, region: str, account: str) -> str:
        """The resource, once the signer's region and account are known."""
        return self.route.resource_for(self.params, region, account)


class RouteTable:
    """Routes in the order the file gives them."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)

    @classmethod
    def parse(cls, text: str, source: str = "routes") -> RouteTable:
        routes: list[Route] = []
        seen: set[tuple[str, str]] = set()
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                route = _parse_line(line)
            except ValueError as error:
                raise RouteTableError(f"{source} line {number}: {error}: {raw.strip()!r}") from None
            if (route.method, route.path) in seen:
                raise RouteTableError(
                    f"{source} line {number}: {route.method} {route.path} is routed twice: "
                    f"{raw.strip()!r}"
                )
            seen.add((route.method, route.path))
            routes.append(route)
        return cls(routes)

    @classmethod
    def load(cls, path: str | Path) -> RouteTable:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RouteTableError(f"{path}: cannot read the route table: {error}") from None
        return cls.parse(text, str(path))

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route of ``method`` on the raw (percent-encoded) ``path``, or None."""
        for route in self.routes:
            if route.method != "*" and route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            params = {name: unquote(value) for name, value in found.groupdict().items()}
            return RouteMatch(route, params)
        return None


def fill_variables(template: str, region: str, account: str) -> str:
    """``${region}`` and ``${account}`` of ``template``, filled in one pass."""
    variables = {"region": region, "account": account}
    return _VARIABLE_ONLY.sub(lambda m: variables[m.group(1)], template)


def _parse_line(line: str) -> Route:
    fields = line.split()
    if len(fields) != 4:
        raise ValueError(
            f"expected 4 fields (method, path template, action, resource template), "
            f"found {len(fields)}"
        )
    method, path, action, resource = fields
    if not _METHOD.fullmatch(method):
        raise ValueError(f"the method {method!r} is not an HTTP method in capitals or '*'")
    pattern, names = _path_pattern(path)
    if not _ACTION.fullmatch(action):
        raise ValueError(f"the action {action!r} is not service:Action")
    _check_resource(resource, names)
    return Route(method, path, action, resource, pattern)


def _path_pattern(path: str) -> tuple[re.Pattern[str], set[str]]:
    if not path.startswith("/"):
        raise ValueError(f"the path template {path!r} does not start with '/'")
    segments = path.split("/")[1:]
    parts: list[str] = []
    names: set[str] = set()
    for position, segment in enumerate(segments):
        param = _PARAM.fullmatch(segment)
        if param is not None:
            name, greedy = param.groups()
            if name in names:
                raise ValueError(f"the path template names {{{name}}} twice")
            if greedy and position != len(segments) - 1:
                raise ValueError(f"{{{name}+}} must be the last segment of the path template")
            names.add(name)
            parts.append(f"(?P<{name}>[^/]+(?:/[^/]+)*)" if greedy else f"(?P<{name}>[^/]+)")
        elif _LITERAL.fullmatch(segment):
            parts.append(re.escape(segment))
        else:
            raise ValueError(f"the path segment {segment!r} is neither literal nor {{name}}")
    return re.compile("/" + "/".join(parts)), names


def _check_resource(resource: str, names: set[str]) -> None:
    if resource != "*" and not resource.startswith("arn:"):
        raise ValueError(f"the resource template {resource!r} is neither '*' nor an ARN")
    for variable in _VARIABLE.findall(resource):
        if variable not in _RESOURCE_VARIABLES:
            raise ValueError(f"unknown variable ${{{variable}}} (only ${{region}}, ${{account}})")
    without_variables = _VARIABLE.sub("", resource)
    for param in _PARAM.finditer(without_variables):
        if param.group(2) or param.group(1) not in names:
            raise ValueError(f"{{{param.group(1)}}} is not a parameter of the path template")
    if "{" in _PARAM.sub("", without_variables) or "}" in _PARAM.sub("", without_variables):
        raise ValueError("unbalanced '{' or '}' in the resource template")
