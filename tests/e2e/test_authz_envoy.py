"""Envoy ``ext_authz`` with an HTTP authorization service, with the check requests Envoy's
documentation describes
(https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto,
``HttpService``): the original method, ``path_prefix`` (``/v1/envoy``) before the original path
and query, the original ``Host``, ``Content-Length: 0`` (no body) and the headers the filter
forwards (``allowed_headers``: the signature's), ``x-envoy-external-address`` for the peer and
``x-forwarded-proto``. 200 lets the request through with the ``allowed_upstream_headers``
(``x-rolegate-*``); any other status is answered to the client."""

from __future__ import annotations

import http.client
import json
from typing import Any

from authz_helpers import AuthzServer, signed
from sts_helpers import Account, allow, document

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET

RESOURCE = f"arn:aws:widgets:us-east-1:{ACCOUNT_ID}:widget/42"


def check(
    authz: AuthzServer,
    method: str,
    path: str,
    request_headers: dict[str, str],
    **extra: str,
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Envoy's check request for the original ``method`` ``path``."""
    headers = {"host": "widgets.internal"}  # the original :authority
    headers.update({k.lower(): v for k, v in request_headers.items()})
    headers.update({"content-length": "0", **extra})
    connection = http.client.HTTPConnection("127.0.0.1", authz.authz_port, timeout=30)
    try:
        connection.putrequest(method, "/v1/envoy" + path, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def test_envoy_check_requests_get_the_same_decisions(authz: AuthzServer) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    statement = allow(
        "widgets:GetWidget",
        RESOURCE,
        Condition={
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    )
    user = home.user(document(statement))
    request = signed(user.key_id, user.secret, "https://widgets.internal/widgets/42?view=full")
    peer = {"x-envoy-external-address": "203.0.113.9", "x-forwarded-proto": "https"}
    status, headers, body = check(
        authz, "GET", "/widgets/42?view=full", dict(request.headers.items()), **peer
    )
    assert status == 200, body
    assert headers["x-rolegate-principal-arn"] == user.arn
    assert headers["x-rolegate-account"] == ACCOUNT_ID
    assert headers["x-rolegate-user-id"] == user.user_id
    assert body["decision"] == "Allow"
    # the peer from x-forwarded-for (its last entry, the one Envoy appended) when Envoy does
    # not send x-envoy-external-address
    forwarded = {"x-forwarded-for": "198.51.100.1, 203.0.113.9", "x-forwarded-proto": "https"}
    assert (
        check(authz, "GET", "/widgets/42?view=full", dict(request.headers.items()), **forwarded)[0]
        == 200
    )
    outside = {"x-envoy-external-address": "198.51.100.1", "x-forwarded-proto": "https"}
    status, headers, body = check(
        authz, "GET", "/widgets/42?view=full", dict(request.headers.items()), **outside
    )
    assert status == 403 and body["decision"] == "ImplicitDeny"
    assert body["message"].startswith(
        f"User: {user.arn} is not authorized to perform: widgets:GetWidget"
    )
    assert "x-rolegate-principal-arn" not in headers
    plain = {"x-envoy-external-address": "203.0.113.9", "x-forwarded-proto": "http"}
    assert (
        check(authz, "GET", "/widgets/42?view=full", dict(request.headers.items()), **plain)[0]
        == 403
    )


def test_envoy_unauthenticated_and_unrouted(authz: AuthzServer) -> None:
    request = signed(ROOT_KEY_ID, ROOT_SECRET, "http://widgets.internal/widgets/42")
    headers = dict(request.headers.items())
    assert check(authz, "GET", "/widgets/42", headers)[0] == 200
    status, _, body = check(authz, "GET", "/widgets/43", headers)  # signed for /widgets/42
    assert status == 401
    assert body["error"]["code"] == "SignatureDoesNotMatch"
    status, _, body = check(authz, "GET", "/widgets/42", {"host": "widgets.internal"})
    assert status == 401 and body["error"]["code"] == "MissingAuthenticationToken"
    status, _, body = check(authz, "POST", "/gizmos", headers)
    assert status == 403 and body["error"] == {
        "code": "AccessDenied",
        "message": "No route for POST /gizmos.",
    }


def test_proxy_checks_that_are_not_what_a_proxy_sends(authz: AuthzServer) -> None:
    """A misconfigured proxy gets a 400 naming what is missing (nginx then answers its client
    500), never a decision."""
    connection = http.client.HTTPConnection("127.0.0.1", authz.authz_port, timeout=30)
    try:
        connection.request("GET", "/v1/nginx", headers={"Host": "widgets.internal"})
        response = connection.getresponse()
        assert response.status == 400
        assert json.loads(response.read())["error"] == {
            "code": "ValidationException",
            "message": "X-Original-URI is missing: set it to $request_uri in nginx.",
        }
    finally:
        connection.close()
    status, _, body = check(authz, "GET", "", {"host": "widgets.internal"})  # /v1/envoy itself
    assert status == 403 and body["error"]["message"] == "No route for GET /."
