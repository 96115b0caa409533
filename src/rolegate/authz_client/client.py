"""A small client for the authorization service's ``POST /v1/authorize``
(docs/authorization-service.md), synchronous and asynchronous, on httpx."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["AuthzClient", "AuthzError", "Decision"]


class AuthzError(Exception):
    """The service did not decide: unreachable, or it answered an error (``status``, ``code``)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class Decision:
    """The service's answer: ``decision`` is Allow, ImplicitDeny or ExplicitDeny."""

    authenticated: bool
    decision: str
    principal: dict[str, Any] | None
    error: dict[str, str] | None
    message: str | None
    matched: list[dict[str, Any]] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.authenticated and self.decision == "Allow"

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Decision:
        return cls(
            authenticated=bool(body.get("authenticated")),
            decision=str(body.get("decision")),
            principal=body.get("principal"),
            error=body.get("error"),
            message=body.get("message"),
            matched=list(body.get("matched") or ()),
        )


Headers = Mapping[str, str | Sequence[str]]


def question(
    *,
    method: str,
    url: str,
    headers: Headers,
    action: str,
    resource: str | None = None,
    resource_template: str | None = None,
    body: bytes | None = None,
    body_sha256: str | None = None,
    source_ip: str | None = None,
    context: Mapping[str, Any] | None = None,
    resource_policy: Mapping[str, Any] | str | None = None,
) -> dict[str, Any]:
    """The JSON question; the service is the action's prefix. ``body`` is sent as its hash."""
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {k: v if isinstance(v, str) else list(v) for k, v in headers.items()},
    }
    if body is not None:
        body_sha256 = hashlib.sha256(body).hexdigest()
    if body_sha256 is not None:
        request["body_sha256"] = body_sha256
    if source_ip is not None:
        request["source_ip"] = source_ip
    asked: dict[str, Any] = {
        "request": request,
        "service": action.split(":", 1)[0].lower(),
        "action": action,
    }
    if resource_template is not None:
        asked["resource_template"] = resource_template
    else:
        asked["resource"] = resource if resource is not None else "*"
    if context:
        asked["context"] = dict(context)
    if resource_policy is not None:
        asked["resource_policy"] = resource_policy
    return asked


class AuthzClient:
    """``AuthzClient("http://127.0.0.1:4567").authorize(method=..., url=..., headers=...,
    action="widgets:GetWidget", resource="arn:...")`` -> :class:`Decision`."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.endpoint = url.rstrip("/") + "/v1/authorize"
        self.timeout = timeout
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None

    def authorize(self, **asked: Any) -> Decision:
        """Ask synchronously; the keywords of :func:`question`."""
        if self._sync is None:
            self._sync = httpx.Client(timeout=self.timeout)
        try:
            response = self._sync.post(self.endpoint, json=question(**asked))
        except httpx.HTTPError as error:
            raise AuthzError(f"the authorization service did not answer: {error}") from None
        return _decision(response)

    async def authorize_async(self, **asked: Any) -> Decision:
        """Ask from async code; the keywords of :func:`question`."""
        if self._async is None:
            self._async = httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await self._async.post(self.endpoint, json=question(**asked))
        except httpx.HTTPError as error:
            raise AuthzError(f"the authorization service did not answer: {error}") from None
        return _decision(response)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


def _decision(response: httpx.Response) -> Decision:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        text = error.get("message") if isinstance(error, dict) else response.text[:200]
        raise AuthzError(f"{response.status_code}: {text}", response.status_code, code)
    return Decision.from_json(body)
