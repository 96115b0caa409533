"""The container credentials endpoint, as ECS tasks and EKS pod identities reach it
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html): programs
find ``http://HOST:PORT/v1/credentials`` in ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and send the
contents of ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (or of the file
``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``) as ``Authorization``.

The token file is read again whenever it changes (a rotated token takes effect at once); the
comparison is constant-time. Answers: 200 with AWS's JSON (AccessKeyId, SecretAccessKey, Token,
Expiration, RoleArn); 401 without Authorization, 403 with a wrong one, 404 for another path, 405
for another method, 503 while no valid credentials can be had (JSON ``code``/``message``: the
status codes and texts are rolegate's own).
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path

from rolegate.agent.asgi import (
    Receive,
    Scope,
    Send,
    headers_of,
    iso,
    lifespan,
    respond,
    respond_json,
)
from rolegate.agent.client import RoleCredentials
from rolegate.agent.refresher import Refresher

CREDENTIALS_PATH = "/v1/credentials"


class AuthToken:
    """The expected Authorization value, from a file, reloaded when its mtime changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: int | None = None
        self._value = b""
        self.reload()

    def reload(self) -> None:
        stamp = os.stat(self._path).st_mtime_ns
        if stamp != self._stamp:
            self._value = self._path.read_bytes().strip()
            self._stamp = stamp
            if not self._value:
                raise ValueError(f"{self._path} is empty")

    def matches(self, given: str) -> bool:
        try:
            self.reload()
        except (OSError, ValueError):
            return False
        return hmac.compare_digest(given.encode("latin-1"), self._value)


class ContainerApp:
    def __init__(self, refresher: Refresher, token: AuthToken) -> None:
        self._refresher = refresher
        self._token = token
        # the document of the current credentials, rendered once per refresh
        self._rendered: tuple[RoleCredentials, bytes] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["path"] != CREDENTIALS_PATH:
            await respond_json(send, 404, {"code": "NotFound", "message": "No such path."})
            return
        if scope["method"] != "GET":
            await respond_json(
                send, 405, {"code": "MethodNotAllowed", "message": "Only GET is allowed."}
            )
            return
        given = headers_of(scope).get("authorization")
        if given is None:
            await respond_json(
                send, 401, {"code": "AccessDenied", "message": "Authorization header missing."}
            )
            return
        if not self._token.matches(given):
            await respond_json(
                send, 403, {"code": "AccessDenied", "message": "Authorization token invalid."}
            )
            return
        current = self._refresher.valid()
        if current is None:
            problem = self._refresher.problem
            message = problem.message if problem else "Credentials are not available yet."
            code = problem.code if problem else "CredentialsUnavailable"
            await respond_json(send, 503, {"code": code, "message": message})
            return
        rendered = self._rendered
        if rendered is None or rendered[0] is not current:
            rendered = (current, _document(current))
            self._rendered = rendered
        await respond(send, 200, rendered[1], "application/json")


def _document(current: RoleCredentials) -> bytes:
    return json.dumps(
        {
            "AccessKeyId": current.access_key_id,
            "SecretAccessKey": current.secret_access_key,
            "Token": current.session_token,
            "Expiration": iso(current.expiration),
            "RoleArn": current.role_arn,
        },
        indent=2,
    ).encode()
