"""The JSON of ``POST /v1/authorize`` (docs/authorization-service.md): the question, read and
checked field by field, and the answer.

A question that is not what the contract says (not JSON, not an object, a field missing or of
the wrong type, a ``service`` that is not the action's prefix) is a :class:`BadQuestion`, answered
400 with a JSON error that names the field; it is never a 500. Reading is linear in the size of
the body (the JSON parser's nesting is bounded by Python's recursion limit, which is caught).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from rolegate.auth.sigv4 import HttpRequest
from rolegate.authz_client.routes import fill_variables
from rolegate.services.context import ContextValues

# The original request's body, base64 in the question, is at most this big.
MAX_QUESTION_BYTES = 8 * 1024 * 1024
_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_ACTION_NAME = re.compile(r"[A-Za-z0-9]{1,128}")
_METHOD = re.compile(r"[A-Z]{1,16}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_ACCOUNT = re.compile(r"[0-9]{12}")
MAX_CONTEXT_KEYS = 256


# (region, account) -> the resource ARN
ResourceTemplate = Callable[[str, str], str]


class BadQuestion(ValueError):
    """A question that does not follow the contract: ``code`` and ``message`` for the 400."""

    def __init__(self, message: str, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Question:
    """What ``/v1/authorize`` (or a proxy's check, mapped to it) asks."""

    request: HttpRequest
    service: str
    action: str
    resource: str
    context: ContextValues | None = None
    resource_policy: str | None = None  # the document as JSON text
    source_ip: str | None = None
    secure_transport: bool = False
    # The resource once the signer's region and account are known (a route's, or the question's
    # ``resource_template``): used instead of ``resource``.
    resource_template: ResourceTemplate | None = None
    # The account that owns the resource, for ARNs without one (S3's); else the ARN's account.
    resource_account: str | None = None


@functools.lru_cache(maxsize=4096)  # a proxy asks about the same few clients again and again
def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def read_question(body: bytes) -> Question:
    """The question in ``body``, or :class:`BadQuestion`."""
    try:
        document = orjson.loads(body)  # UTF-8 only, no NaN, nesting below 1,024 levels
    except (ValueError, RecursionError) as error:
        detail = str(error) if isinstance(error, ValueError) else "nested too deeply"
        raise BadQuestion(f"The body is not JSON: {detail}", "SerializationException") from None
    if not isinstance(document, dict):
        raise BadQuestion("The body must be a JSON object.", "SerializationException")
    request = _object(document, "request")
    method = _string(request, "method", "request.method")
    if not _METHOD.fullmatch(method):
        raise BadQuestion("request.method must be an HTTP method in capitals, e.g. GET.")
    url = _string(request, "url", "request.url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadQuestion("request.url must be an absolute http:// or https:// URL.")
    headers = _headers(request.get("headers"))
    if not any(name.lower() == "host" for name, _ in headers):
        headers = (*headers, ("Host", parts.netloc))
    body, body_sha256 = _body(request)
    source_ip = _optional_string(request, "source_ip", "request.source_ip")
    if source_ip is not None and not _is_ip(source_ip):
        raise BadQuestion("request.source_ip must be an IPv4 or IPv6 address.")
    service = _string(document, "service", "service")
    if not _SERVICE.fullmatch(service):
        raise BadQuestion(
            "service must be a service prefix: lower-case letters, digits and '-' (e.g. widgets)."
        )
    action = _string(document, "action", "action")
    prefix, colon, name = action.partition(":")
    if not colon or not _ACTION_NAME.fullmatch(name):
        raise BadQuestion("action must be service:Action, e.g. widgets:GetWidget.")
    if prefix.lower() != service:
        raise BadQuestion(
            f"Unknown service for this action: the action {action} belongs to service "
            f"{prefix.lower()!r}, not to {service!r}."
        )
    resource, template = _resource(document)
    resource_account = _optional_string(document, "resource_account", "resource_account")
    if resource_account is not None and not _ACCOUNT.fullmatch(resource_account):
        raise BadQuestion("resource_account must be an account id of 12 digits.")
    return Question(
        request=HttpRequest(
            method=method,
            path=parts.path or "/",
            query_string=parts.query,
            headers=headers,
            body=body,
            body_sha256=body_sha256,
        ),
        service=service,
        action=action,
        resource=resource,
        resource_template=template,
        resource_account=resource_account,
        context=_context(document.get("context")),
        resource_policy=_resource_policy(document.get("resource_policy")),
        source_ip=source_ip,
        secure_transport=parts.scheme == "https",
    )


def _resource(document: Mapping[str, Any]) -> tuple[str, ResourceTemplate | None]:
    """``resource``, or ``resource_template`` with ``${region}`` and ``${account}`` (the
    signature's region and the verified signer's account), filled in one pass."""
    if document.get("resource_template") is not None:
        if document.get("resource") is not None:
            raise BadQuestion("Give resource or resource_template, not both.")
        template = _string(document, "resource_template", "resource_template")
        if template != "*" and not template.startswith("arn:"):
            raise BadQuestion("resource_template must be an ARN or '*'.")
        return template, lambda region, account: fill_variables(template, region, account)
    resource = _string(document, "resource", "resource")
    if resource != "*" and not resource.startswith("arn:"):
        raise BadQuestion("resource must be an ARN or '*'.")
    return resource, None


def _object(parent: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    if value is None:
        raise BadQuestion(f"{name} is missing.")
    if not isinstance(value, dict):
        raise BadQuestion(f"{name} must be a JSON object.")
    return value


def _string(parent: Mapping[str, Any], name: str, path: str) -> str:
    value = parent.get(name)
    if value is None:
        raise BadQuestion(f"{path} is missing.")
    if not isinstance(value, str) or not value:
        raise BadQuestion(f"{path} must be a non-empty string.")
    return value


def _optional_string(parent: Mapping[str, Any], name: str, path: str) -> str | None:
    if parent.get(name) is None:
        return None
    return _string(parent, name, path)


def _latin1(value: str, path: str) -> str:
    """Header names and values as an HTTP server hands them over (bytes read as latin-1)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise BadQuestion(f"{path} must hold latin-1 text, as HTTP headers do.") from None
    return value


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    """``{"Name": "value"}``; a repeated header as a list of its values."""
    if value is None:
        raise BadQuestion("request.headers is missing.")
    if not isinstance(value, dict):
        raise BadQuestion("request.headers must be a JSON object of header names to values.")
    headers: list[tuple[str, str]] = []
    for name, given in value.items():
        where = f"request.headers[{name!r}]"
        _latin1(name, where)
        values = given if isinstance(given, list) else [given]
        for item in values:
            if not isinstance(item, str):
                raise BadQuestion(f"{where} must be a string or a list of strings.")
            headers.append((name, _latin1(item, where)))
    return tuple(headers)


def _body(request: Mapping[str, Any]) -> tuple[bytes, str | None]:
    """The body (``body``, base64) or its hash (``body_sha256``); neither: an empty body."""
    digest = request.get("body_sha256")
    encoded = request.get("body")
    if digest is not None and encoded is not None:
        raise BadQuestion("Give request.body or request.body_sha256, not both.")
    if digest is not None:
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise BadQuestion("request.body_sha256 must be 64 hexadecimal digits.")
        return b"", digest.lower()
    if encoded is None:
        return b"", None
    if not isinstance(encoded, str):
        raise BadQuestion("request.body must be a base64 string.")
    try:
        body = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadQuestion("request.body must be a base64 string.") from None
    return body, hashlib.sha256(body).hexdigest()


def _context(value: Any) -> ContextValues | None:
    """Extra condition keys: a string, number or boolean, or a list of them, per key."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadQuestion("context must be a JSON object of condition keys to values.")
    if len(value) > MAX_CONTEXT_KEYS:
        raise BadQuestion(f"context may hold at most {MAX_CONTEXT_KEYS} keys.")
    context: dict[str, str | list[str]] = {}
    for key, given in value.items():
        if not key:
            raise BadQuestion("context keys must be non-empty.")
        if isinstance(given, list):
            context[key] = [_context_value(key, item) for item in given]
        else:
            context[key] = _context_value(key, given)
    return context


def _context_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise BadQuestion(f"context[{key!r}] must be a string, number, boolean or a list of them.")


def _resource_policy(value: Any) -> str | None:
    """The resource's policy, as a JSON object or its text; null or absent: none."""
    if value is None:
        return None
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise BadQuestion("resource_policy must be a policy document (object or text) or null.")
