"""Questions from proxies: nginx ``auth_request`` and Envoy ``ext_authz`` (HTTP service).

Both describe the original request in the headers of their own request; the route table
(``--authz-routes``) names its action and resource. The answer is a status the proxy acts on
(200 allow, 401 not authenticated, 403 denied) with the principal in ``X-Rolegate-*`` headers for
the upstream.

* nginx (https://nginx.org/en/docs/http/ngx_http_auth_request_module.html): the subrequest carries
  the original headers; the site's configuration adds ``X-Original-Method``, ``X-Original-URI``
  (``$request_uri``), ``X-Original-Scheme`` and ``X-Original-Remote-Addr`` and keeps the original
  ``Host`` (examples/nginx/nginx.conf).
* Envoy (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto):
  the check request has the original method, the original path behind the configured
  ``path_prefix`` (``/v1/envoy``), ``Host`` and the headers the filter is told to forward;
  the original peer is ``x-envoy-external-address`` or the last ``x-forwarded-for`` entry,
  the scheme ``x-forwarded-proto``.

Neither proxy sends the body: a request with one is signed over its ``X-Amz-Content-SHA256``
header, which stands for the body here (docs/authorization-service.md, "Trust model").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from rolegate.auth.sigv4 import HttpRequest
from rolegate.authz_client.routes import RouteTable
from rolegate.server.authz.contract import BadQuestion, Question

ENVOY_PREFIX = "/v1/envoy"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# Headers the proxies add for rolegate: not the original request's.
_PROXY_HEADERS = frozenset(
    {"x-original-method", "x-original-uri", "x-original-scheme", "x-original-remote-addr"}
)


class NoRoute(Exception):
    """The route table has no route for the request: denied (403)."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"No route for {method} {path}.")
        self.message = f"No route for {method} {path}."


def nginx_question(
    headers: tuple[tuple[str, str], ...], subrequest_method: str, routes: RouteTable
) -> Question:
    lowered = _lowered(headers)
    uri = lowered.get("x-original-uri")
    if not uri:
        raise BadQuestion("X-Original-URI is missing: set it to $request_uri in nginx.")
    method = lowered.get("x-original-method") or subrequest_method
    path, _, query = uri.partition("?")
    original = tuple((k, v) for k, v in headers if k.lower() not in _PROXY_HEADERS)
    return _question(
        method,
        path,
        query,
        original,
        routes,
        source_ip=lowered.get("x-original-remote-addr"),
        scheme=lowered.get("x-original-scheme", "http"),
    )


def envoy_question(
    method: str,
    path: str,
    query: str,
    headers: tuple[tuple[str, str], ...],
    routes: RouteTable,
) -> Question:
    lowered = _lowered(headers)
    original_path = path[len(ENVOY_PREFIX) :] or "/"
    source_ip = lowered.get("x-envoy-external-address")
    if source_ip is None and "x-forwarded-for" in lowered:
        source_ip = lowered["x-forwarded-for"].rsplit(",", 1)[-1].strip()
    return _question(
        method,
        original_path,
        query,
        headers,
        routes,
        source_ip=source_ip or None,
        scheme=lowered.get("x-forwarded-proto", "http"),
    )


def _question(
    method: str,
    path: str,
    query: str,
    headers: tuple[tuple[str, str], ...],
    routes: RouteTable,
    *,
    source_ip: str | None,
    scheme: str,
) -> Question:
    request = HttpRequest(
        method=method,
        path=path or "/",
        query_string=query,
        headers=headers,
        body=b"",
        body_sha256=_declared_body_hash(headers),
    )
    match = routes.match(method, request.path)
    if match is None:
        raise NoRoute(method, request.path)
    return Question(
        request=request,
        service=match.service,
        action=match.action,
        resource=match.route.resource,
        source_ip=source_ip,
        secure_transport=scheme.strip().lower() == "https",
        resource_template=match.resource,
    )


def _declared_body_hash(headers: tuple[tuple[str, str], ...]) -> str:
    for name, value in headers:
        if name.lower() == "x-amz-content-sha256" and _SHA256.fullmatch(value.strip()):
            return value.strip().lower()
    return EMPTY_SHA256


def _lowered(headers: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value)
    return found


__all__ = ["ENVOY_PREFIX", "NoRoute", "envoy_question", "nginx_question"]
